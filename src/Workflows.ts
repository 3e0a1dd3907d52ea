/**
 * Workflows over the Workspaces service: idempotent building blocks (ensure a workspace, sync or move
 * members, set budgets in a valid order, clone a workspace). Desired state for a whole organization
 * is a layer above: `Manifest.exportState`, `Plan.make` and `Plan.apply`.
 *
 * Each one sends the fewest calls the API allows: members are read in pages of 100 and changed in
 * bulk calls of 100, and nothing is sent for what already matches.
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as BudgetsModule from "./Budgets.js"
import * as internalDefault from "./internal/defaultWorkspace.js"
import * as internal from "./internal/workflows.js"
import type { BudgetInterval, Workspace } from "./Model.js"
import type { BudgetRuleError, DefaultWorkspaceError, WorkflowFailedError } from "./WorkflowsError.js"
import type { Workspaces } from "./Workspaces.js"
import type * as Api from "./WorkspacesApi.js"
import type { BadRequestResponseError, ErrorForEndpoint, ForbiddenResponseError } from "./WorkspacesError.js"
import type * as WorkspaceSpecModule from "./WorkspaceSpec.js"

/**
 * The organization's default workspace: every organization member belongs to it implicitly, it
 * always exists and it cannot be deleted.
 *
 * @since 0.1.0
 * @category models
 */
export interface DefaultWorkspace {
  /** Its slug: a workspace named by this slug, or listed with it, is the default one. */
  readonly slug: string
  /**
   * Its UUID, optional: a workspace named or listed with it is the default one too, and a workflow
   * given a UUID tells whether it is the default without reading the workspace.
   */
  readonly id?: string
}

/**
 * Which workspace the workflows treat as the default one: `{ slug: "default" }` unless provided,
 * the emulator's convention. A real organization's default workspace may have another slug:
 * provide it (`Effect.provideService` or `Layer.succeed`) and every workflow follows:
 * `syncMembers`, `moveMembers` and `cloneWorkspace` refuse its members with `DefaultWorkspaceError`,
 * `Manifest.exportState` leaves its members out, `Plan.make` never creates it, deletes it only when
 * the manifest and the caller both ask (`deleteDefaultWorkspace`, `confirmDefaultWorkspaceDeletion`)
 * and refuses a manifest that lists its members, and `Plan.apply` never changes its members nor
 * deletes it but for such a confirmed deletion.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Manifest, Workflows } from "effect-openrouter-workspaces"
 *
 * // for one workflow:
 * const exportMain = Manifest.exportState().pipe(Effect.provideService(Workflows.DefaultWorkspace, { slug: "main" }))
 * // or for a whole program, next to the Workspaces layer:
 * const DefaultWorkspaceLive = Layer.succeed(Workflows.DefaultWorkspace, { slug: "main" })
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export const DefaultWorkspace: Context.Reference<DefaultWorkspace, DefaultWorkspace> = internalDefault.DefaultWorkspace

/**
 * A workspace as it should be.
 *
 * @deprecated Moved to `WorkspaceSpec.WorkspaceSpec`; this alias goes in the next minor version.
 * @since 0.1.0
 * @category models
 */
export type WorkspaceSpec = WorkspaceSpecModule.WorkspaceSpec

/**
 * A field a spec manages.
 *
 * @deprecated Moved to `WorkspaceSpec.WorkspaceField`; this alias goes in the next minor version.
 * @since 0.1.0
 * @category models
 */
export type WorkspaceField = WorkspaceSpecModule.WorkspaceField

/**
 * One field to change, with its current and its desired value.
 *
 * @deprecated Moved to `WorkspaceSpec.FieldChange`; this alias goes in the next minor version.
 * @since 0.1.0
 * @category models
 */
export type FieldChange = WorkspaceSpecModule.FieldChange

/**
 * @since 0.1.0
 * @category models
 */
export interface EnsureWorkspaceReport {
  readonly outcome: "created" | "updated" | "unchanged"
  /** The workspace as it now is. */
  readonly workspace: Workspace
  /** The fields that were sent: those that differed, or every field the spec sets for a creation. */
  readonly changed: ReadonlyArray<WorkspaceSpecModule.WorkspaceField>
}

/**
 * @since 0.1.0
 * @category errors
 */
