import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { BudgetChanges, Budgets, BudgetStep } from "../Budgets.js"
import { budgetIntervals, LimitUsd, type Workspace } from "../Model.js"
import type * as Workflows from "../Workflows.js"
import * as RetryPolicy from "../RetryPolicy.js"
import { BudgetRuleError, DefaultWorkspaceError } from "../WorkflowsError.js"
import { Workspaces } from "../Workspaces.js"
import type * as WorkspacesService from "../Workspaces.js"
import { InvalidRequestError } from "../WorkspacesError.js"
import type { WorkspaceSpec } from "../WorkspaceSpec.js"
import { applyChanges, budgetSteps, budgetsOf, orderViolation } from "./budgets.js"
import { firstIssue } from "./issues.js"
import { DefaultWorkspace, isDefault, namesDefault } from "./defaultWorkspace.js"
import { batches, memberIds, mergeSettled, requireExplicitMembership, settleBatch } from "./members.js"
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

export const ensureWorkspace = Effect.fn("Workflows.ensureWorkspace")(function* (spec: WorkspaceSpec) {
  const service = yield* Workspaces
  const found = yield* service
    .get({ id: spec.slug })
    .pipe(Effect.catchTag("NotFoundResponseError", () => Effect.succeed(undefined)))
  return yield* found === undefined ? createOrReconcile(service, spec) : reconcile(service, spec, found)
})

const checkUserIds = (operation: string, userIds: ReadonlyArray<string>) => {
  const empty = userIds.findIndex((id) => id.length === 0)
  return empty < 0
    ? Effect.void
    : Effect.fail(
        new InvalidRequestError({ operation, field: `userIds[${empty}]`, rule: "must be a non-empty user id" })
      )
}

export const syncMembers = Effect.fn("Workflows.syncMembers")(function* (options: Workflows.SyncMembersOptions) {
  const service = yield* Workspaces
  const { workspace } = options
  yield* checkUserIds("Workflows.syncMembers", options.userIds)
  yield* requireExplicitMembership(service, "Workflows.syncMembers", workspace)
  const desired = new Set(options.userIds)
  const concurrency = options.concurrency ?? defaultConcurrency
  const current = yield* memberIds(service, workspace, concurrency)
  const toAdd = Array.from(desired).filter((id) => !current.has(id))
  const toRemove = options.prune === false ? [] : Array.from(current).filter((id) => !desired.has(id))
  const addBatches = batches(toAdd)
  const calls = [
    ...addBatches.map((ids) => settleBatch(service, workspace, "add", ids)),
    ...batches(toRemove).map((ids) => settleBatch(service, workspace, "remove", ids))
  ]
  const settled = yield* Effect.all(calls, { concurrency })
  const added = mergeSettled(settled.slice(0, addBatches.length))
  const removed = mergeSettled(settled.slice(addBatches.length))
  return {
    workspace,
    added: added.done,
    removed: removed.done,
    unchanged: desired.size - toAdd.length,
    failed: [...added.failed, ...removed.failed]
  } satisfies Workflows.SyncMembersReport
})

export const moveMembers = Effect.fn("Workflows.moveMembers")(function* (options: Workflows.MoveMembersOptions) {
  const service = yield* Workspaces
  const { from, to } = options
  const operation = "Workflows.moveMembers"
  if (from === to) return yield* new InvalidRequestError({ operation, field: "to", rule: `must differ from "from"` })
  yield* checkUserIds(operation, options.userIds ?? [])
  yield* requireExplicitMembership(service, operation, from)
  yield* requireExplicitMembership(service, operation, to)
  const concurrency = options.concurrency ?? defaultConcurrency
  const members = yield* memberIds(service, from, concurrency)
  const listed = options.userIds === undefined ? members : new Set(options.userIds)
  const candidates = Array.from(listed).filter((id) => members.has(id))
  // Per batch: add to `to`, then remove from `from` exactly the users whose add went through.
  const settled = yield* Effect.forEach(
    batches(candidates),
    (ids) =>
      Effect.flatMap(settleBatch(service, to, "add", ids), (added) =>
        added.done.length === 0
          ? Effect.succeed(added)
          : Effect.map(settleBatch(service, from, "remove", added.done), (removed) => ({
              done: removed.done,
              failed: [...added.failed, ...removed.failed]
            }))
      ),
    { concurrency }
  )
  const { done, failed } = mergeSettled(settled)
  return {
    from,
    to,
    moved: done,
    failed,
    notMembers: Array.from(listed).filter((id) => !members.has(id))
  } satisfies Workflows.MoveMembersReport
})

