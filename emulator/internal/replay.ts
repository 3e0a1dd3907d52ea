import type { BudgetInterval } from "../../src/Model.js"
import type { HistoryEvent } from "./organization.js"
import type { StateSnapshot } from "./records.js"
import { budgetOrderConflict } from "./records.js"

/** The state a replay tracks, by workspace id. */
export interface Replayed {
  readonly slugs: Map<string, string>
  readonly members: Map<string, Set<string>>
  readonly budgets: Map<string, Map<BudgetInterval, number>>
}

/** Whether budgets keep the API's rule, as the emulator enforces it on each write (`budgetOrderConflict`). */
export const budgetsOrdered = (budgets: ReadonlyMap<BudgetInterval, number>): boolean => {
  const present = Array.from(budgets, ([interval, limitUsd]) => ({ interval, limitUsd }))
  return present.every(({ interval, limitUsd }) => budgetOrderConflict(interval, limitUsd, present) === undefined)
}

const explicitCounts = (state: Replayed) => {
  const counts = new Map<string, number>()
  for (const members of state.members.values()) for (const id of members) counts.set(id, (counts.get(id) ?? 0) + 1)
  return counts
}

/**
 * Replays `events` over `snapshot`, checking after every event what must hold at every moment: no
 * two workspaces with one slug, no member added twice or removed while absent, budgets in order;
 * and, over the whole run, that nobody who has an explicit membership before and after was ever in
 * none (a move that removed before it added). `check` adds its own rule.
 */
export const replay = (
  snapshot: StateSnapshot,
  events: ReadonlyArray<HistoryEvent>,
  check: (state: Replayed) => string | undefined = () => undefined
): { readonly broken: ReadonlyArray<string>; readonly state: Replayed } => {
  const state: Replayed = { slugs: new Map(), members: new Map(), budgets: new Map() }
  for (const workspace of snapshot.workspaces) {
    state.slugs.set(workspace.id, workspace.slug)
    state.members.set(workspace.id, new Set())
    state.budgets.set(workspace.id, new Map())
  }
  for (const membership of snapshot.memberships) state.members.get(membership.workspaceId)?.add(membership.userId)
  for (const budget of snapshot.budgets) state.budgets.get(budget.workspaceId)?.set(budget.interval, budget.limitUsd)
  const broken: Array<string> = []
  const counts = explicitCounts(state)
  const placedAtStart = new Set(counts.keys())
  /** Users placed at the start, and the first event that left them in no workspace. */
  const inNone = new Map<string, number>()
  const leave = (userId: string, seq: number) => {
    const left = (counts.get(userId) ?? 0) - 1
    counts.set(userId, left)
    if (left === 0 && placedAtStart.has(userId) && !inNone.has(userId)) inNone.set(userId, seq)
  }
  for (const event of events) {
    switch (event.type) {
      case "workspaceCreated":
        if (Array.from(state.slugs.values()).includes(event.workspace.slug)) {
          broken.push(`#${event.seq}: a second workspace with slug ${event.workspace.slug}`)
        }
        state.slugs.set(event.workspace.id, event.workspace.slug)
        state.members.set(event.workspace.id, new Set())
        state.budgets.set(event.workspace.id, new Map())
        break
      case "workspaceUpdated":
        state.slugs.set(event.workspaceId, event.workspace.slug)
        break
      case "workspaceDeleted":
        for (const userId of state.members.get(event.workspaceId) ?? []) leave(userId, event.seq)
        state.slugs.delete(event.workspaceId)
        state.members.delete(event.workspaceId)
        state.budgets.delete(event.workspaceId)
        break
      case "memberAdded": {
        const members = state.members.get(event.workspaceId)
        if (members === undefined) break
        if (members.has(event.userId)) broken.push(`#${event.seq}: ${event.userId} added twice`)
        members.add(event.userId)
        counts.set(event.userId, (counts.get(event.userId) ?? 0) + 1)
        break
      }
      case "memberRemoved":
        if (state.members.get(event.workspaceId)?.delete(event.userId) !== true) {
          broken.push(`#${event.seq}: ${event.userId} removed while not a member`)
        } else leave(event.userId, event.seq)
        break
      case "budgetSet":
        state.budgets.get(event.workspaceId)?.set(event.interval, event.limitUsd)
        break
      case "budgetDeleted":
        state.budgets.get(event.workspaceId)?.delete(event.interval)
        break
      default:
        break
    }
    if ("workspaceId" in event || event.type === "workspaceCreated") {
      const id = event.type === "workspaceCreated" ? event.workspace.id : event.workspaceId
      const budgets = state.budgets.get(id)
      if (budgets !== undefined && !budgetsOrdered(budgets)) {
        broken.push(`#${event.seq}: budgets of ${state.slugs.get(id)} out of order`)
      }
    }
    const problem = check(state)
    if (problem !== undefined) broken.push(`#${event.seq}: ${problem}`)
  }
  for (const [userId, seq] of inNone) {
    if ((counts.get(userId) ?? 0) > 0) broken.push(`#${seq}: ${userId} was in no workspace while moving`)
  }
  return { broken, state }
}