export type EnsureWorkspaceError = ErrorForEndpoint<typeof Api.get | typeof Api.create | typeof Api.update>

/**
 * A user the API refused to add or remove; reported, not fatal. In `Plan.apply`, also a user
 * kept in a workspace because their addition elsewhere did not go through (see there).
 *
 * @since 0.1.0
 * @category models
 */
export interface MemberFailure {
  readonly userId: string
  readonly operation: "add" | "remove"
  /**
   * The API's message, e.g. that the member has active API keys or is SCIM-managed; for a user
   * `Plan.apply` kept, `kept: their addition to <workspace> did not go through`.
   */
  readonly reason: string
}

/**
 * The errors of a bulk member call that stop a workflow: a refusal (400, 403) is narrowed down to
 * the users it concerns and reported instead. It is narrowed by `metadata.user_ids` when the API
 * names them; a refusal that names nobody but gives a reason for the whole call (`metadata.reason`)
 * is reported for every user of the batch without another call; one that does neither is narrowed by
 * halving the batch, until both halves are refused alike, which is taken to concern them all.
 *
 * @since 0.1.0
 * @category errors
 */
export type MemberCallError = Exclude<
  ErrorForEndpoint<typeof Api.bulkAddMembers | typeof Api.bulkRemoveMembers>,
  BadRequestResponseError | ForbiddenResponseError
>

/**
 * @since 0.1.0
 * @category models
 */
