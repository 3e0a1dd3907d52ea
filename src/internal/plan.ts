import * as Arr from "effect/Array"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as Take from "effect/Take"
import type { BudgetStep } from "../Budgets.js"
import * as Manifest from "../Manifest.js"
import type { Workspace, WorkspaceBudget } from "../Model.js"
import type * as Plan from "../Plan.js"
import type * as Workflows from "../Workflows.js"
import { Workspaces } from "../Workspaces.js"
import * as WorkspacesService from "../Workspaces.js"
import type { WorkspacesError } from "../WorkspacesError.js"
import { applyChanges, budgetSteps, budgetsOf } from "./budgets.js"
import { DefaultWorkspace, isDefault, namesDefault } from "./defaultWorkspace.js"
import { batches, memberIds, settleBatch } from "./members.js"
import { checkOrder, createOrReconcile, runBudgetSteps } from "./workflows.js"
import { diff, patchOf, specSettings } from "./workspaceSpec.js"

export const Change = Data.taggedEnum<Plan.Change>()
type Change = Plan.Change

export const ApplyEvent = Data.taggedEnum<Plan.ApplyEvent>()
type ApplyEvent = Plan.ApplyEvent

const defaultConcurrency = 4

const budgetChange = (workspace: string, step: BudgetStep): Change =>
  step._tag === "DeleteBudget"
    ? Change.DeleteBudget({ workspace, interval: step.interval, previous: step.previous })
    : Change.SetBudget({
        workspace,
        interval: step.interval,
        limitUsd: step.limitUsd,
        previous: step.previous,
        ...(step.includeByokInBudgets === undefined ? {} : { includeByokInBudgets: step.includeByokInBudgets })
      })

const budgetChanges = (
  service: WorkspacesService.Service,
  entry: Manifest.WorkspaceEntry,
  existing: Workspace | undefined,
  prune: boolean
) => {
  if (entry.budgets === undefined && entry.includeByokInBudgets === undefined) return Effect.succeed([])
  const read =
    existing === undefined
      ? Effect.succeed<{ readonly data: ReadonlyArray<WorkspaceBudget>; readonly includeByokInBudgets?: boolean }>({
          data: []
        })
      : service.listBudgets({ id: existing.id })
  return Effect.flatMap(read, (listed) => {
    const current = budgetsOf(listed.data)
    const stated = entry.budgets ?? {}
    const target = applyChanges(
      current,
      prune && entry.budgets !== undefined
        ? { lifetime: null, monthly: null, weekly: null, daily: null, ...stated }
        : stated
    )
    // With no budget to carry it, includeByokInBudgets cannot be sent and has no effect: it is left out.
    const { steps } = budgetSteps(current, target, {
      current: listed.includeByokInBudgets,
      target: entry.includeByokInBudgets
    })
    return Effect.as(
      checkOrder("Plan.make", entry.slug, target),
      steps.map((step) => budgetChange(entry.slug, step))
    )
  })
}

const memberChanges = (
  service: WorkspacesService.Service,
  entry: Manifest.WorkspaceEntry,
  existing: Workspace | undefined,
  prune: boolean
) => {
  const desired = entry.members
  if (desired === undefined) return Effect.succeed([])
  const read = existing === undefined ? Effect.succeed(new Set<string>()) : memberIds(service, existing.id)
  return Effect.map(read, (current) => {
    const wanted = new Set(desired)
    const add = batches(desired.filter((id) => !current.has(id)))
    const remove = prune ? batches(Array.from(current).filter((id) => !wanted.has(id))) : []
    return [
      ...add.map((userIds) => Change.AddMembers({ workspace: entry.slug, userIds })),
      ...remove.map((userIds) => Change.RemoveMembers({ workspace: entry.slug, userIds }))
    ]
  })
}

