import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
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

/**
 * Runs the schedule, a step once its `after` steps have settled, with at most `concurrency` calls
 * in flight, and streams the steps as they settle. Each call runs within
 * `Workspaces.uninterruptibleAttempts`: interrupting the stream lets the HTTP attempts in flight
 * finish, then stops, with no retry wait and no further call.
 */
const run = (service: WorkspacesService.Service, schedule: Schedule, concurrency: number): Stream.Stream<Settled> =>
  Stream.unwrap(
    Effect.gen(function* () {
      const semaphore = yield* Effect.makeSemaphore(Math.max(1, concurrency))
      const outcomes = yield* Effect.forEach(schedule.changes, () => Deferred.make<Outcome>())
      const outcomesOf = (indexes: ReadonlyArray<number>) =>
        Effect.map(
          Effect.forEach(indexes, (index) => Effect.map(Deferred.await(outcomes[index]!), (_) => [index, _] as const)),
          (entries) => new Map(entries)
        )
      const settle = (index: number, outcome: Outcome): Effect.Effect<Settled> =>
        Effect.as(Deferred.succeed(outcomes[index]!, outcome), { step: schedule.changes[index]!, index, outcome })
      const send = (step: Change, kept: ReadonlyArray<Workflows.MemberFailure>) =>
        semaphore
          .withPermits(1)(WorkspacesService.uninterruptibleAttempts(Effect.either(sendStep(service, step))))
          .pipe(
            Effect.map(
              Either.match({
                onLeft: (error) => Outcome.Failed({ error }),
                onRight: (refused) => Outcome.Done({ rejected: [...kept, ...refused] })
              })
            )
          )
      const phase = (steps: ReadonlyArray<Scheduled>, held: HeldBack) =>
        Stream.mapEffect(
          Stream.fromIterable(steps),
          (scheduled) =>
            Effect.gen(function* () {
              const decision = decide(schedule, scheduled, yield* outcomesOf(scheduled.after), held)
              return yield* settle(
                scheduled.index,
                decision._tag === "Send" ? yield* send(decision.step, decision.kept) : decision
              )
            }),
          { concurrency: "unbounded", unordered: true }
        )
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
 * `Started`, an event per step as it settles, then `Finished` with the report folded from the
 * events before it, as a consumer of the stream would fold them (`Plan.reportOf`).
 */
const events = (
  total: number,
  blocked: ReadonlyArray<Plan.BlockedChange>,
  settled: Stream.Stream<Settled>
): Stream.Stream<Plan.ApplyEvent> =>
  Stream.succeed(Option.some(ApplyEvent.Started({ total, blocked }))).pipe(
    Stream.concat(Stream.map(settled, (_) => Option.some(eventOf(_, total)))),
    Stream.concat(Stream.succeed(Option.none())),
    Stream.mapAccum(empty, (report, next) =>
      Option.match(next, {
        onNone: () => [report, ApplyEvent.Finished({ report })] as const,
        onSome: (event) => [fold(report, event), event] as const
      })
    )
  )

export const apply = (
  plan: Plan.Plan,
  options: Plan.ApplyOptions = {}
): Stream.Stream<Plan.ApplyEvent, never, Workspaces> =>
  Stream.unwrap(
    Effect.gen(function* () {
      const service = yield* Workspaces
      const steps = schedule(plan, yield* DefaultWorkspace, options)
      return events(
        plan.changes.length,
        plan.blocked ?? [],
        run(service, steps, options.concurrency ?? defaultConcurrency)
      )
    })
  ).pipe(Stream.withSpan("Plan.apply"))
