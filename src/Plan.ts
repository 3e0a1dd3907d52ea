/**
 * Plans: the typed changes that bring an organization to a manifest's desired state (`make`),
 * running them with progress events (`apply`), and a rendering like a terraform plan.
 *
 * @since 0.1.0
 */
import type * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import * as applying from "./internal/apply.js"
import * as applyReport from "./internal/applyReport.js"
import * as internal from "./internal/plan.js"
import * as rendering from "./internal/planRendering.js"
import type { Manifest, ManifestEmailError, ManifestError } from "./Manifest.js"
import type { BudgetInterval, WorkspaceSettings } from "./Model.js"
import type { MemberFailure } from "./Workflows.js"
import type { BudgetRuleError, DefaultWorkspaceDeletionError } from "./WorkflowsError.js"
import type { Workspaces } from "./Workspaces.js"
import type * as Api from "./WorkspacesApi.js"
import type { ErrorForEndpoint, WorkspacesError } from "./WorkspacesError.js"
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
  /**
   * `confirmDefaultWorkspaceDeletion: true` only on the deletion of the default workspace, which
   * `make` plans only when the manifest and the caller both ask for it.
   */
  DeleteWorkspace: {
    readonly workspace: string
    readonly name: string
    readonly confirmDefaultWorkspaceDeletion?: boolean
  }
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
export const Change: Data.TaggedEnum.Constructor<Change> = internal.Change

/**
 * The changes, grouped by workspace in the manifest's order, deletions of unlisted workspaces last.
 *
 * @since 0.1.0
 * @category models
 */
export interface Plan {
  /** What `apply` sends. */
  readonly changes: ReadonlyArray<Change>
  /** Whether the plan removes what the manifest does not list. */
  readonly prune: boolean
  /**
   * Changes the manifest asks for that the API would refuse as things stand, with the reason:
   * never sent by `apply`, shown by `render`. `make` always sets it (a plan made by hand may omit
   * it); read it with `blocked(plan)`.
   */
  readonly blocked?: ReadonlyArray<BlockedChange>
}

/**
 * A change the API would refuse until its cause is fixed: the removal of a member who holds active
 * API keys in the workspace (a `RemoveMembers` of that one user), or the deletion of a workspace that
 * holds active API keys (a `DeleteWorkspace`). An API key's workspace cannot change after its
 * creation, so only disabling or deleting those keys unblocks it.
 *
 * @since 0.3.0
 * @category models
 */
export interface BlockedChange {
  readonly change: Change
  /** Why, e.g. `holds 2 active API keys in research: 'prod', 'ci' — disable or delete them first`. */
  readonly reason: string
  /** The active API keys in the way, by hash and name (never a secret). */
  readonly apiKeys: ReadonlyArray<{ readonly hash: string; readonly name: string }>
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
  /** How many changes are blocked (each blocked member counts as one), see `Plan.blocked`. */
  readonly blocked: number
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
   * the plan did not go through, see `apply`.
   */
  readonly reason: string
}

/**
 * A workspace whose steps `apply` did not send, because `ApplyOptions.beforeWorkspace` failed for it
 * with `error`.
 *
 * @since 0.3.0
 * @category models
 */
export interface WorkspaceRefusal<E> {
  readonly workspace: string
  readonly error: E
}

/**
 * What an apply did. `E` is the error of `ApplyOptions.beforeWorkspace` (`never` without it).
 *
 * @since 0.1.0
 * @category models
 */
export interface ApplyReport<E = never> {
  readonly total: number
  /** Steps that went through (member steps possibly with some users refused, see `rejected`). */
  readonly done: number
  readonly failed: ReadonlyArray<StepFailure>
  readonly skipped: ReadonlyArray<StepSkip>
  /**
   * Users the API refused to add or remove (active API keys, SCIM-managed, not in the organization),
   * and users kept where they are because their addition elsewhere did not go through (operation
   * `"remove"`, reason `kept: ...`, see `apply`).
   */
  readonly rejected: ReadonlyArray<MemberFailure & { readonly workspace: string }>
  /** The plan's blocked changes: none of them was sent. */
  readonly blocked: ReadonlyArray<BlockedChange>
  /**
   * The workspaces `ApplyOptions.beforeWorkspace` refused, in the order it did; their steps are in
   * `skipped`. Since 0.3.0.
   */
  readonly refused: ReadonlyArray<WorkspaceRefusal<E>>
}

