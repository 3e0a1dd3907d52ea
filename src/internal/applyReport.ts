import * as Arr from "effect/Array"
import type * as Plan from "../Plan.js"
import type * as Workflows from "../Workflows.js"

export const empty: Plan.ApplyReport = {
  total: 0,
  done: 0,
  failed: [],
  skipped: [],
  rejected: [],
  blocked: [],
  refused: []
}

const withRejected = <E>(
  report: Plan.ApplyReport<E>,
  step: Plan.Change,
  rejected: ReadonlyArray<Workflows.MemberFailure>
): Plan.ApplyReport<E>["rejected"] =>
  rejected.length === 0
    ? report.rejected
    : [...report.rejected, ...rejected.map((failure) => ({ ...failure, workspace: step.workspace }))]

export const fold = <E = never>(report: Plan.ApplyReport<E>, event: Plan.ApplyEvent<E>): Plan.ApplyReport<E> => {
  switch (event._tag) {
    case "Started":
      return { ...report, total: event.total, blocked: event.blocked }
    case "StepDone":
      return {
        ...report,
        total: event.total,
        done: report.done + 1,
        rejected: withRejected(report, event.step, event.rejected)
      }
    case "StepFailed":
      return {
        ...report,
        total: event.total,
        failed: [...report.failed, { step: event.step, index: event.index, error: event.error }]
      }
    case "StepSkipped":
      return {
        ...report,
        total: event.total,
        skipped: [...report.skipped, { step: event.step, index: event.index, reason: event.reason }],
        rejected: withRejected(report, event.step, event.rejected)
      }
    case "WorkspaceRefused":
      return { ...report, refused: [...report.refused, { workspace: event.workspace, error: event.error }] }
    case "Finished":
      return report
  }
}

export const reportOf = <E = never>(events: Iterable<Plan.ApplyEvent<E>>): Plan.ApplyReport<E> =>
  Arr.reduce(events, empty as Plan.ApplyReport<E>, fold)