const entryChanges = (
  service: WorkspacesService.Service,
  entry: Manifest.WorkspaceEntry,
  existing: Workspace | undefined,
  prune: boolean,
  defaultWorkspace: Workflows.DefaultWorkspace
) => {
  // The default workspace always exists: it is never created.
  if (existing === undefined && entry.slug === defaultWorkspace.slug) return Effect.succeed([])
  const settings = specSettings(entry)
  const changes = existing === undefined ? [] : diff({ slug: entry.slug, name: entry.name, ...settings }, existing)
  const head =
    existing === undefined
      ? [Change.CreateWorkspace({ workspace: entry.slug, name: entry.name, settings })]
      : changes.length > 0
        ? [Change.UpdateWorkspace({ workspace: entry.slug, changes })]
        : []
  return Effect.map(
    Effect.all([budgetChanges(service, entry, existing, prune), memberChanges(service, entry, existing, prune)], {
      concurrency: 2
    }),
    ([budgets, members]): ReadonlyArray<Change> => [...head, ...budgets, ...members]
  )
}

/**
 * The default workspace's members are implicit: a manifest that lists them is refused, with the
 * name `Manifest.validate` gives a manifest it did not read from a file.
 */
const refuseDefaultMembers = (
  manifest: Manifest.Manifest,
  existing: ReadonlyMap<string, Workspace>,
  defaultWorkspace: Workflows.DefaultWorkspace
) => {
  const issues = manifest.workspaces.flatMap((entry, index): ReadonlyArray<Manifest.ManifestIssue> => {
    const workspace = existing.get(entry.slug)
    const isTheDefault =
      entry.slug === defaultWorkspace.slug || (workspace !== undefined && isDefault(defaultWorkspace, workspace))
    return entry.members === undefined || !isTheDefault
      ? []
      : [
          {
            path: `workspaces[${index}].members`,
            rule:
              `must be omitted: "${entry.slug}" is the default workspace, and every organization member ` +
              `belongs to it (implicit membership)`
          }
        ]
  })
  return Arr.isNonEmptyReadonlyArray(issues)
    ? Effect.fail(new Manifest.ManifestError({ file: "(manifest)", issues }))
    : Effect.void
}

export const make = Effect.fn("Plan.make")(function* (manifest: Manifest.Manifest, options: Plan.PlanOptions = {}) {
  const service = yield* Workspaces
  const defaultWorkspace = yield* DefaultWorkspace
  const prune = options.prune === true
  yield* Manifest.validate(manifest)
  const existing = new Map<string, Workspace>()
  yield* Stream.runForEach(service.streamWorkspaces({ pageSize: 100 }), (workspace) =>
    Effect.sync(() => existing.set(workspace.slug, workspace))
  )
  yield* refuseDefaultMembers(manifest, existing, defaultWorkspace)
  const listed = new Set(manifest.workspaces.map((_) => _.slug))
  const entries = yield* Effect.forEach(
    manifest.workspaces,
    (entry) => entryChanges(service, entry, existing.get(entry.slug), prune, defaultWorkspace),
    { concurrency: options.concurrency ?? defaultConcurrency }
  )
  const deletions = prune
    ? Array.from(existing.values()).flatMap((workspace) =>
        listed.has(workspace.slug) || isDefault(defaultWorkspace, workspace)
          ? []
          : [Change.DeleteWorkspace({ workspace: workspace.slug, name: workspace.name })]
      )
    : []
  const changes = yield* protect(service, [...entries.flat(), ...deletions], manifest.protect ?? [])
  return { changes, prune } satisfies Plan.Plan
})

/**
 * The manifest's `protect` list: those users are never removed, whatever the manifest says. Their
 * removals are left out, and so is the deletion of a workspace they are explicit members of.
 */
