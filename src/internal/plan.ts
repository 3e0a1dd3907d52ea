import * as Arr from "effect/Array"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { BudgetStep } from "../Budgets.js"
import * as Manifest from "../Manifest.js"
import type { Workspace, WorkspaceBudget } from "../Model.js"
import type * as Plan from "../Plan.js"
import type * as Workflows from "../Workflows.js"
import { DefaultWorkspaceDeletionError } from "../WorkflowsError.js"
import { Workspaces } from "../Workspaces.js"
import * as WorkspacesService from "../Workspaces.js"
import { applyChanges, budgetSteps, budgetsOf } from "./budgets.js"
import { DefaultWorkspace, isDefault } from "./defaultWorkspace.js"
import { batches, memberIds } from "./members.js"
import { block } from "./planBlocked.js"
import { checker, PlanOptions } from "./workflowInput.js"
import { checkOrder } from "./workflows.js"
import { diff, specSettings } from "./workspaceSpec.js"

export const Change = Data.taggedEnum<Plan.Change>()
type Change = Plan.Change

// the same functions, typed as `Plan.ApplyEventConstructors` says (TypeScript cannot relate the
// inferred generic arguments to it)
export const ApplyEvent = Data.taggedEnum<Plan.ApplyEventDefinition>() as unknown as Plan.ApplyEventConstructors

export const defaultConcurrency = 4

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
 * name `Manifest.validate` gives a manifest it did not read from a file; so is one that lists the
 * default workspace and deletes it.
 */
const refuseDefaultMembers = (
  file: string,
  manifest: Manifest.Manifest,
  existing: ReadonlyMap<string, Workspace>,
  defaultWorkspace: Workflows.DefaultWorkspace
) => {
  const issues = manifest.workspaces.flatMap((entry, index): ReadonlyArray<Manifest.ManifestIssue> => {
    const workspace = existing.get(entry.slug)
    const isTheDefault =
      entry.slug === defaultWorkspace.slug || (workspace !== undefined && isDefault(defaultWorkspace, workspace))
    if (!isTheDefault) return []
    return [
      ...(entry.members === undefined
        ? []
        : [
            {
              path: `workspaces[${index}].members`,
              rule:
                `must be omitted: "${entry.slug}" is the default workspace, and every organization member ` +
                `belongs to it (implicit membership)`
            }
          ]),
      ...(manifest.deleteDefaultWorkspace === true
        ? [
            {
              path: `workspaces[${index}]`,
              rule:
                `"${entry.slug}" is the default workspace, which deleteDefaultWorkspace: true deletes: ` +
                `list it or delete it, not both`
            }
          ]
        : [])
    ]
  })
  return Arr.isNonEmptyReadonlyArray(issues) ? Effect.fail(new Manifest.ManifestError({ file, issues })) : Effect.void
}

const checkOptions = checker("Plan.make", PlanOptions)

export const make = Effect.fn("Plan.make")(function* (written: Manifest.Manifest, options: Plan.PlanOptions = {}) {
  const service = yield* Workspaces
  const defaultWorkspace = yield* DefaultWorkspace
  const prune = options.prune === true
  yield* checkOptions(options)
  const file = options.file ?? "(manifest)"
  yield* Manifest.validate(written, file)
  // what can be told without reading the organization is refused before the first request
  yield* refuseDefaultMembers(file, written, new Map(), defaultWorkspace)
  const manifest = yield* Manifest.resolveEmails(written, { file })
  const existing = new Map<string, Workspace>()
  yield* Stream.runForEach(service.streamWorkspaces({ pageSize: 100 }), (workspace) =>
    Effect.sync(() => existing.set(workspace.slug, workspace))
  )
  yield* refuseDefaultMembers(file, manifest, existing, defaultWorkspace)
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
  const defaultDeletion = yield* deleteDefault(manifest, existing, defaultWorkspace, options)
  const concurrency = options.concurrency ?? defaultConcurrency
  const { blocked, changes } = yield* protect(
    service,
    [...entries.flat(), ...deletions, ...defaultDeletion],
    manifest.protect ?? []
  ).pipe(Effect.flatMap((changes) => block(service, changes, existing, concurrency)))
  return { changes, prune, blocked } satisfies Plan.Plan
})

/**
 * The deletion of the default workspace: only when the manifest asks for it and the caller confirms
 * it; asked for and not confirmed, planning fails before anything is sent.
 */
const deleteDefault = (
  manifest: Manifest.Manifest,
  existing: ReadonlyMap<string, Workspace>,
  defaultWorkspace: Workflows.DefaultWorkspace,
  options: Plan.PlanOptions
): Effect.Effect<ReadonlyArray<Change>, DefaultWorkspaceDeletionError> => {
  if (manifest.deleteDefaultWorkspace !== true) return Effect.succeed([])
  const workspace = Array.from(existing.values()).find((_) => isDefault(defaultWorkspace, _))
  if (workspace === undefined) return Effect.succeed([])
  if (options.confirmDefaultWorkspaceDeletion !== true) {
    return Effect.fail(new DefaultWorkspaceDeletionError({ operation: "Plan.make", workspace: workspace.slug }))
  }
  return Effect.succeed([
    Change.DeleteWorkspace({ workspace: workspace.slug, name: workspace.name, confirmDefaultWorkspaceDeletion: true })
  ])
}

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