/**
 * The progress of an apply: `Started` (with the plan's blocked changes, which are not sent), then
 * one `StepDone`, `StepFailed` or `StepSkipped` per step in the order they complete (`index` is the
 * step's place in the plan), then `Finished`. A workspace refused by `ApplyOptions.beforeWorkspace`
 * (since 0.3.0) has a `WorkspaceRefused` with the hook's error `E`, emitted with the step that ran
 * the check, and a `StepSkipped` per step; with `E = never` (no hook) there is no such event. The
 * events carry everything the report holds: `Finished`'s report is `reportOf` the events before it,
 * so a consumer of the stream can build it (or a report so far, with
 * `Stream.scan(emptyReport, foldReport)`) from the events alone.
 *
 * @since 0.1.0
 * @category models
 */
export type ApplyEvent<E = never> =
  | Data.TaggedEnum<{
      Started: { readonly total: number; readonly blocked: ReadonlyArray<BlockedChange> }
      StepDone: {
        readonly step: Change
        readonly index: number
        readonly total: number
        /**
         * The users the API refused to add or remove, and for a removal those kept where they are
         * (see `apply`); empty for a step without members.
         */
        readonly rejected: ReadonlyArray<MemberFailure>
      }
      StepFailed: {
        readonly step: Change
        readonly index: number
        readonly total: number
        readonly error: WorkspacesError
      }
      StepSkipped: {
        readonly step: Change
        readonly index: number
        readonly total: number
        readonly reason: string
        /**
         * The users a skipped removal kept where they are because their addition elsewhere did not
         * go through (operation `"remove"`, reason `kept: ...`, see `apply`): all its users when
         * that is why it was skipped, those of them when `ApplyOptions.beforeWorkspace` refused its
         * workspace; empty for any other skipped step. Since 0.3.0.
         */
        readonly rejected: ReadonlyArray<MemberFailure>
      }
      Finished: { readonly report: ApplyReport<E> }
    }>
  | ([E] extends [never] ? never : Data.TaggedEnum<{ WorkspaceRefused: WorkspaceRefusal<E> }>)

/**
 * `ApplyEvent` as a type lambda over its error, for `Data.taggedEnum`.
 *
 * @since 0.3.0
 * @category models
 */
export interface ApplyEventDefinition extends Data.TaggedEnum.WithGenerics<1> {
  readonly taggedEnum: ApplyEvent<this["A"]>
}

/**
 * The constructors and matchers of `ApplyEvent`, spelled out: the type `Data.taggedEnum` infers for
 * a generic enum expands, in declaration files, into one that does not type-check for consumers
 * who check libraries (`skipLibCheck: false`).
 *
 * @since 0.3.0
 * @category models
 */
export interface ApplyEventConstructors extends Data.TaggedEnum.GenericMatchers<ApplyEventDefinition> {
  readonly Started: (args: Data.TaggedEnum.Args<ApplyEvent, "Started">) => Data.TaggedEnum.Value<ApplyEvent, "Started">
  readonly StepDone: (
    args: Data.TaggedEnum.Args<ApplyEvent, "StepDone">
  ) => Data.TaggedEnum.Value<ApplyEvent, "StepDone">
  readonly StepFailed: (
    args: Data.TaggedEnum.Args<ApplyEvent, "StepFailed">
  ) => Data.TaggedEnum.Value<ApplyEvent, "StepFailed">
  readonly StepSkipped: (
    args: Data.TaggedEnum.Args<ApplyEvent, "StepSkipped">
  ) => Data.TaggedEnum.Value<ApplyEvent, "StepSkipped">
  readonly Finished: <E = never>(args: {
    readonly report: ApplyReport<E>
  }) => { readonly _tag: "Finished"; readonly report: ApplyReport<E> }
  readonly WorkspaceRefused: <E>(args: WorkspaceRefusal<E>) => {
    readonly _tag: "WorkspaceRefused"
    readonly workspace: string
    readonly error: E
  }
}

