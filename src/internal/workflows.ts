import * as Effect from "effect/Effect"
import type { Budgets, BudgetStep } from "../Budgets.js"
import { budgetIntervals, type Workspace } from "../Model.js"
import type * as Workflows from "../Workflows.js"
import * as RetryPolicy from "../RetryPolicy.js"
import { BudgetRuleError, DefaultWorkspaceError, WorkflowFailedError } from "../WorkflowsError.js"
import { Workspaces } from "../Workspaces.js"
import type * as WorkspacesService from "../Workspaces.js"
import { InvalidRequestError } from "../WorkspacesError.js"
import type { WorkspaceSpec } from "../WorkspaceSpec.js"
import { applyChanges, budgetSteps, budgetsOf, orderViolation } from "./budgets.js"
import { DefaultWorkspace, isDefault, namesDefault } from "./defaultWorkspace.js"
import {
  batches,
  memberIds,
  mergeSettled,
  requireExplicitMembership,
  type Settled,
  settleAll,
  settleBatch
} from "./members.js"
import * as Input from "./workflowInput.js"
import { diff, patchOf, settingsOf, specFields, specSettings } from "./workspaceSpec.js"

const defaultConcurrency = 4

const reconcile = (service: WorkspacesService.Service, spec: WorkspaceSpec, workspace: Workspace) => {
  const changes = diff(spec, workspace)
  if (changes.length === 0) {
    return Effect.succeed<Workflows.EnsureWorkspaceReport>({ outcome: "unchanged", workspace, changed: [] })
  }
  return Effect.map(
    service.update({ id: workspace.id, ...patchOf(changes) }),
    (updated): Workflows.EnsureWorkspaceReport => ({
      outcome: "updated",
      workspace: updated,
      changed: changes.map((_) => _.field)
    })
  )
}

/**
 * Creates the workspace; when the slug turns out taken (a concurrent run created it first), reads
 * it back and reconciles it with the spec instead. The client resends a creation only when the
 * failed attempt provably did not take effect; when it cannot tell, the workspace is looked up
 * again here, which is always safe: found, it is reconciled, else created.
 */
export const createOrReconcile = (
  service: WorkspacesService.Service,
  spec: WorkspaceSpec,
  lookups = 3
): Effect.Effect<Workflows.EnsureWorkspaceReport, Workflows.EnsureWorkspaceError> =>
  service.create({ slug: spec.slug, name: spec.name, ...specSettings(spec) }).pipe(
    Effect.map(
      (workspace): Workflows.EnsureWorkspaceReport => ({ outcome: "created", workspace, changed: specFields(spec) })
    ),
    Effect.catchIf(
      (error) => error._tag === "BadRequestResponseError" || (lookups > 0 && RetryPolicy.isTransient(error)),
      (error) =>
        service.get({ id: spec.slug }).pipe(
          Effect.flatMap((workspace) => reconcile(service, spec, workspace)),
          Effect.catchTag("NotFoundResponseError", () =>
            error._tag === "BadRequestResponseError"
              ? Effect.fail(error)
              : createOrReconcile(service, spec, lookups - 1)
          )
        )
    )
  )

const checkSpec = Input.checker("Workflows.ensureWorkspace", Input.WorkspaceSpec, "spec")

export const ensureWorkspace = Effect.fn("Workflows.ensureWorkspace")(function* (spec: WorkspaceSpec) {
  yield* checkSpec(spec)
  const service = yield* Workspaces
  const found = yield* service
    .get({ id: spec.slug })
    .pipe(Effect.catchTag("NotFoundResponseError", () => Effect.succeed(undefined)))
  return yield* found === undefined ? createOrReconcile(service, spec) : reconcile(service, spec, found)
})

const users = (n: number) => `${n} user${n === 1 ? "" : "s"}`

const membersDone = (report: Workflows.SyncMembersReport) =>
  `added ${users(report.added.length)}, removed ${users(report.removed.length)}`

