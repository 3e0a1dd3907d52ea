/**
 * Workflows over the Workspaces service: idempotent building blocks (ensure a workspace, sync or move
 * members, set budgets in a valid order, clone a workspace) and desired state for a whole organization
 * (export a manifest, plan the changes it asks for, apply them).
 *
 * Each one sends the fewest calls the API allows: members are read in pages of 100 and changed in
 * bulk calls of 100, and nothing is sent for what already matches.
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type * as Endpoint from "./Endpoint.js"
import * as internalBudgets from "./internal/budgets.js"
import * as internalPlan from "./internal/plan.js"
import * as internal from "./internal/workflows.js"
import * as internalSpec from "./internal/workspaceSpec.js"
import type { Manifest, ManifestError } from "./Manifest.js"
import type { BudgetInterval, Workspace, WorkspaceBudget, WorkspaceSettings } from "./Model.js"
import type { ApplyEvent, Plan } from "./Plan.js"
import type { BudgetRuleError, DefaultWorkspaceError } from "./WorkflowsError.js"
import type { Workspaces } from "./Workspaces.js"
import type * as Api from "./WorkspacesApi.js"
import type { BadRequestResponseError, ForbiddenResponseError } from "./WorkspacesError.js"

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
 * provide it (`Effect.provideService` or `Layer.succeed`) and every workflow follows. `exportState`
 * leaves its members out, `syncMembers`, `moveMembers` and `cloneWorkspace` refuse its members with
 * `DefaultWorkspaceError`, `plan` never creates nor deletes it and refuses a manifest that lists its
 * members, and `apply` never deletes it nor changes its members.
 *
 * @example
 * ```ts
 * const manifest = yield* Workflows.exportState().pipe(
 *   Effect.provideService(Workflows.DefaultWorkspace, { slug: "main" })
 * )
 * // or for a whole program, next to the Workspaces layer:
 * const DefaultWorkspaceLive = Layer.succeed(Workflows.DefaultWorkspace, { slug: "main" })
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export const DefaultWorkspace: Context.Reference<DefaultWorkspace, DefaultWorkspace> = internalSpec.DefaultWorkspace

/**
 * A workspace as it should be: its slug (its identity), its name, and the settings to manage.
 * A setting the spec omits is left as it is.
 *
 * @since 0.1.0
 * @category models
 */
export interface WorkspaceSpec extends WorkspaceSettings {
  readonly slug: string
  readonly name: string
}

/**
 * A field a spec manages.
 *
 * @since 0.1.0
 * @category models
 */
export type WorkspaceField = "name" | keyof WorkspaceSettings

/**
 * One field to change, with its current and its desired value.
 *
 * @since 0.1.0
 * @category models
 */
export type FieldChange = {
  readonly [K in WorkspaceField]: {
    readonly field: K
    readonly from: Workspace[K]
    readonly to: Exclude<WorkspaceSpec[K], undefined>
  }
}[WorkspaceField]

/**
 * @since 0.1.0
 * @category models
 */
export interface EnsureWorkspaceReport {
  readonly outcome: "created" | "updated" | "unchanged"
  /** The workspace as it now is. */
  readonly workspace: Workspace
  /** The fields that were sent: those that differed, or every field the spec sets for a creation. */
  readonly changed: ReadonlyArray<WorkspaceField>
}

/**
 * @since 0.1.0
 * @category errors
 */
export type EnsureWorkspaceError = Endpoint.Error<typeof Api.get | typeof Api.create | typeof Api.update>

/**
 * A user the API refused to add or remove; reported, not fatal. In `Workflows.apply`, also a user
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
   * `Workflows.apply` kept, `kept: their addition to <workspace> did not go through`.
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
  Endpoint.Error<typeof Api.bulkAddMembers | typeof Api.bulkRemoveMembers>,
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
 * @since 0.1.0
 * @category errors
 */
export type SyncMembersError =
  | Endpoint.Error<typeof Api.get | typeof Api.listMembers>
  | MemberCallError
  | DefaultWorkspaceError

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
 * Budget limits in USD by interval.
 *
 * @since 0.1.0
 * @category models
 */
export type Budgets = { readonly [I in BudgetInterval]?: number }

/**
 * Budget changes by interval: a number sets the limit, `null` deletes the budget, an omitted
 * interval is left as it is.
 *
 * @since 0.1.0
 * @category models
 */
export type BudgetChanges = { readonly [I in BudgetInterval]?: number | null }

