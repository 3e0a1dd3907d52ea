/**
 * Plans: the typed changes that bring an organization to a manifest's desired state
 * (`Workflows.plan`), the progress events of applying them (`Workflows.apply`), and a rendering
 * like a terraform plan.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as internal from "./internal/planRendering.js"
import type { BudgetInterval, WorkspaceSettings } from "./Model.js"
import type { MemberFailure } from "./Workflows.js"
import type { WorkspacesError } from "./WorkspacesError.js"
import type { FieldChange } from "./WorkspaceSpec.js"

/**
 * One change. Workspaces are named by slug; member changes hold at most 100 user ids (one bulk
 * call each); a workspace's budget changes come in an order in which every intermediate state keeps
 * the API's rule (lifetime > monthly > weekly > daily).
 *
 * @since 0.1.0
 * @category models
 */
export type Change = Data.TaggedEnum<{
  CreateWorkspace: { readonly workspace: string; readonly name: string; readonly settings: WorkspaceSettings }
  UpdateWorkspace: { readonly workspace: string; readonly changes: ReadonlyArray<FieldChange> }
  DeleteWorkspace: { readonly workspace: string; readonly name: string }
  AddMembers: { readonly workspace: string; readonly userIds: ReadonlyArray<string> }
  RemoveMembers: { readonly workspace: string; readonly userIds: ReadonlyArray<string> }
  /** `previous: null` creates the budget; `includeByokInBudgets` rides along when it changes. */
  SetBudget: {
    readonly workspace: string
    readonly interval: BudgetInterval
    readonly limitUsd: number
    readonly previous: number | null
    readonly includeByokInBudgets?: boolean
  }
  DeleteBudget: { readonly workspace: string; readonly interval: BudgetInterval; readonly previous: number }
}>

/**
 * Constructors and matchers of `Change`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const Change = Data.taggedEnum<Change>()

/**
 * The changes, grouped by workspace in the manifest's order, deletions of unlisted workspaces last.
 *
 * @since 0.1.0
 * @category models
 */
export interface Plan {
  readonly changes: ReadonlyArray<Change>
  /** Whether the plan removes what the manifest does not list. */
  readonly prune: boolean
}

/**
 * The counts of the summary line, each member and each budget counting as one resource.
 *
 * @since 0.1.0
 * @category models
 */
export interface Summary {
  readonly add: number
  readonly change: number
  readonly destroy: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface StepFailure {
  readonly step: Change
  readonly index: number
  readonly error: WorkspacesError
}

/**
 * @since 0.1.0
 * @category models
 */
export interface StepSkip {
  readonly step: Change
  readonly index: number
  /**
   * Why it was not sent: the step it depends on failed, or (a removal or deletion) an addition of
   * the plan did not go through, see `Workflows.apply`.
   */
  readonly reason: string
}

/**
 * What an apply did.
 *
 * @since 0.1.0
 * @category models
 */
export interface ApplyReport {
  readonly total: number
  /** Steps that went through (member steps possibly with some users refused, see `rejected`). */
  readonly done: number
  readonly failed: ReadonlyArray<StepFailure>
  readonly skipped: ReadonlyArray<StepSkip>
  /**
   * Users the API refused to add or remove (active API keys, SCIM-managed, not in the organization),
   * and users kept where they are because their addition elsewhere did not go through (operation
   * `"remove"`, reason `kept: ...`, see `Workflows.apply`).
   */
  readonly rejected: ReadonlyArray<MemberFailure & { readonly workspace: string }>
}

/**
 * The progress of an apply: `Started`, then one `StepDone`, `StepFailed` or `StepSkipped` per step
 * in the order they complete (`index` is the step's place in the plan), then `Finished`.
 *
 * @since 0.1.0
 * @category models
 */
export type ApplyEvent = Data.TaggedEnum<{
  Started: { readonly total: number }
  StepDone: {
    readonly step: Change
    readonly index: number
    readonly total: number
    readonly rejected: ReadonlyArray<MemberFailure>
  }
  StepFailed: { readonly step: Change; readonly index: number; readonly total: number; readonly error: WorkspacesError }
  StepSkipped: { readonly step: Change; readonly index: number; readonly total: number; readonly reason: string }
  Finished: { readonly report: ApplyReport }
}>

/**
 * Constructors and matchers of `ApplyEvent`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const ApplyEvent = Data.taggedEnum<ApplyEvent>()

/**
 * Whether the plan changes nothing.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isEmpty = (plan: Plan): boolean => plan.changes.length === 0

/**
 * The counts of the summary line.
 *
 * @since 0.1.0
 * @category accessors
 */
export const summary: (plan: Plan) => Summary = internal.summary

/**
 * The plan as text, like a terraform plan: one block per workspace with `+` (create), `~` (change)
 * and `-` (destroy) lines, and a closing line such as `Plan: 2 to add, 1 to change, 0 to destroy.`
 * Member lists show the first `maxUserIds` ids (default 10).
 *
 * @since 0.1.0
 * @category rendering
 */
export const render: (plan: Plan, options?: { readonly maxUserIds?: number }) => string = internal.render
