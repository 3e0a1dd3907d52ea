import * as Arr from "effect/Array"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Stream from "effect/Stream"
import type * as Plan from "../Plan.js"
import type * as Workflows from "../Workflows.js"
import { Workspaces } from "../Workspaces.js"
import * as WorkspacesService from "../Workspaces.js"
import type { WorkspacesError } from "../WorkspacesError.js"
import { empty, fold } from "./applyReport.js"
import type { HeldBack, Schedule, Scheduled, Settled } from "./applySchedule.js"
import { decide, eventOf, heldBack, Outcome, schedule } from "./applySchedule.js"
import { DefaultWorkspace } from "./defaultWorkspace.js"
import { settleBatch } from "./members.js"
import { ApplyEvent, defaultConcurrency } from "./plan.js"
import { createOrReconcile, runBudgetSteps } from "./workflows.js"
import { patchOf } from "./workspaceSpec.js"

type Change = Plan.Change

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
      return service
        .delete({
          id: step.workspace,
          ...(step.confirmDefaultWorkspaceDeletion === true ? { confirmDefaultWorkspaceDeletion: true } : {})
        })
        .pipe(
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

/** What a run streams: a step as it settles, or a workspace `beforeWorkspace` refused (before its steps). */
type Progress<E> =
  | { readonly _tag: "Settled"; readonly settled: Settled }
  | { readonly _tag: "Refused"; readonly refusal: Plan.WorkspaceRefusal<E> }

/** Whether a workspace may be sent to, and whether this is the step that checked it. */
type Check<E> = Option.Option<{ readonly error: E; readonly first: boolean }>

/**
 * The check of each workspace before the first of its steps is sent: that step runs
 * `beforeWorkspace`, the workspace's other steps wait for its outcome.
 */
const checks = <E, R>(
  schedule: Schedule,
  beforeWorkspace: ((workspace: string) => Effect.Effect<void, E, R>) | undefined
): Effect.Effect<(workspace: string) => Effect.Effect<Check<E>, never, R>> =>
  Effect.gen(function* () {
    if (beforeWorkspace === undefined) return () => Effect.succeed(Option.none())
    const workspaces = Arr.dedupe(schedule.changes.map((step) => step.workspace))
    const outcomes = new Map(
      yield* Effect.forEach(workspaces, (workspace) =>
        Effect.map(Deferred.make<void, E>(), (deferred) => [workspace, deferred] as const)
      )
    )
    const started = new Set<string>()
    return (workspace) =>
      Effect.suspend(() => {
        const outcome = outcomes.get(workspace)!
        const first = !started.has(workspace)
        started.add(workspace)
        return (
          first
            ? Effect.zipRight(Effect.intoDeferred(beforeWorkspace(workspace), outcome), Deferred.await(outcome))
            : Deferred.await(outcome)
        ).pipe(
          Effect.match({
            onFailure: (error): Check<E> => Option.some({ error, first }),
            onSuccess: (): Check<E> => Option.none()
          })
        )
      })
  })

const messageOf = (error: unknown): string =>
  Predicate.hasProperty(error, "message") && typeof error.message === "string" ? error.message : String(error)

/**
 * Runs the schedule, a step once its `after` steps have settled, with at most `concurrency` calls
 * in flight, and streams the steps as they settle. A workspace's first step to be sent runs its
 * check first, within the same permit. Each call runs within
 * `Workspaces.uninterruptibleAttempts`: interrupting the stream lets the HTTP attempts in flight
 * finish, then stops, with no retry wait and no further call.
 */
const run = <E, R>(
  service: WorkspacesService.Service,
  schedule: Schedule,
  options: Plan.ApplyOptions<E, R>
): Stream.Stream<Progress<E>, never, R> =>
  Stream.unwrap(
    Effect.gen(function* () {
      const semaphore = yield* Effect.makeSemaphore(Math.max(1, options.concurrency ?? defaultConcurrency))
      const check = yield* checks(schedule, options.beforeWorkspace)
      const outcomes = yield* Effect.forEach(schedule.changes, () => Deferred.make<Outcome>())
      const outcomesOf = (indexes: ReadonlyArray<number>) =>
        Effect.map(
          Effect.forEach(indexes, (index) => Effect.map(Deferred.await(outcomes[index]!), (_) => [index, _] as const)),
          (entries) => new Map(entries)
        )
      const settle = (index: number, outcome: Outcome): Effect.Effect<Progress<E>> =>
        Effect.as(Deferred.succeed(outcomes[index]!, outcome), {
          _tag: "Settled",
          settled: { step: schedule.changes[index]!, index, outcome }
        })
      const attempt = (step: Change, kept: ReadonlyArray<Workflows.MemberFailure>) =>
        WorkspacesService.uninterruptibleAttempts(Effect.either(sendStep(service, step))).pipe(
          Effect.map(
            Either.match({
              onLeft: (error) => Outcome.Failed({ error }),
              onRight: (refused) => Outcome.Done({ rejected: [...kept, ...refused] })
            })
          )
        )
      const send = (index: number, step: Change, kept: ReadonlyArray<Workflows.MemberFailure>) =>
        semaphore.withPermits(1)(
          Effect.flatMap(
            check(step.workspace),
            Option.match({
              onNone: () =>
                Effect.flatMap(attempt(step, kept), (outcome) => Effect.map(settle(index, outcome), Arr.of)),
              onSome: ({ error, first }) =>
                Effect.map(
                  settle(
                    index,
                    Outcome.Skipped({
                      reason: `workspace ${step.workspace} refused before its first step: ${messageOf(error)}`,
                      kept
                    })
                  ),
                  (settled): ReadonlyArray<Progress<E>> =>
                    first ? [{ _tag: "Refused", refusal: { workspace: step.workspace, error } }, settled] : [settled]
                )
            })
          )
        )
      const phase = (steps: ReadonlyArray<Scheduled>, held: HeldBack) =>
        Stream.mapEffect(
          Stream.fromIterable(steps),
          (scheduled) =>
            Effect.gen(function* () {
              const decision = decide(schedule, scheduled, yield* outcomesOf(scheduled.after), held)
              return decision._tag === "Send"
                ? yield* send(scheduled.index, decision.step, decision.kept)
                : [yield* settle(scheduled.index, decision)]
            }),
          { concurrency: "unbounded", unordered: true }
        ).pipe(Stream.flattenIterables)
      const settledFirst = [...schedule.refused.map((_) => _.index), ...schedule.buildUp.map((_) => _.index)]
      return Stream.fromIterable(schedule.refused).pipe(
        Stream.mapEffect(({ index, reason }) => settle(index, Outcome.Skipped({ reason, kept: [] }))),
        Stream.concat(phase(schedule.buildUp, new Map())),
        Stream.concat(
          Stream.unwrap(
            Effect.map(outcomesOf(settledFirst), (settled) => phase(schedule.takeAway, heldBack(schedule, settled)))
          )
        )
      )
    })
  )

/**
 * `ApplyEvent<E>` has a `WorkspaceRefused` only when `E` is not `never`, which TypeScript cannot
 * decide for a type parameter: the events that carry `E` are built at `unknown`, then narrowed.
 */
const carrying = <E>(event: Plan.ApplyEvent<unknown>) => event as Plan.ApplyEvent<E>

const eventOfProgress = <E>(progress: Progress<E>, total: number): Plan.ApplyEvent<E> =>
  progress._tag === "Settled"
    ? eventOf(progress.settled, total)
    : carrying<E>(ApplyEvent.WorkspaceRefused(progress.refusal))

/**
 * `Started`, an event per step as it settles (and per workspace refused), then `Finished` with the
 * report folded from the events before it, as a consumer of the stream would fold them
 * (`Plan.reportOf`).
 */
const events = <E, R>(
  total: number,
  blocked: ReadonlyArray<Plan.BlockedChange>,
  progress: Stream.Stream<Progress<E>, never, R>
): Stream.Stream<Plan.ApplyEvent<E>, never, R> =>
  Stream.succeed(Option.some(carrying<E>(ApplyEvent.Started({ total, blocked })))).pipe(
    Stream.concat(Stream.map(progress, (_) => Option.some(eventOfProgress(_, total)))),
    Stream.concat(Stream.succeed(Option.none())),
    Stream.mapAccum(empty as Plan.ApplyReport<E>, (report, next) =>
      Option.match(next, {
        onNone: () => [report, carrying<E>(ApplyEvent.Finished({ report }))] as const,
        onSome: (event) => [fold(report, event), event] as const
      })
    )
  )

export const apply = <E = never, R = never>(
  plan: Plan.Plan,
  options: Plan.ApplyOptions<E, R> = {}
): Stream.Stream<Plan.ApplyEvent<E>, never, Workspaces | R> =>
  Stream.unwrap(
    Effect.gen(function* () {
      const service = yield* Workspaces
      const steps = schedule(plan, yield* DefaultWorkspace, options)
      return events(plan.changes.length, plan.blocked ?? [], run(service, steps, options))
    })
  ).pipe(Stream.withSpan("Plan.apply"))