const checkSync = Input.checker("Workflows.syncMembers", Input.SyncMembersOptions)

export const syncMembers = Effect.fn("Workflows.syncMembers")(function* (options: Workflows.SyncMembersOptions) {
  yield* checkSync(options)
  const service = yield* Workspaces
  const { workspace } = options
  yield* requireExplicitMembership(service, "Workflows.syncMembers", workspace)
  const desired = new Set(options.userIds)
  const concurrency = options.concurrency ?? defaultConcurrency
  const current = yield* memberIds(service, workspace, concurrency)
  const toAdd = Array.from(desired).filter((id) => !current.has(id))
  const toRemove = options.prune === false ? [] : Array.from(current).filter((id) => !desired.has(id))
  const send = (operation: Workflows.MemberFailure["operation"]) => (ids: ReadonlyArray<string>) =>
    Effect.map(settleBatch(service, workspace, operation, ids), (settled) => ({ operation, ...settled }))
  const calls = [...batches(toAdd).map(send("add")), ...batches(toRemove).map(send("remove"))]
  const { error, results } = yield* settleAll(calls, concurrency)
  const done = (operation: Workflows.MemberFailure["operation"]) =>
    results.flatMap((settled) => (settled.operation === operation ? settled.done : []))
  const report: Workflows.SyncMembersReport = {
    workspace,
    added: done("add"),
    removed: done("remove"),
    unchanged: desired.size - toAdd.length,
    failed: results.flatMap((_) => _.failed)
  }
  if (error !== undefined) {
    if (report.added.length + report.removed.length === 0) return yield* Effect.fail(error)
    return yield* new WorkflowFailedError<Workflows.SyncMembersReport, Workflows.MemberCallError>({
      workflow: "Workflows.syncMembers",
      done: membersDone(report),
      report,
      cause: error
    })
  }
  return report
})

const checkMove = Input.checker("Workflows.moveMembers", Input.MoveMembersOptions)

export const moveMembers = Effect.fn("Workflows.moveMembers")(function* (options: Workflows.MoveMembersOptions) {
  yield* checkMove(options)
  const service = yield* Workspaces
  const { from, to } = options
  const operation = "Workflows.moveMembers"
  if (from === to) return yield* new InvalidRequestError({ operation, field: "to", rule: `must differ from "from"` })
  yield* requireExplicitMembership(service, operation, from)
  yield* requireExplicitMembership(service, operation, to)
  const concurrency = options.concurrency ?? defaultConcurrency
  const members = yield* memberIds(service, from, concurrency)
  const listed = options.userIds === undefined ? members : new Set(options.userIds)
  const candidates = Array.from(listed).filter((id) => members.has(id))
  // Per batch: add to `to`, then remove from `from` exactly the users whose add went through. A
  // removal that fails leaves those users in both workspaces: they are reported so.
  const moveBatch = (ids: ReadonlyArray<string>) =>
    Effect.flatMap(
      Effect.mapError(settleBatch(service, to, "add", ids), (error) => ({ error, settled: noneSettled })),
      (added) =>
        added.done.length === 0
          ? Effect.succeed<Settled>(added)
          : settleBatch(service, from, "remove", added.done).pipe(
              Effect.map((removed): Settled => ({ done: removed.done, failed: [...added.failed, ...removed.failed] })),
              Effect.mapError((error) => ({
                error,
                settled: {
                  done: [],
                  failed: [
                    ...added.failed,
                    ...added.done.map((userId) => ({
                      userId,
                      operation: "remove" as const,
                      reason: `added to ${to}, still in ${from}: the call to remove them failed: ${error.message}`
                    }))
                  ]
                }
              }))
            )
    )
  const { error, results } = yield* settleAll(batches(candidates).map(moveBatch), concurrency)
  const settled = mergeSettled(error === undefined ? results : [...results, error.settled])
  const report: Workflows.MoveMembersReport = {
    from,
    to,
    moved: settled.done,
    failed: settled.failed,
    notMembers: Array.from(listed).filter((id) => !members.has(id))
  }
  if (error !== undefined) {
    const added = error.settled.failed.filter((_) => _.operation === "remove").length
    if (report.moved.length + added === 0) return yield* Effect.fail(error.error)
    return yield* new WorkflowFailedError<Workflows.MoveMembersReport, Workflows.MemberCallError>({
      workflow: operation,
      done: `moved ${users(report.moved.length)}${added === 0 ? "" : `, added ${users(added)} to ${to} not removed from ${from}`}`,
      report,
      cause: error.error
    })
  }
  return report
})