const protect = (
  service: WorkspacesService.Service,
  changes: ReadonlyArray<Change>,
  protectedIds: ReadonlyArray<string>
) =>
  Effect.gen(function* () {
    if (protectedIds.length === 0) return changes
    const isProtected = new Set(protectedIds)
    const holding = new Set<string>()
    for (const step of changes) {
      if (step._tag !== "DeleteWorkspace") continue
      const members = service.streamMembers({ id: step.workspace })
      const held = yield* Stream.runCollect(Stream.filter(members, (member) => isProtected.has(member.userId)))
      if (held.length > 0) holding.add(step.workspace)
    }
    return changes.flatMap((step): ReadonlyArray<Change> => {
      if (step._tag === "DeleteWorkspace") return holding.has(step.workspace) ? [] : [step]
      if (step._tag !== "RemoveMembers") return [step]
      const userIds = step.userIds.filter((id) => !isProtected.has(id))
      return userIds.length === 0 ? [] : [Change.RemoveMembers({ workspace: step.workspace, userIds })]
    })
  })

const sendStep = (
  service: WorkspacesService.Service,
  step: Change
): Effect.Effect<ReadonlyArray<Workflows.MemberFailure>, WorkspacesError> => {
  const none = Effect.as(Effect.void, [])
  switch (step._tag) {
    case "CreateWorkspace":
      return Effect.andThen(
        createOrReconcile(service, { slug: step.workspace, name: step.name, ...step.settings }),
        none
      )
    case "UpdateWorkspace":
      return Effect.andThen(service.update({ id: step.workspace, ...patchOf(step.changes) }), none)
    case "DeleteWorkspace":
      // A retry of a delete that went through answers 404: the workspace is gone either way.
      return service.delete({ id: step.workspace }).pipe(
        Effect.catchTag("NotFoundResponseError", () => Effect.void),
        Effect.andThen(none)
      )
    case "AddMembers":
    case "RemoveMembers":
      return Effect.map(
        settleBatch(service, step.workspace, step._tag === "AddMembers" ? "add" : "remove", step.userIds),
        (settled) => settled.failed
      )
    case "SetBudget":
    case "DeleteBudget":
      return Effect.andThen(runBudgetSteps(service, step.workspace, [step]), none)
  }
}

const userIdsOf = (step: Change): ReadonlyArray<string> =>
  step._tag === "AddMembers" || step._tag === "RemoveMembers" ? step.userIds : []

interface Group {
  /** Creates, updates or deletes the workspace: runs before the rest. */
  readonly head: Array<number>
  /** Budget steps: one at a time, in the plan's order. */
  readonly budgets: Array<number>
  /** Member additions: independent of one another. */
  readonly adds: Array<number>
  /** Member removals: independent of one another, sent once every addition of the plan has settled. */
  readonly removes: Array<number>
  /** Whether the head deletes the workspace, which takes its members away like a removal. */
  readonly deletes: boolean
}

/** Why a step is never sent: the default workspace is never deleted, and its membership is implicit. */
const refusedOnDefault = (step: Change, defaultWorkspace: Workflows.DefaultWorkspace): string | undefined => {
  if (!namesDefault(defaultWorkspace, step.workspace)) return undefined
  switch (step._tag) {
    case "DeleteWorkspace":
      return `"${step.workspace}" is the default workspace: it is never deleted`
    case "AddMembers":
    case "RemoveMembers":
      return `"${step.workspace}" is the default workspace, whose membership is implicit`
    default:
      return undefined
  }
}

/** The steps by workspace, without those in `refused`. */
const groupByWorkspace = (changes: ReadonlyArray<Change>, refused: ReadonlySet<number>): ReadonlyArray<Group> => {
  const groups = new Map<string, Group>()
  changes.forEach((step, index) => {
    if (refused.has(index)) return
    let group = groups.get(step.workspace)
    if (group === undefined) {
      group = { head: [], budgets: [], adds: [], removes: [], deletes: false }
      groups.set(step.workspace, group)
    }
    switch (step._tag) {
      case "SetBudget":
      case "DeleteBudget":
        return group.budgets.push(index)
      case "AddMembers":
        return group.adds.push(index)
      case "RemoveMembers":
        return group.removes.push(index)
      case "DeleteWorkspace":
        groups.set(step.workspace, { ...group, deletes: true })
        return group.head.push(index)
      default:
        return group.head.push(index)
    }
  })
  return Array.from(groups.values())
}

