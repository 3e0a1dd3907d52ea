/**
 * Test support for the workflow tests: an organization seed, request counting, and a replay of the
 * emulator's history that checks the invariants at every change, not only at the end.
 */
import { layer } from "@effect/vitest"
import { Effect } from "effect"
import { Emulator } from "../../emulator/index.js"
import { RetryPolicy } from "../../src/index.js"
import { budgetIntervals, type BudgetInterval } from "../../src/Model.js"
import { emulatorWithClient } from "./layers.js"

export const userId = (i: number) => `u${String(i).padStart(4, "0")}`

/** `count` users from `from` on: u0000, u0001, ... */
export const users = (from: number, count: number) => Array.from({ length: count }, (_, i) => userId(from + i))

/** 6,000 organization members plus the given SCIM-managed ones; the workspaces and keys as given. */
export const seed = (options: {
  readonly workspaces?: Emulator.Seed["workspaces"]
  readonly apiKeys?: Emulator.Seed["apiKeys"]
  readonly scim?: ReadonlyArray<string>
}): Emulator.Seed => ({
  users: [
    { id: "admin", role: "admin" },
    ...users(0, 6000).map((id) => ({
      id,
      role: "member" as const,
      ...(options.scim?.includes(id) ? { scim: true } : {})
    }))
  ],
  workspaces: options.workspaces ?? [],
  apiKeys: options.apiKeys ?? []
})

/** The requests the emulator answered for each operation since the log was cleared. */
export const requestCounts = Effect.gen(function* () {
  const emulator = yield* Emulator.Emulator
  const counts: Record<string, number> = {}
  for (const request of yield* emulator.requests) {
    const operation = request.operation ?? "unrouted"
    counts[operation] = (counts[operation] ?? 0) + 1
  }
  return counts
})

export const clearLog = Effect.flatMap(Emulator.Emulator, (emulator) =>
  Effect.zipRight(emulator.setFaults([]), emulator.clearRequests)
)

/** 10 % 5xx, 5 % 429 with a 5 ms `retry-after-ms`, three connection resets and two lost responses. */
export const flakyNetwork: ReadonlyArray<Emulator.FaultRule> = [
  { kind: "reset", times: 3 },
  { kind: "lostResponse", sequence: [false, false, false, true, false, false, false, false, false, true] },
  { kind: "status", status: 429, retryAfter: null, retryAfterMs: 5, rate: 0.05 },
  { kind: "status", status: 503, rate: 0.05 },
  { kind: "status", status: 500, rate: 0.05 }
]

export const setFaults = (rules: ReadonlyArray<Emulator.FaultRule>) =>
  Effect.flatMap(Emulator.Emulator, (emulator) => emulator.setFaults(rules, { seed: 7 }))

/** The state the replay tracks, by workspace id. */
export interface Replayed {
  readonly slugs: Map<string, string>
  readonly members: Map<string, Set<string>>
  readonly budgets: Map<string, Map<BudgetInterval, number>>
}

/** Whether the budgets keep lifetime > monthly > weekly > daily. */
export const budgetsOrdered = (budgets: ReadonlyMap<BudgetInterval, number>) => {
  const limits = budgetIntervals.flatMap((interval) => {
    const limit = budgets.get(interval)
    return limit === undefined ? [] : [limit]
  })
  return limits.every((limit, i) => i === 0 || limit < limits[i - 1]!)
}

/**
 * Marks the point from which `replay` starts: the state now, and the history seen so far.
 */
export const checkpoint = Effect.gen(function* () {
  const emulator = yield* Emulator.Emulator
  const snapshot = yield* emulator.snapshot
  const seen = (yield* emulator.history).length
  return { snapshot, seen }
})

/**
 * Replays the history since `from`, calling `check` after every event, and returns the broken
 * invariants (budget order after every change, plus whatever `check` reports) and the final state.
 */
export const replay = (
  from: { readonly snapshot: Emulator.StateSnapshot; readonly seen: number },
  check: (state: Replayed) => string | undefined = () => undefined
) =>
  Effect.gen(function* () {
    const emulator = yield* Emulator.Emulator
    const events = (yield* emulator.history).slice(from.seen)
    const state: Replayed = { slugs: new Map(), members: new Map(), budgets: new Map() }
    for (const workspace of from.snapshot.workspaces) {
      state.slugs.set(workspace.id, workspace.slug)
      state.members.set(workspace.id, new Set())
      state.budgets.set(workspace.id, new Map())
    }
    for (const membership of from.snapshot.memberships)
      state.members.get(membership.workspaceId)!.add(membership.userId)
    for (const budget of from.snapshot.budgets)
      state.budgets.get(budget.workspaceId)!.set(budget.interval, budget.limitUsd)
    const broken: Array<string> = []
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
        case "workspaceDeleted":
          state.slugs.delete(event.workspaceId)
          state.members.delete(event.workspaceId)
          state.budgets.delete(event.workspaceId)
          break
        case "memberAdded": {
          const members = state.members.get(event.workspaceId)!
          if (members.has(event.userId)) broken.push(`#${event.seq}: ${event.userId} added twice`)
          members.add(event.userId)
          break
        }
        case "memberRemoved":
          if (!state.members.get(event.workspaceId)!.delete(event.userId)) {
            broken.push(`#${event.seq}: ${event.userId} removed while not a member`)
          }
          break
        case "budgetSet":
          state.budgets.get(event.workspaceId)!.set(event.interval, event.limitUsd)
          break
        case "budgetDeleted":
          state.budgets.get(event.workspaceId)!.delete(event.interval)
          break
        default:
          break
      }
      for (const [workspace, budgets] of state.budgets) {
        if (!budgetsOrdered(budgets))
          broken.push(`#${event.seq}: budgets of ${state.slugs.get(workspace)} out of order`)
      }
      const problem = check(state)
      if (problem !== undefined) broken.push(`#${event.seq}: ${problem}`)
    }
    return { broken, state, events }
  })

/** The explicit members of a workspace (by slug) in the emulator now, sorted. */
export const membersOf = (slug: string) =>
  Effect.gen(function* () {
    const snapshot = yield* Effect.flatMap(Emulator.Emulator, (emulator) => emulator.snapshot)
    const workspace = snapshot.workspaces.find((_) => _.slug === slug)
    if (workspace === undefined) return undefined
    return snapshot.memberships
      .filter((_) => _.workspaceId === workspace.id)
      .map((_) => _.userId)
      .sort()
  })

/** The budgets of a workspace (by slug) in the emulator now. */
export const budgetsOf = (slug: string) =>
  Effect.gen(function* () {
    const snapshot = yield* Effect.flatMap(Emulator.Emulator, (emulator) => emulator.snapshot)
    const workspace = snapshot.workspaces.find((_) => _.slug === slug)!
    return Object.fromEntries(
      snapshot.budgets.filter((_) => _.workspaceId === workspace.id).map((_) => [_.interval, _.limitUsd])
    )
  })

/** How many requests since the log was cleared had a fault injected. */
export const faultedRequests = Effect.map(
  Effect.flatMap(Emulator.Emulator, (emulator) => emulator.requests),
  (requests) => requests.filter((request) => request.fault !== undefined).length
)

/** Enough retries that the injected faults never exhaust them. */
export const retry = RetryPolicy.make({ baseDelay: "5 millis", maxDelay: "50 millis", maxRetries: 10 })

/** An emulator seeded with `seed(options)` and a client on it, on the real clock. */
export const organization = (options: Parameters<typeof seed>[0]) =>
  layer(emulatorWithClient({ seed: seed(options) }, { retry }), { excludeTestServices: true })