/**
 * One budget call. `previous` is the limit before (`null`: there was no budget).
 *
 * @since 0.1.0
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
 * @since 0.1.0
 * @category models
 */
export interface SetBudgetsOptions {
  readonly workspace: string
  readonly budgets: BudgetChanges
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
  readonly set: ReadonlyArray<Extract<BudgetStep, { readonly _tag: "SetBudget" }>>
  /** The DELETEs, in the order they were sent. */
  readonly deleted: ReadonlyArray<Extract<BudgetStep, { readonly _tag: "DeleteBudget" }>>
  /** Intervals of the request that already had the asked-for value. */
  readonly unchanged: ReadonlyArray<BudgetInterval>
  /** The budgets now. */
  readonly budgets: Budgets
  readonly includeByokInBudgets: boolean | undefined
}

/**
 * @since 0.1.0
 * @category errors
 */
export type SetBudgetsError =
  | Endpoint.Error<typeof Api.listBudgets | typeof Api.setBudget | typeof Api.deleteBudget>
  | BudgetRuleError

/**
 * @since 0.1.0
 * @category models
 */
export interface CloneWorkspaceOptions {
  /** The source workspace's UUID or slug. */
  readonly from: string
  /** The copy: its slug and name, and settings that override the source's. */
  readonly to: WorkspaceSpec
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
 * @since 0.1.0
 * @category errors
 */
export type CloneWorkspaceError = EnsureWorkspaceError | SyncMembersError | SetBudgetsError

/**
 * @since 0.1.0
 * @category models
 */
export interface ExportOptions {
  /** Workspaces read at once; default 4. */
  readonly concurrency?: number
}

/**
 * @since 0.1.0
 * @category errors
 */
export type ExportStateError = Endpoint.Error<typeof Api.list | typeof Api.listBudgets | typeof Api.listMembers>

/**
 * @since 0.1.0
 * @category models
 */
export interface PlanOptions {
  /** Also delete unlisted workspaces, remove unlisted members and delete unlisted budgets; default false. */
  readonly prune?: boolean
  /** Workspaces read at once; default 4. */
  readonly concurrency?: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ApplyOptions {
  /** Calls in flight at once; default 4. */
  readonly concurrency?: number
}

/**
 * @since 0.1.0
 * @category errors
 */
export type PlanError = ExportStateError | BudgetRuleError | ManifestError

/**
 * The limits of a `listBudgets` answer by interval, as `setBudgets` and manifests state them.
 *
 * @example
 * ```ts
 * const budgets = Workflows.budgetsOf((yield* workspaces.listBudgets({ id: "research" })).data)
 * // { monthly: 500, daily: 20 }
 * ```
 *
 * @since 0.1.0
 * @category accessors
 */
export const budgetsOf: (list: ReadonlyArray<WorkspaceBudget>) => Budgets = internalBudgets.budgetsOf

/**
 * Creates the workspace, or updates the fields that differ from the spec (a PATCH with only those
 * keys; nothing when none differ). Safe to run twice, and to race: a creation that loses to another
 * one (400, slug taken) reads the winner back and reconciles it.
 *
 * @example
 * ```ts
 * const report = yield* Workflows.ensureWorkspace({ slug: "research", name: "Research", defaultTextModel: "openai/gpt-4o" })
 * // report.outcome: "created" | "updated" | "unchanged"; report.changed: ["defaultTextModel"]
 * ```
 *
 * @since 0.1.0
 * @category workflows
 */
export const ensureWorkspace: (
  spec: WorkspaceSpec
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
 * const report = yield* Workflows.syncMembers({ workspace: "research", userIds: ["user_1", "user_2"] })
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
 * const report = yield* Workflows.moveMembers({ from: "staging", to: "research" })
 * // report.moved, report.failed: [{ userId, operation, reason }]
 * ```
 *
 * @since 0.1.0
 * @category workflows
 */
export const moveMembers: (
  options: MoveMembersOptions
) => Effect.Effect<MoveMembersReport, SyncMembersError, Workspaces> = internal.moveMembers

/**
 * Sets (a number), deletes (`null`) or leaves (omitted) each interval's budget. The resulting budgets
 * must keep lifetime > monthly > weekly > daily, else `BudgetRuleError` before any change is sent
 * (before any call at all when the given limits already break it). The calls are ordered so that
 * every intermediate state keeps the rule too, and nothing is sent for a budget already equal.
 *
 * @example
 * ```ts
 * yield* Workflows.setBudgets({ workspace: "research", budgets: { monthly: 500, daily: null } })
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
 * yield* Workflows.cloneWorkspace({ from: "production", to: { slug: "staging", name: "Staging" } })
 * ```
 *
 * @since 0.1.0
 * @category workflows
 */
export const cloneWorkspace: (
  options: CloneWorkspaceOptions
) => Effect.Effect<CloneWorkspaceReport, CloneWorkspaceError, Workspaces> = internal.cloneWorkspace

/**
 * The organization as a manifest: every workspace with its settings, budgets, `includeByokInBudgets`
 * and explicit members (the default workspace, see `DefaultWorkspace`, without members: they are
 * implicit).
 *
 * @example
 * ```ts
 * const manifest = yield* Workflows.exportState()
 * yield* fs.writeFileString("org.yaml", yield* Manifest.stringify(manifest))
 * ```
 *
 * @since 0.1.0
 * @category desired state
 */
export const exportState: (options?: ExportOptions) => Effect.Effect<Manifest, ExportStateError, Workspaces> =
  internal.exportState

/**
 * The changes that bring the organization to the manifest. Only what the manifest states is
 * managed: an omitted setting, `budgets` or `members` key is left alone. With `prune`, workspaces the
 * manifest does not list are deleted (never the default one, see `DefaultWorkspace`), members not
 * listed are removed and intervals missing from a `budgets` mapping are deleted. A budget set that
 * would break the API's order once merged with the existing budgets fails with `BudgetRuleError`.
 *
 * The default workspace is never created, and its members are implicit: a manifest entry for it
 * with `members` fails with `ManifestError` (file `(manifest)`, as `Manifest.validate` names a
 * manifest built in code; path `workspaces[<i>].members`) before any change is planned.
 *
 * @example
 * ```ts
 * const manifest = yield* Manifest.readFile("org.yaml")
 * const plan = yield* Workflows.plan(manifest, { prune: true })
 * console.log(Plan.render(plan))
 * ```
 *
 * @since 0.1.0
 * @category desired state
 */
export const plan: (manifest: Manifest, options?: PlanOptions) => Effect.Effect<Plan, PlanError, Workspaces> =
  internalPlan.plan

/**
 * Runs a plan and streams its progress. A workspace's creation or update runs before its budgets and
 * members; its budget changes run one at a time in the plan's order; member batches and other
 * workspaces run concurrently, with at most `concurrency` calls in flight. Member removals and
 * workspace deletions wait until every addition of the plan has settled, so a user the manifest
 * moves from one workspace to another is never in neither. A failed step is reported
 * (`StepFailed`) and the steps that depend on it are skipped; the stream ends with `Finished`.
 *
 * An addition that did not go through (its step failed or was skipped, or the API refused some of
 * its users) holds back what takes members away, since the users might be moving:
 *
 * - those users are removed nowhere: each is left out of its `RemoveMembers` step and reported in
 *   the step's and the report's `rejected`, with operation `"remove"` and reason
 *   `kept: their addition to <workspace> did not go through`. A removal left with nobody is
 *   skipped (`StepSkipped`), its users still listed in the report's `rejected`;
 * - no workspace is deleted: each `DeleteWorkspace` is skipped (`StepSkipped`, naming the additions
 *   in question), as its members might be among those users.
 *
 * Users only removed (added nowhere by the plan) are removed as usual. Planning and applying again
 * once the cause is fixed finishes the job.
 *
 * A step that would delete the default workspace (see `DefaultWorkspace`) or change its members,
 * which `plan` never makes but a plan made by hand or under another `DefaultWorkspace` may hold, is
 * skipped (`StepSkipped`) without a call.
 *
 * Interrupting the stream (e.g. `Stream.take`) lets the HTTP attempts in flight finish, then stops:
 * no retry wait and no further call (see `Workspaces.uninterruptibleAttempts`). Planning again from
 * the organization's state and applying that finishes the job.
 *
 * @example
 * ```ts
 * yield* Workflows.apply(plan, { concurrency: 8 }).pipe(
 *   Stream.runForEach((event) => Console.log(event._tag))
 * )
 * ```
 *
 * @since 0.1.0
 * @category desired state
 */
export const apply: (plan: Plan, options?: ApplyOptions) => Stream.Stream<ApplyEvent, never, Workspaces> =
  internalPlan.apply