const noneSettled: Settled = { done: [], failed: [] }

/** Fails when the budgets break the API's ordering rule. */
export const checkOrder = (operation: string, workspace: string, budgets: Budgets) => {
  const violation = orderViolation(budgets)
  return violation === undefined
    ? Effect.void
    : Effect.fail(new BudgetRuleError({ operation, workspace, rule: violation.rule }))
}

const runBudgetStep = (service: WorkspacesService.Service, workspace: string, step: BudgetStep) =>
  step._tag === "DeleteBudget"
    ? service.deleteBudget({ id: workspace, interval: step.interval })
    : service.setBudget({
        id: workspace,
        interval: step.interval,
        limitUsd: step.limitUsd,
        ...(step.includeByokInBudgets === undefined ? {} : { includeByokInBudgets: step.includeByokInBudgets })
      })

/** Runs budget steps one at a time, in their order: each call keeps the stored budgets valid. */
export const runBudgetSteps = (
  service: WorkspacesService.Service,
  workspace: string,
  steps: ReadonlyArray<BudgetStep>
) => Effect.forEach(steps, (step) => runBudgetStep(service, workspace, step), { discard: true })

/** The budgets once the steps are done. */
const budgetsAfter = (current: Budgets, steps: ReadonlyArray<BudgetStep>): Budgets =>
  applyChanges(
    current,
    Object.fromEntries(steps.map((step) => [step.interval, step._tag === "SetBudget" ? step.limitUsd : null]))
  )

const budgetsDone = (report: Workflows.SetBudgetsReport) =>
  [
    ...report.set.map((step) => `set ${step.interval} to ${step.limitUsd}`),
    ...report.deleted.map((step) => `deleted ${step.interval}`)
  ].join(", ")

const checkSetBudgets = Input.checker("Workflows.setBudgets", Input.SetBudgetsOptions)

export const setBudgets = Effect.fn("Workflows.setBudgets")(function* (options: Workflows.SetBudgetsOptions) {
  yield* checkSetBudgets(options)
  const service = yield* Workspaces
  const operation = "Workflows.setBudgets"
  const { budgets: changes, workspace } = options
  yield* checkOrder(operation, workspace, applyChanges({}, changes))
  const listed = yield* service.listBudgets({ id: workspace })
  const current = budgetsOf(listed.data)
  const target = applyChanges(current, changes)
  yield* checkOrder(operation, workspace, target)
  const { byokWithoutBudget, steps } = budgetSteps(current, target, {
    current: listed.includeByokInBudgets,
    target: options.includeByokInBudgets
  })
  if (byokWithoutBudget) {
    return yield* new BudgetRuleError({
      operation,
      workspace,
      rule: "includeByokInBudgets is set through a budget, and the workspace would have none"
    })
  }
  const { error, results } = yield* settleAll(
    steps.map((step) => Effect.as(runBudgetStep(service, workspace, step), step)),
    1
  )
  const touched = new Set(steps.map((_) => _.interval))
  const report: Workflows.SetBudgetsReport = {
    workspace,
    set: results.filter((_) => _._tag === "SetBudget"),
    deleted: results.filter((_) => _._tag === "DeleteBudget"),
    unchanged: budgetIntervals.filter((interval) => changes[interval] !== undefined && !touched.has(interval)),
    budgets: budgetsAfter(current, results),
    includeByokInBudgets: results.some((_) => _._tag === "SetBudget" && _.includeByokInBudgets !== undefined)
      ? options.includeByokInBudgets
      : listed.includeByokInBudgets
  }
  if (error !== undefined) {
    if (results.length === 0) return yield* Effect.fail(error)
    return yield* new WorkflowFailedError<Workflows.SetBudgetsReport, typeof error>({
      workflow: operation,
      done: budgetsDone(report),
      report,
      cause: error
    })
  }
  return report
})