/**
 * Constructors and matchers of `ApplyEvent`. Since 0.3.0 they are generic over the error of
 * `WorkspaceRefused`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const ApplyEvent: ApplyEventConstructors = internal.ApplyEvent

/**
 * The report of no event: no step, nothing done, nothing refused. The start of `foldReport`, for
 * any error `E` of `beforeWorkspace`.
 *
 * @since 0.3.0
 * @category folding
 */
export const emptyReport: ApplyReport = applyReport.empty

/**
 * The report after one more event: `Started` sets `total` and `blocked`; `StepDone` counts as
 * done, `StepFailed` adds to `failed`, `StepSkipped` to `skipped`, and both `StepDone` and
 * `StepSkipped` add their `rejected` users, with the step's workspace; `WorkspaceRefused` adds to
 * `refused`; `Finished` changes nothing (its report is this fold of the events before it). A pure
 * function, for `Stream.runFold`, or `Stream.scan` for a report so far. The events of an apply with
 * `ApplyOptions.beforeWorkspace` carry its error `E`: name it, `Stream.runFold(emptyReport,
 * foldReport<E>)`, as `emptyReport` alone would make the fold's state an `ApplyReport<never>`.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Manifest, Plan } from "effect-openrouter-workspaces"
 *
 * const program = Effect.gen(function* () {
 *   const plan = yield* Plan.make(yield* Manifest.readFile("org.yaml"))
 *   const report = yield* Plan.apply(plan).pipe(
 *     Stream.tap((event) => Effect.log(event._tag)),
 *     Stream.runFold(Plan.emptyReport, Plan.foldReport)
 *   )
 *   return report.failed.length === 0
 * })
 * ```
 *
 * @since 0.3.0
 * @category folding
 */
export const foldReport: <E = never>(report: ApplyReport<E>, event: ApplyEvent<E>) => ApplyReport<E> = applyReport.fold

/**
 * The report of an apply's events, in the order they came: `foldReport` from `emptyReport`. For the
 * events of a whole apply it equals the report its `Finished` event carries.
 *
 * @example
 * ```ts
 * import { Plan } from "effect-openrouter-workspaces"
 *
 * const step = Plan.Change.RemoveMembers({ workspace: "alpha", userIds: ["user_1"] })
 * const kept = { userId: "user_1", operation: "remove", reason: "kept: their addition to beta did not go through" } as const
 * const report = Plan.reportOf([
 *   Plan.ApplyEvent.Started({ total: 1, blocked: [] }),
 *   Plan.ApplyEvent.StepSkipped({ step, index: 0, total: 1, reason: "kept all 1 users", rejected: [kept] })
 * ])
 * assert.deepStrictEqual(report.rejected, [{ ...kept, workspace: "alpha" }])
 * ```
 *
 * @since 0.3.0
 * @category folding
 */
export const reportOf: <E = never>(events: Iterable<ApplyEvent<E>>) => ApplyReport<E> = applyReport.reportOf

/**
 * Whether the plan has nothing to send. Blocked changes are not sent: a plan may be empty and
 * still have some (`blocked(plan)`), which is "converged; N changes blocked".
 *
 * @since 0.1.0
 * @category predicates
 */
export const isEmpty = (plan: Plan): boolean => plan.changes.length === 0

/**
 * The plan's blocked changes (none for a plan made by hand without them).
 *
 * @since 0.3.0
 * @category accessors
 */
export const blocked = (plan: Plan): ReadonlyArray<BlockedChange> => plan.blocked ?? []

/**
 * Whether the plan has nothing to send but some changes blocked: the organization is as close to
 * the manifest as the API allows until their causes are fixed.
 *
 * @since 0.3.0
 * @category predicates
 */
