import type { BlockedChange, Change, Plan, Summary } from "../Plan.js"

export const summary = (plan: Plan): Summary => {
  let add = 0
  let change = 0
  let destroy = 0
  for (const step of plan.changes) {
    switch (step._tag) {
      case "CreateWorkspace":
        add++
        break
      case "UpdateWorkspace":
        change++
        break
      case "DeleteWorkspace":
      case "DeleteBudget":
        destroy++
        break
      case "AddMembers":
        add += step.userIds.length
        break
      case "RemoveMembers":
        destroy += step.userIds.length
        break
      case "SetBudget":
        if (step.previous === null) add++
        else change++
    }
  }
  return { add, change, destroy, blocked: plan.blocked?.length ?? 0 }
}

const show = (value: unknown) => JSON.stringify(value)

const idList = (userIds: ReadonlyArray<string>, max: number) =>
  userIds.length <= max
    ? userIds.join(", ")
    : `${userIds.slice(0, max).join(", ")}, ... and ${userIds.length - max} more`

const budgetLine = (step: Extract<Change, { _tag: "SetBudget" }>) => {
  const byok =
    step.includeByokInBudgets === undefined ? "" : ` (includeByokInBudgets -> ${show(step.includeByokInBudgets)})`
  if (step.previous === null) return `+ budget ${step.interval} = ${step.limitUsd}${byok}`
  if (step.previous === step.limitUsd) return `~ budget ${step.interval} = ${step.limitUsd}${byok}`
  return `~ budget ${step.interval}: ${step.previous} -> ${step.limitUsd}${byok}`
}

const changesBlocked = (count: number) => `${count} change${count === 1 ? "" : "s"} blocked`

const blockedLine = ({ change, reason }: BlockedChange) => {
  switch (change._tag) {
    case "RemoveMembers":
      return `- member${change.userIds.length === 1 ? "" : "s"} ${change.userIds.join(", ")} of ${show(change.workspace)}: ${reason}`
    case "DeleteWorkspace":
      return `- workspace ${show(change.workspace)} (${show(change.name)}): ${reason}`
    default:
      return `${change._tag} ${show(change.workspace)}: ${reason}`
  }
}

const blockedSection = (blocked: ReadonlyArray<BlockedChange>) =>
  [
    "Blocked (never sent: the API refuses these until their cause is fixed):",
    ...blocked.map((entry) => `    ${blockedLine(entry)}`)
  ].join("\n")

export const render = (plan: Plan, options: { readonly maxUserIds?: number } = {}): string => {
  const max = options.maxUserIds ?? 10
  const { add, blocked, change, destroy } = summary(plan)
  if (plan.changes.length === 0) {
    return blocked === 0
      ? "No changes. The organization matches the manifest.\n"
      : `No changes to send: converged; ${changesBlocked(blocked)}.\n\n${blockedSection(plan.blocked ?? [])}\n`
  }
  const byWorkspace = new Map<string, Array<Change>>()
  for (const step of plan.changes) {
    const steps = byWorkspace.get(step.workspace) ?? []
    steps.push(step)
    byWorkspace.set(step.workspace, steps)
  }
  const blocks = Array.from(byWorkspace, ([workspace, steps]) => {
    const created = steps.find((_) => _._tag === "CreateWorkspace")
    const deleted = steps.find((_) => _._tag === "DeleteWorkspace")
    const sign = created !== undefined ? "+" : deleted !== undefined ? "-" : "~"
    const title = created?.name ?? deleted?.name
    const confirmed =
      deleted?.confirmDefaultWorkspaceDeletion === true
        ? " (the default workspace: its inference API keys are disabled, its budgets and guardrails deleted)"
        : ""
    const lines = [`${sign} workspace ${show(workspace)}${title === undefined ? "" : ` (${show(title)})`}${confirmed}`]
    const added = steps.flatMap((_) => (_._tag === "AddMembers" ? _.userIds : []))
    const removed = steps.flatMap((_) => (_._tag === "RemoveMembers" ? _.userIds : []))
    for (const step of steps) {
      switch (step._tag) {
        case "CreateWorkspace":
          for (const [field, value] of Object.entries(step.settings)) lines.push(`    + ${field} = ${show(value)}`)
          break
        case "UpdateWorkspace":
          for (const { field, from, to } of step.changes) lines.push(`    ~ ${field}: ${show(from)} -> ${show(to)}`)
          break
        case "SetBudget":
          lines.push(`    ${budgetLine(step)}`)
          break
        case "DeleteBudget":
          lines.push(`    - budget ${step.interval} = ${step.previous}`)
      }
    }
    if (added.length > 0) lines.push(`    + members (${added.length}): ${idList(added, max)}`)
    if (removed.length > 0) lines.push(`    - members (${removed.length}): ${idList(removed, max)}`)
    return lines.join("\n")
  })
  const header = `Workspaces plan${plan.prune ? " (prune: removes what the manifest does not list)" : ""}:`
  const blockedPart = blocked === 0 ? "" : `\n\n${blockedSection(plan.blocked ?? [])}`
  const closing = `Plan: ${add} to add, ${change} to change, ${destroy} to destroy${blocked === 0 ? "" : `; ${changesBlocked(blocked)}`}.`
  return `${header}\n\n${blocks.join("\n\n")}${blockedPart}\n\n${closing}\n`
}