export interface SyncMembersOptions {
  /** The workspace's UUID or slug; not the default workspace (see `DefaultWorkspace`). */
  readonly workspace: string
  /** The explicit members it should have. */
  readonly userIds: ReadonlyArray<string>
  /** Remove members not in `userIds`; default true. With `false`, only add. */
  readonly prune?: boolean
  /** Calls in flight at once, the pages read and the bulk calls alike; default 4. */
  readonly concurrency?: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface SyncMembersReport {
  readonly workspace: string
  readonly added: ReadonlyArray<string>
  readonly removed: ReadonlyArray<string>
  /** How many of `userIds` were already members. */
  readonly unchanged: number
  readonly failed: ReadonlyArray<MemberFailure>
}

/**
 * What `syncMembers` fails with: bad options (`InvalidRequestError`, before any call), a failed read,
 * the default workspace, or a failed bulk call; once some of its changes went through, a failure is
 * a `WorkflowFailedError` whose `report` says which users were already added and removed.
 *
 * @since 0.1.0
 * @category errors
 */
export type SyncMembersError =
  | ErrorForEndpoint<typeof Api.get | typeof Api.listMembers>
  | MemberCallError
  | DefaultWorkspaceError
  | WorkflowFailedError<SyncMembersReport, MemberCallError>

/**
 * @since 0.1.0
 * @category models
 */
export interface MoveMembersOptions {
  readonly from: string
  readonly to: string
  /** The users to move; default every explicit member of `from`. */
  readonly userIds?: ReadonlyArray<string>
  /** Calls in flight at once, the pages of `from` read and the batches alike; default 4. */
  readonly concurrency?: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface MoveMembersReport {
  readonly from: string
  readonly to: string
  /** Now members of `to` and no longer of `from`. */
  readonly moved: ReadonlyArray<string>
  /** A failed add leaves the user in `from` only; a failed remove leaves them in both. */
  readonly failed: ReadonlyArray<MemberFailure>
  /** Listed users that are not members of `from`: nothing was sent for them. */
  readonly notMembers: ReadonlyArray<string>
}

/**
 * What `moveMembers` fails with: as `syncMembers`, and once some users were moved (or added to `to`
 * and not yet removed from `from`), a `WorkflowFailedError` whose `report` says who.
 *
 * @since 0.3.0
 * @category errors
 */
export type MoveMembersError =
  | ErrorForEndpoint<typeof Api.get | typeof Api.listMembers>
  | MemberCallError
  | DefaultWorkspaceError
  | WorkflowFailedError<MoveMembersReport, MemberCallError>

/**
 * Budget limits in USD by interval.
 *
 * @deprecated Moved to `Budgets.Budgets`; this alias goes in the next minor version.
 * @since 0.1.0
 * @category models
 */
export type Budgets = BudgetsModule.Budgets

/**
 * Budget changes by interval.
 *
 * @deprecated Moved to `Budgets.BudgetChanges`; this alias goes in the next minor version.
 * @since 0.1.0
 * @category models
 */
export type BudgetChanges = BudgetsModule.BudgetChanges

/**
 * One budget call.
 *
 * @deprecated Moved to `Budgets.BudgetStep`; this alias goes in the next minor version.
 * @since 0.1.0
 * @category models
 */
export type BudgetStep = BudgetsModule.BudgetStep

/**
 * @since 0.1.0
 * @category models
 */
export interface SetBudgetsOptions {
  readonly workspace: string
  readonly budgets: BudgetsModule.BudgetChanges
  /** The workspace-wide flag; it travels with a budget PUT, so the workspace needs a budget. */
  readonly includeByokInBudgets?: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface SetBudgetsReport {
  readonly workspace: string
  /** The PUTs, in the order they were sent (a PUT of an unchanged limit carries `includeByokInBudgets`). */
  readonly set: ReadonlyArray<Extract<BudgetsModule.BudgetStep, { readonly _tag: "SetBudget" }>>
  /** The DELETEs, in the order they were sent. */
  readonly deleted: ReadonlyArray<Extract<BudgetsModule.BudgetStep, { readonly _tag: "DeleteBudget" }>>
  /** Intervals of the request that already had the asked-for value. */
  readonly unchanged: ReadonlyArray<BudgetInterval>
  /** The budgets now. */
  readonly budgets: BudgetsModule.Budgets
  readonly includeByokInBudgets: boolean | undefined
}

/**
 * What `setBudgets` fails with: bad options (`InvalidRequestError`, before any call), budgets that
 * break the order (`BudgetRuleError`, before any change), a failed call; once some of its calls went
 * through, a `WorkflowFailedError` whose `report` says which budgets were already set and deleted.
 *
 * @since 0.1.0
 * @category errors
 */
export type SetBudgetsError =
  | ErrorForEndpoint<typeof Api.listBudgets | typeof Api.setBudget | typeof Api.deleteBudget>
  | BudgetRuleError
  | WorkflowFailedError<SetBudgetsReport, ErrorForEndpoint<typeof Api.setBudget | typeof Api.deleteBudget>>

/**
 * @since 0.1.0
 * @category models
 */
export interface CloneWorkspaceOptions {
  /** The source workspace's UUID or slug. */
  readonly from: string
  /** The copy: its slug and name, and settings that override the source's. */
  readonly to: WorkspaceSpecModule.WorkspaceSpec
  /** Make the copy's explicit members equal the source's; default true. */
  readonly members?: boolean
  /** Make the copy's budgets and `includeByokInBudgets` equal the source's; default true. */
  readonly budgets?: boolean
  /** Calls in flight at once, the pages of the source's members read and the bulk calls alike; default 4. */
  readonly concurrency?: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface CloneWorkspaceReport {
  readonly workspace: EnsureWorkspaceReport
  readonly members: SyncMembersReport | undefined
  readonly budgets: SetBudgetsReport | undefined
}

/**
 * The errors of the steps of `cloneWorkspace`, each of which stops it.
 *
 * @since 0.3.0
 * @category errors
 */
export type CloneWorkspaceStepError =
  | EnsureWorkspaceError
  | Exclude<SyncMembersError | SetBudgetsError, WorkflowFailedError<any, any>>

/**
 * What `cloneWorkspace` fails with: a step's error, and once changes went through (the copy created
 * or updated, members or budgets changed), a `WorkflowFailedError` whose `report` is the clone's so
 * far (`members` or `budgets` undefined: not reached) and whose `cause` is the step's error.
 *
 * @since 0.1.0
 * @category errors
 */
export type CloneWorkspaceError =
  | CloneWorkspaceStepError
  | WorkflowFailedError<CloneWorkspaceReport, CloneWorkspaceStepError>

/**
 * The limits of a `listBudgets` answer by interval.
 *
 * @deprecated Moved to `Budgets.budgetsOf`; this alias goes in the next minor version.
 * @since 0.1.0
 * @category accessors
 */
export const budgetsOf: typeof BudgetsModule.budgetsOf = BudgetsModule.budgetsOf

/**
 * Creates the workspace, or updates the fields that differ from the spec (a PATCH with only those
 * keys; nothing when none differ). Safe to run twice, and to race: a creation that loses to another
 * one (400, slug taken) reads the winner back and reconciles it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Workflows } from "effect-openrouter-workspaces"
 *
 * const program = Effect.gen(function* () {
 *   const report = yield* Workflows.ensureWorkspace({
 *     slug: "research",
 *     name: "Research",
 *     defaultTextModel: "openai/gpt-4o"
 *   })
 *   // report.outcome: "created" | "updated" | "unchanged"; report.changed: ["defaultTextModel"]
 *   return report
 * })
 * ```
 *
 * @since 0.1.0
 * @category workflows
 */
export const ensureWorkspace: (
  spec: WorkspaceSpecModule.WorkspaceSpec
) => Effect.Effect<EnsureWorkspaceReport, EnsureWorkspaceError, Workspaces> = internal.ensureWorkspace

/**
 * Makes a workspace's explicit members equal `userIds` (with `prune: false`, only adds). Reads the
 * members in pages of 100, then sends ceil(n / 100) bulk calls per direction; `concurrency` bounds
 * the pages in flight as it bounds the bulk calls. Users the API refuses (active API keys, SCIM-managed) are reported in `failed` while
 * the rest of their batch still goes through. The default workspace (see `DefaultWorkspace`) fails
 * with `DefaultWorkspaceError` before any bulk call (named by a UUID, it costs one `get` to tell,
 * unless `DefaultWorkspace` gives its UUID).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Workflows } from "effect-openrouter-workspaces"
 *
 * const program = Effect.gen(function* () {
 *   const report = yield* Workflows.syncMembers({ workspace: "research", userIds: ["user_1", "user_2"] })
 *   return report
 * })
 * ```
 *
 * @since 0.1.0
 * @category workflows
 */
export const syncMembers: (
  options: SyncMembersOptions
) => Effect.Effect<SyncMembersReport, SyncMembersError, Workspaces> = internal.syncMembers

/**
 * Moves members from one workspace to another: each batch is added to `to` before it is removed
 * from `from`, and only the users whose add went through are removed, so no user is ever in
 * neither workspace. Either being the default workspace fails with `DefaultWorkspaceError`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Workflows } from "effect-openrouter-workspaces"
 *
 * const program = Effect.gen(function* () {
 *   const report = yield* Workflows.moveMembers({ from: "staging", to: "research" })
 *   // report.moved, report.failed: [{ userId, operation, reason }]
 *   return report
 * })
 * ```
 *
 * @since 0.1.0
 * @category workflows
 */
export const moveMembers: (
  options: MoveMembersOptions
) => Effect.Effect<MoveMembersReport, MoveMembersError, Workspaces> = internal.moveMembers

/**
 * Sets (a number), deletes (`null`) or leaves (omitted) each interval's budget. The resulting budgets
 * must keep lifetime > monthly > weekly > daily, else `BudgetRuleError` before any change is sent
 * (before any call at all when the given limits already break it). The calls are ordered so that
 * every intermediate state keeps the rule too, and nothing is sent for a budget already equal.
 *
 * @example
 * ```ts
 * import { Workflows } from "effect-openrouter-workspaces"
 *
 * const program = Workflows.setBudgets({ workspace: "research", budgets: { monthly: 500, daily: null } })
 * ```
 *
 * @since 0.1.0
 * @category workflows
 */
export const setBudgets: (options: SetBudgetsOptions) => Effect.Effect<SetBudgetsReport, SetBudgetsError, Workspaces> =
  internal.setBudgets

/**
 * Copies a workspace: `ensureWorkspace` with the source's settings overridden by `to`, then (by
 * default) `syncMembers` and `setBudgets` to the source's members and budgets. The default
 * workspace's (see `DefaultWorkspace`) members are implicit, so cloning them, from or to it, fails
 * with `DefaultWorkspaceError`: pass `members: false`.
 *
 * @example
 * ```ts
 * import { Workflows } from "effect-openrouter-workspaces"
 *
 * const program = Workflows.cloneWorkspace({ from: "production", to: { slug: "staging", name: "Staging" } })
 * ```
 *
 * @since 0.1.0
 * @category workflows
 */
export const cloneWorkspace: (
  options: CloneWorkspaceOptions
) => Effect.Effect<CloneWorkspaceReport, CloneWorkspaceError, Workspaces> = internal.cloneWorkspace