/**
 * Runs the steps and reports each through `emit`. At most `concurrency` calls are in flight. The
 * steps run within `Workspaces.uninterruptibleAttempts`: interrupting the run lets the HTTP attempts
 * in flight finish, then stops, with no retry wait and no further call.
 */
const execute = (
  service: WorkspacesService.Service,
  { changes }: Plan.Plan,
  concurrency: number,
  emit: (event: ApplyEvent) => Effect.Effect<unknown>
) =>
  Effect.gen(function* () {
    const defaultWorkspace = yield* DefaultWorkspace
    const total = changes.length
    const semaphore = yield* Effect.makeSemaphore(Math.max(1, concurrency))
    const failed: Array<Plan.StepFailure> = []
    const skipped: Array<Plan.StepSkip> = []
    const rejected: Array<Workflows.MemberFailure & { readonly workspace: string }> = []
    let done = 0
    /** The users whose addition in this plan did not go through, with the workspaces they were to join. */
    const notAdded = new Map<string, Set<string>>()
    const holdBack = (step: Change, userIds: ReadonlyArray<string>) => {
      if (step._tag !== "AddMembers") return
      for (const userId of userIds) {
        const workspaces = notAdded.get(userId) ?? new Set<string>()
        notAdded.set(userId, workspaces.add(step.workspace))
      }
    }

    /**
     * Sends `send` (the step itself, or a removal of fewer users) and reports the step; `kept` are
     * the users held back from it, reported with those the API refused.
     */
    const run = (
      index: number,
      send: Change = changes[index]!,
      kept: ReadonlyArray<Workflows.MemberFailure> = []
    ): Effect.Effect<boolean> => {
      const step = changes[index]!
      return semaphore
        .withPermits(1)(WorkspacesService.uninterruptibleAttempts(Effect.either(sendStep(service, send))))
        .pipe(
          Effect.flatMap(
            Either.match({
              onLeft: (error) => {
                failed.push({ step, index, error })
                holdBack(step, userIdsOf(step))
                return Effect.as(emit(ApplyEvent.StepFailed({ step, index, total, error })), false)
              },
              onRight: (refused) => {
                done++
                holdBack(
                  step,
                  refused.map((_) => _.userId)
                )
                const all = [...kept, ...refused]
                rejected.push(...all.map((failure) => ({ ...failure, workspace: step.workspace })))
                return Effect.as(emit(ApplyEvent.StepDone({ step, index, total, rejected: all })), true)
              }
            })
          )
        )
    }
    /** Reports a step as skipped; the users of a skipped addition are held back elsewhere unless `hold` is false. */
    const skipOne = (index: number, reason: string, hold = true) => {
      const step = changes[index]!
      if (hold) holdBack(step, userIdsOf(step))
      skipped.push({ step, index, reason })
      return emit(ApplyEvent.StepSkipped({ step, index, total, reason }))
    }
    const skip = (indexes: ReadonlyArray<number>, cause: number) =>
      Effect.forEach(
        indexes,
        (index) => skipOne(index, `step ${cause} (${changes[cause]!._tag} ${changes[cause]!.workspace}) failed`),
        { discard: true }
      )
    /** Runs the steps in order; after a failure the rest are skipped. Succeeds with whether all went through. */
    const inOrder = (indexes: ReadonlyArray<number>, dependents: ReadonlyArray<number> = []) =>
      Effect.gen(function* () {
        for (const [i, index] of indexes.entries()) {
          if (!(yield* run(index))) {
            yield* skip([...indexes.slice(i + 1), ...dependents], index)
            return false
          }
        }
        return true
      })
    /** A removal without the users whose addition did not go through: they stay where they are. */
    const remove = (index: number) => {
      const step = changes[index]!
      const [rest, held] = Arr.partition(userIdsOf(step), (userId) => notAdded.has(userId))
      if (held.length === 0) return run(index)
      const kept = held.map(
        (userId): Workflows.MemberFailure => ({
          userId,
          operation: "remove",
          reason: `kept: their addition to ${Array.from(notAdded.get(userId)!).join(", ")} did not go through`
        })
      )
      if (rest.length > 0) return run(index, Change.RemoveMembers({ workspace: step.workspace, userIds: rest }), kept)
      rejected.push(...kept.map((failure) => ({ ...failure, workspace: step.workspace })))
      return skipOne(index, `kept all ${held.length} users: their addition elsewhere did not go through`)
    }
    /** A deletion, unless some addition did not go through: its members might be the users in question. */
    const deletion = (indexes: ReadonlyArray<number>) => {
      if (notAdded.size === 0) return inOrder(indexes)
      const workspaces = new Set(Array.from(notAdded.values()).flatMap((_) => Array.from(_)))
      const reason =
        `kept: the addition of ${notAdded.size} user(s) to ${Array.from(workspaces).join(", ")} did not go ` +
        `through, and they might be among its members`
      return Effect.forEach(indexes, (index) => skipOne(index, reason), { discard: true })
    }

    yield* emit(ApplyEvent.Started({ total }))
    // A plan made by hand, or under another `DefaultWorkspace`, may ask what the API refuses anyway.
    const refused = changes.flatMap((step, index) => {
      const reason = refusedOnDefault(step, defaultWorkspace)
      return reason === undefined ? [] : [{ index, reason }]
    })
    yield* Effect.forEach(refused, ({ index, reason }) => skipOne(index, reason), { discard: true })
    const groups = groupByWorkspace(changes, new Set(refused.map((_) => _.index)))
    const concurrently = (indexes: ReadonlyArray<number>, each: (index: number) => Effect.Effect<unknown> = run) =>
      Effect.forEach(indexes, (index) => each(index), { concurrency: "unbounded", discard: true })
    // What adds or changes goes first; what takes members away (removals, deletions) only once all of
    // it has settled, so a user moved from one workspace to another is never in neither. A user whose
    // addition did not go through is not removed anywhere, and no workspace is deleted then.
    const ready = yield* Effect.forEach(
      groups,
      (group) =>
        group.deletes
          ? // A plan made by hand may also change a workspace it deletes: those steps are skipped.
            Effect.as(
              Effect.forEach(
                [...group.budgets, ...group.adds, ...group.removes],
                // Additions to the workspace being deleted would not have kept anyone anywhere.
                (index) => skipOne(index, `the plan deletes workspace ${changes[index]!.workspace}`, false),
                { discard: true }
              ),
              true
            )
          : Effect.tap(inOrder(group.head, [...group.budgets, ...group.adds, ...group.removes]), (ok) =>
              ok
                ? Effect.all([inOrder(group.budgets), concurrently(group.adds)], { concurrency: 2, discard: true })
                : Effect.void
            ),
      { concurrency: "unbounded" }
    )
    yield* Effect.forEach(
      groups.filter((_, i) => ready[i]),
      (group) => (group.deletes ? deletion(group.head) : concurrently(group.removes, remove)),
      { concurrency: "unbounded", discard: true }
    )
    yield* emit(ApplyEvent.Finished({ report: { total, done, failed, skipped, rejected } }))
  })

export const apply = (plan: Plan.Plan, options: Plan.ApplyOptions = {}): Stream.Stream<ApplyEvent, never, Workspaces> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const service = yield* Workspaces
      const queue = yield* Queue.unbounded<Take.Take<ApplyEvent>>()
      yield* execute(service, plan, options.concurrency ?? defaultConcurrency, (event) =>
        Queue.offer(queue, Take.of(event))
      ).pipe(
        Effect.onExit((exit) => Queue.offer(queue, Exit.isSuccess(exit) ? Take.end : Take.failCause(exit.cause))),
        Effect.forkScoped
      )
      return Stream.flattenTake(Stream.fromQueue(queue))
    })
  ).pipe(Stream.withSpan("Plan.apply"))