export const isConvergedWithBlocked = (plan: Plan): boolean => isEmpty(plan) && blocked(plan).length > 0

/**
 * The counts of the summary line.
 *
 * @since 0.1.0
 * @category accessors
 */
export const summary: (plan: Plan) => Summary = rendering.summary

/**
 * The plan as text, like a terraform plan: one block per workspace with `+` (create), `~` (change)
 * and `-` (destroy) lines, the blocked changes with their reasons, and a closing line such as
 * `Plan: 2 to add, 1 to change, 0 to destroy.` (with `; 1 change blocked` when some are). A plan
 * with nothing to send says `No changes. ...`, or `No changes to send: converged; 3 changes blocked.`
 * Member lists show the first `maxUserIds` ids (default 10).
 *
 * @since 0.1.0
 * @category rendering
 */
export const render: (plan: Plan, options?: { readonly maxUserIds?: number }) => string = rendering.render

/**
 * @since 0.2.0
 * @category models
 */
export interface PlanOptions {
  /** Also delete unlisted workspaces, remove unlisted members and delete unlisted budgets; default false. */
  readonly prune?: boolean
  /** Workspaces read at once; default 4. */
  readonly concurrency?: number
  /**
   * The name the manifest's errors give it (`ManifestError.file`, `ManifestEmailError.file`): the file
   * it was read from; default `(manifest)`. Since 0.3.0.
   */
  readonly file?: string
  /**
   * Allows a manifest with `deleteDefaultWorkspace: true` to plan the default workspace's deletion;
   * without it such a manifest fails with `DefaultWorkspaceDeletionError`. Default false.
   */
  readonly confirmDefaultWorkspaceDeletion?: boolean
}

/**
 * What planning can fail with: reading the organization (its workspaces, budgets, members, the
 * organization's members when the manifest names some by email, and the API keys of the workspaces
 * it would remove members from or delete), a budget order the merge would break, a manifest that is
 * invalid for this organization, emails that name nobody or more than one member, or an unconfirmed
 * deletion of the default workspace.
 *
 * @since 0.2.0
 * @category errors
 */
export type PlanError =
  | ErrorForEndpoint<
      | typeof Api.list
      | typeof Api.listBudgets
      | typeof Api.listMembers
      | typeof Api.listOrganizationMembers
      | typeof Api.listApiKeys
    >
  | BudgetRuleError
  | ManifestError
  | ManifestEmailError
  | DefaultWorkspaceDeletionError

/**
 * `E` and `R` are the error and the requirements of `beforeWorkspace` (`never` without it).
 *
 * @since 0.2.0
 * @category models
 */
export interface ApplyOptions<E = never, R = never> {
  /** Calls in flight at once; default 4. */
  readonly concurrency?: number
  /**
   * Runs once for each workspace `apply` sends a step for, right before the first of them is sent,
   * within that step's place among the `concurrency` calls in flight; the workspace's other steps
   * wait for it. A workspace none of whose steps is sent (skipped, or left with no user to remove)
   * is never checked. E.g. a check that the workspace is still as the plan saw it, read as late as
   * possible.
   *
   * A failure refuses the workspace: none of its steps is sent, a `WorkspaceRefused` event carries
   * the error, and every step of it is skipped (`StepSkipped`, in the report's `skipped`, the
   * error in its `refused`). Its additions count as not gone through, so what they would hold back
   * elsewhere is held back (see `apply`). The other workspaces go on. Since 0.3.0.
   */
  readonly beforeWorkspace?: (workspace: string) => Effect.Effect<void, E, R>
  /**
   * Sends a planned deletion of the default workspace (one `make` planned with the same
   * confirmation) as `delete({ id, confirmDefaultWorkspaceDeletion: true })`; without it that step
   * is skipped without a call. Default false.
   */
  readonly confirmDefaultWorkspaceDeletion?: boolean
}