const checkLimits = (operation: string, changes: BudgetChanges) =>
  Effect.forEach(
    budgetIntervals,
    (interval) => {
      const limitUsd = changes[interval]
      return limitUsd === undefined || limitUsd === null
        ? Effect.void
        : Schema.validate(LimitUsd)(limitUsd).pipe(
            Effect.mapError(
              (error) =>
                new InvalidRequestError({
                  operation,
                  field: `budgets.${interval}`,
                  rule: firstIssue(error).rule
                })
            )
          )
    },
    { discard: true }
  )

/** Fails when the budgets break the API's ordering rule. */
export const checkOrder = (operation: string, workspace: string, budgets: Budgets) => {
  const violation = orderViolation(budgets)
  return violation === undefined
    ? Effect.void
    : Effect.fail(new BudgetRuleError({ operation, workspace, rule: violation.rule }))
}

/** Runs budget steps one at a time, in their order: each call keeps the stored budgets valid. */
export const runBudgetSteps = (
  service: WorkspacesService.Service,
  workspace: string,
  steps: ReadonlyArray<BudgetStep>
) =>
  Effect.forEach(
    steps,
    (step) =>
      step._tag === "DeleteBudget"
        ? service.deleteBudget({ id: workspace, interval: step.interval })
        : service.setBudget({
            id: workspace,
            interval: step.interval,
            limitUsd: step.limitUsd,
            ...(step.includeByokInBudgets === undefined ? {} : { includeByokInBudgets: step.includeByokInBudgets })
          }),
    { discard: true }
  )

export const setBudgets = Effect.fn("Workflows.setBudgets")(function* (options: Workflows.SetBudgetsOptions) {
  const service = yield* Workspaces
  const operation = "Workflows.setBudgets"
  const { budgets: changes, workspace } = options
  yield* checkLimits(operation, changes)
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
  yield* runBudgetSteps(service, workspace, steps)
  const touched = new Set(steps.map((_) => _.interval))
  return {
    workspace,
    set: steps.filter((_) => _._tag === "SetBudget"),
    deleted: steps.filter((_) => _._tag === "DeleteBudget"),
    unchanged: budgetIntervals.filter((interval) => changes[interval] !== undefined && !touched.has(interval)),
    budgets: target,
    includeByokInBudgets: options.includeByokInBudgets ?? listed.includeByokInBudgets
  } satisfies Workflows.SetBudgetsReport
})

export const cloneWorkspace = Effect.fn("Workflows.cloneWorkspace")(function* (
  options: Workflows.CloneWorkspaceOptions
) {
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
  const members = withMembers
    ? yield* Effect.flatMap(memberIds(service, source.id, options.concurrency), (userIds) =>
        syncMembers({
          workspace: to.slug,
          userIds: Array.from(userIds),
          ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency })
        })
      )
    : undefined
  const budgets = withBudgets
    ? yield* Effect.flatMap(service.listBudgets({ id: source.id }), (listed) => {
        const copied = budgetsOf(listed.data)
        return setBudgets({
          workspace: to.slug,
          budgets: Object.fromEntries(budgetIntervals.map((interval) => [interval, copied[interval] ?? null])),
          ...(listed.includeByokInBudgets === undefined || listed.data.length === 0
            ? {}
            : { includeByokInBudgets: listed.includeByokInBudgets })
        })
      })
    : undefined
  return { workspace, members, budgets } satisfies Workflows.CloneWorkspaceReport
})
