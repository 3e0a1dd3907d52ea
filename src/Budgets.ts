/**
 * A workspace's budgets by interval, as the workflows and plans state them: the limits, the changes
 * to make to them, and the calls that make those changes. The API's rule is that limits strictly
 * decrease as the interval narrows (lifetime > monthly > weekly > daily) among the budgets present.
 *
 * @since 0.2.0
 */
import * as internal from "./internal/budgets.js"
import type { BudgetInterval, WorkspaceBudget } from "./Model.js"

/**
 * Budget limits in USD by interval.
 *
 * @since 0.2.0
 * @category models
 */
export type Budgets = { readonly [I in BudgetInterval]?: number }

/**
 * Budget changes by interval: a number sets the limit, `null` deletes the budget, an omitted
 * interval is left as it is.
 *
 * @since 0.2.0
 * @category models
 */
export type BudgetChanges = { readonly [I in BudgetInterval]?: number | null }

/**
 * One budget call. `previous` is the limit before (`null`: there was no budget).
 *
 * @since 0.2.0
 * @category models
 */
export type BudgetStep =
  | {
      readonly _tag: "SetBudget"
      readonly interval: BudgetInterval
      readonly limitUsd: number
      readonly previous: number | null
      /** Sent with this call when the workspace-wide flag changes. */
      readonly includeByokInBudgets?: boolean
    }
  | { readonly _tag: "DeleteBudget"; readonly interval: BudgetInterval; readonly previous: number }

/**
 * The limits of a `listBudgets` answer by interval, as `Workflows.setBudgets` and manifests state them.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Budgets, Workspaces } from "effect-openrouter-workspaces"
 *
 * const program = Effect.gen(function* () {
 *   const workspaces = yield* Workspaces.Workspaces
 *   const budgets = Budgets.budgetsOf((yield* workspaces.listBudgets({ id: "research" })).data)
 *   // { monthly: 500, daily: 20 }
 *   return budgets
 * })
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const budgetsOf: (list: ReadonlyArray<WorkspaceBudget>) => Budgets = internal.budgetsOf
