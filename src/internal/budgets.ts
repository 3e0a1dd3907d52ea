import { budgetIntervalOf, budgetIntervals } from "../Model.js"
import type { BudgetInterval, WorkspaceBudget } from "../Model.js"
import type { BudgetChanges, Budgets, BudgetStep } from "../Budgets.js"

/** The budgets of a `listBudgets` answer, by interval. */
export const budgetsOf = (list: ReadonlyArray<WorkspaceBudget>): Budgets =>
  Object.fromEntries(list.map((budget) => [budgetIntervalOf(budget), budget.limitUsd]))

/**
 * The first interval whose limit is not below the next wider present one, as a sentence; the
 * API's rule is lifetime > monthly > weekly > daily among the budgets present.
 */
export const orderViolation = (
  budgets: Budgets
): { readonly interval: BudgetInterval; readonly rule: string } | undefined => {
  let wider: { readonly interval: BudgetInterval; readonly limitUsd: number } | undefined
  for (const interval of budgetIntervals) {
    const limitUsd = budgets[interval]
    if (limitUsd === undefined) continue
    if (wider !== undefined && limitUsd >= wider.limitUsd) {
      return {
        interval,
        rule:
          `${interval} (${limitUsd}) must be less than ${wider.interval} (${wider.limitUsd}): ` +
          `limits strictly decrease as the interval narrows (${budgetIntervals.join(" > ")})`
      }
    }
    wider = { interval, limitUsd }
  }
  return undefined
}

/** The budgets after the changes: a number sets, `null` deletes, an absent interval stays. */
export const applyChanges = (current: Budgets, changes: BudgetChanges): Budgets =>
  Object.fromEntries(
    budgetIntervals.flatMap((interval) => {
      const change = changes[interval]
      const limitUsd = change === undefined ? current[interval] : change
      return limitUsd === null || limitUsd === undefined ? [] : [[interval, limitUsd]]
    })
  )

/**
 * The calls that turn `current` into `target`, ordered so that every intermediate state keeps the
 * strict order when both ends do: deletions, then lowered limits from the narrowest interval to the
 * widest, then raised or new limits from the widest to the narrowest.
 *
 * Why each call is safe (write s for the state before it, t for the target):
 * - deleting from a strictly decreasing chain leaves one;
 * - lowering interval i: every wider present j has s_j > s_i > t_i; every narrower present j was
 *   either already lowered or is not lowered at all, so s_j <= t_j < t_i;
 * - raising (or adding) interval i: every narrower present j is at its target or below it
 *   (lowerings are done, narrower raises come later), so s_j <= t_j < t_i; every wider present j is
 *   already at its target (wider raises came first, lowerings are done), so s_j = t_j > t_i.
 * Each interval is touched at most once, so there are at most four calls.
 *
 * `includeByokInBudgets` is workspace-wide and travels with a PUT: the first set call carries it,
 * or else a PUT of an unchanged budget does. With no budget left it cannot be sent: `byokWithoutBudget`.
 */
export const budgetSteps = (
  current: Budgets,
  target: Budgets,
  includeByok: { readonly current: boolean | undefined; readonly target: boolean | undefined } = {
    current: undefined,
    target: undefined
  }
): { readonly steps: ReadonlyArray<BudgetStep>; readonly byokWithoutBudget: boolean } => {
  const narrowestFirst = [...budgetIntervals].reverse()
  const steps: Array<BudgetStep> = [
    ...budgetIntervals.flatMap((interval): Array<BudgetStep> => {
      const previous = current[interval]
      return previous !== undefined && target[interval] === undefined
        ? [{ _tag: "DeleteBudget", interval, previous }]
        : []
    }),
    ...narrowestFirst.flatMap((interval): Array<BudgetStep> => {
      const previous = current[interval]
      const limitUsd = target[interval]
      return previous !== undefined && limitUsd !== undefined && limitUsd < previous
        ? [{ _tag: "SetBudget", interval, limitUsd, previous }]
        : []
    }),
    ...budgetIntervals.flatMap((interval): Array<BudgetStep> => {
      const previous = current[interval]
      const limitUsd = target[interval]
      return limitUsd !== undefined && (previous === undefined || limitUsd > previous)
        ? [{ _tag: "SetBudget", interval, limitUsd, previous: previous ?? null }]
        : []
    })
  ]
  const byok = includeByok.target
  if (byok === undefined || byok === (includeByok.current ?? false)) return { steps, byokWithoutBudget: false }
  const first = steps.findIndex((step) => step._tag === "SetBudget")
  if (first >= 0) {
    return {
      steps: steps.map((step, i) => (i === first ? { ...step, includeByokInBudgets: byok } : step)),
      byokWithoutBudget: false
    }
  }
  const carrier = budgetIntervals.find((interval) => target[interval] !== undefined)
  if (carrier === undefined) return { steps, byokWithoutBudget: true }
  const limitUsd = target[carrier]!
  return {
    steps: [
      ...steps,
      { _tag: "SetBudget", interval: carrier, limitUsd, previous: limitUsd, includeByokInBudgets: byok }
    ],
    byokWithoutBudget: false
  }
}