/**
 * The changes that bring the organization to the manifest. Only what the manifest states is
 * managed: an omitted setting, `budgets` or `members` key is left alone. With `prune`, workspaces the
 * manifest does not list are deleted (never the default one, see `Workflows.DefaultWorkspace`),
 * members not listed are removed and intervals missing from a `budgets` mapping are deleted. A budget
 * set that would break the API's order once merged with the existing budgets fails with
 * `BudgetRuleError`.
 *
 * Members named by email are first turned into user ids (`Manifest.resolveEmails`, which reads the
 * organization's members once when the manifest holds an email): an email nobody or more than one
 * member has fails with `ManifestEmailError`, naming every such entry, before anything else is read.
 *
 * Changes the API would refuse are planned as blocked (`plan.blocked`), not as changes: for every
 * workspace it would remove members from or delete, `make` reads its active API keys (`GET /keys`,
 * `concurrency` workspaces at once, and only those workspaces); a member who created active keys
 * in the workspace is not removed, and a workspace holding active keys is not deleted, each with a
 * reason naming the keys. A removal batch splits into the members it can remove (a change) and the
 * blocked ones (one blocked change each). SCIM-managed members cannot be seen through the API: their
 * removal is planned, and the API's refusal is reported by `apply`.
 *
 * The default workspace is never deleted unless the manifest says `deleteDefaultWorkspace: true`
 * and `options.confirmDefaultWorkspaceDeletion` is true; the flag without the confirmation fails
 * with `DefaultWorkspaceDeletionError`, and the flag next to an entry for the default workspace
 * with `ManifestError`. That deletion is never blocked by the default workspace's keys: the API
 * disables them.
 *
 * The default workspace is never created, and its members are implicit: a manifest entry for it
 * with `members` fails with `ManifestError` (file `options.file`, by default `(manifest)` as
 * `Manifest.validate` names a manifest built in code; path `workspaces[<i>].members`) before any
 * change is planned.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Manifest, Plan } from "effect-openrouter-workspaces"
 *
 * const program = Effect.gen(function* () {
 *   const manifest = yield* Manifest.readFile("org.yaml")
 *   const plan = yield* Plan.make(manifest, { prune: true, file: "org.yaml" })
 *   console.log(Plan.render(plan))
 * })
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const make: (manifest: Manifest, options?: PlanOptions) => Effect.Effect<Plan, PlanError, Workspaces> =
  internal.make

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
 * The plan's blocked changes are never sent: `Started` and the report list them.
 *
 * A step that would delete the default workspace (see `Workflows.DefaultWorkspace`) or change its
 * members, which `make` never plans but a plan made by hand or under another `DefaultWorkspace` may
 * hold, is skipped (`StepSkipped`) without a call. The one exception is a deletion `make` planned
 * with `confirmDefaultWorkspaceDeletion` (see `make`): it is sent, with the API's confirmation,
 * only when `options.confirmDefaultWorkspaceDeletion` is true too.
 *
 * With `options.beforeWorkspace`, each workspace is checked right before the first of its steps is
 * sent, not all of them at the start: a workspace refused by the check has nothing sent for it,
 * and the others go on (see `ApplyOptions.beforeWorkspace`).
 *
 * Interrupting the stream (e.g. `Stream.take`) lets the HTTP attempts in flight finish, then stops:
 * no retry wait and no further call (see `Workspaces.uninterruptibleAttempts`). Planning again from
 * the organization's state and applying that finishes the job.
 *
 * @example
 * ```ts
 * import { Console, Effect, Stream } from "effect"
 * import { Manifest, Plan } from "effect-openrouter-workspaces"
 *
 * const program = Effect.gen(function* () {
 *   const plan = yield* Plan.make(yield* Manifest.readFile("org.yaml"))
 *   yield* Plan.apply(plan, { concurrency: 8 }).pipe(Stream.runForEach((event) => Console.log(event._tag)))
 * })
 * ```
 *
 * @since 0.2.0
 * @category running
 */
export const apply: <E = never, R = never>(
  plan: Plan,
  options?: ApplyOptions<E, R>
) => Stream.Stream<ApplyEvent<E>, never, Workspaces | R> = applying.apply
