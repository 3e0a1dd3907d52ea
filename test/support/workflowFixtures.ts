/**
 * Test support for the workflow tests: an organization seed, request counting, and a replay of the
 * emulator's history that checks the invariants at every change, not only at the end.
 */
import { layer } from "@effect/vitest"
import { Effect } from "effect"
import { Emulator } from "../../emulator/index.js"
import { RetryPolicy } from "../../src/index.js"
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
 * Replays the history since `from` with `Emulator.replayHistory`, calling `check` after every event,
 * and returns the broken invariants, the final state and the events replayed.
 */
export const replay = (
  from: { readonly snapshot: Emulator.StateSnapshot; readonly seen: number },
  check?: (state: Emulator.Replayed) => string | undefined
) =>
  Effect.gen(function* () {
    const emulator = yield* Emulator.Emulator
    const events = (yield* emulator.history).slice(from.seen)
    return { ...Emulator.replayHistory(from.snapshot, events, check), events }
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