const checkClone = Input.checker("Workflows.cloneWorkspace", Input.CloneWorkspaceOptions)

type CloneStepError = Workflows.CloneWorkspaceStepError

export const cloneWorkspace = Effect.fn("Workflows.cloneWorkspace")(function* (
  options: Workflows.CloneWorkspaceOptions
) {
  yield* checkClone(options)
  const service = yield* Workspaces
  const operation = "Workflows.cloneWorkspace"
  const { from, to } = options
  const withMembers = options.members !== false
  const withBudgets = options.budgets !== false
  const defaultWorkspace = yield* DefaultWorkspace
  if (withMembers) {
    yield* requireExplicitMembership(service, operation, to.slug)
    if (namesDefault(defaultWorkspace, from)) return yield* new DefaultWorkspaceError({ operation, workspace: from })
  }
  const source = yield* service.get({ id: from })
  if (withMembers && isDefault(defaultWorkspace, source)) {
    return yield* new DefaultWorkspaceError({ operation, workspace: from })
  }
  const workspace = yield* ensureWorkspace({ ...settingsOf(source), ...to })
  let report: Workflows.CloneWorkspaceReport = { workspace, members: undefined, budgets: undefined }
  const done = () =>
    [
      workspace.outcome === "unchanged"
        ? []
        : [workspace.outcome === "created" ? "created the workspace" : `updated ${workspace.changed.join(", ")}`],
      report.members === undefined ? [] : [membersDone(report.members)],
      report.budgets === undefined || report.budgets.set.length + report.budgets.deleted.length === 0
        ? []
        : [budgetsDone(report.budgets)]
    ]
      .flat()
      .join(", ")
  // A step that stops the clone once changes went through: the clone's report so far goes with its error.
  const stopped = (
    error: CloneStepError | WorkflowFailedError<any, CloneStepError>
  ): Effect.Effect<never, Workflows.CloneWorkspaceError> => {
    const cause: CloneStepError = error._tag === "WorkflowFailedError" ? error.cause : error
    if (error._tag === "WorkflowFailedError") {
      report = "added" in error.report ? { ...report, members: error.report } : { ...report, budgets: error.report }
    }
    const changes = done()
    return changes === ""
      ? Effect.fail(cause)
      : Effect.fail(
          new WorkflowFailedError<Workflows.CloneWorkspaceReport, CloneStepError>({
            workflow: operation,
            done: changes,
            report,
            cause
          })
        )
  }
  if (withMembers) {
    const members = yield* memberIds(service, source.id, options.concurrency).pipe(
      Effect.flatMap((userIds) =>
        syncMembers({
          workspace: to.slug,
          userIds: Array.from(userIds),
          ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency })
        })
      ),
      Effect.catchAll(stopped)
    )
    report = { ...report, members }
  }
  if (withBudgets) {
    const budgets = yield* service.listBudgets({ id: source.id }).pipe(
      Effect.flatMap((listed) => {
        const copied = budgetsOf(listed.data)
        return setBudgets({
          workspace: to.slug,
          budgets: Object.fromEntries(budgetIntervals.map((interval) => [interval, copied[interval] ?? null])),
          ...(listed.includeByokInBudgets === undefined || listed.data.length === 0
            ? {}
            : { includeByokInBudgets: listed.includeByokInBudgets })
        })
      }),
      Effect.catchAll(stopped)
    )
    report = { ...report, budgets }
  }
  return report
})
