import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { Emulator } from "../emulator/index.js"
import { Workflows, Workspaces, WorkspacesError } from "../src/index.js"
import { budgetSteps } from "../src/internal/budgets.js"
import { settingsOf } from "../src/internal/workspaceSpec.js"
import { budgetIntervals, type Workspace, type WorkspaceMember } from "../src/Model.js"
import {
  budgetsOf,
  checkpoint,
  clearLog,
  faultedRequests,
  flakyNetwork,
  membersOf,
  organization,
  replay,
  requestCounts,
  setFaults,
  users
} from "./support/workflowFixtures.js"

const requestsOf = (operation: string) =>
  Effect.map(
    Effect.flatMap(Emulator.Emulator, (_) => _.requests),
    (requests) => requests.filter((_) => _.operation === operation)
  )

const sorted = (ids: ReadonlyArray<string>) => [...ids].sort()

describe("ensureWorkspace", () => {
  organization({})((it) => {
    it.effect("creates, then sends nothing, then patches only the fields that differ", () =>
      Effect.gen(function* () {
        yield* clearLog
        const spec = { slug: "research", name: "Research", description: "ML", defaultTextModel: "openai/gpt-4o" }
        const created = yield* Workflows.ensureWorkspace(spec)
        assert.strictEqual(created.outcome, "created")
        assert.deepStrictEqual(created.changed, ["name", "description", "defaultTextModel"])
        assert.strictEqual(created.workspace.defaultTextModel, "openai/gpt-4o")

        const again = yield* Workflows.ensureWorkspace(spec)
        assert.strictEqual(again.outcome, "unchanged")
        assert.deepStrictEqual(again.changed, [])
        assert.deepStrictEqual(yield* requestCounts, { get: 2, create: 1 })

        const updated = yield* Workflows.ensureWorkspace({
          ...spec,
          description: null,
          isDataDiscountLoggingEnabled: false
        })
        assert.strictEqual(updated.outcome, "updated")
        assert.deepStrictEqual(updated.changed, ["description", "isDataDiscountLoggingEnabled"])
        const [patch] = yield* requestsOf("update")
        assert.deepStrictEqual(patch!.body, { description: null, is_data_discount_logging_enabled: false })

        const partial = yield* Workflows.ensureWorkspace({ slug: "research", name: "Research" })
        assert.strictEqual(partial.outcome, "unchanged", "omitted settings are left alone")
        assert.strictEqual(partial.workspace.defaultTextModel, "openai/gpt-4o")
      })
    )

    it.effect("two racing runs create one workspace: the loser reads it back", () =>
      Effect.gen(function* () {
        yield* clearLog
        const start = yield* checkpoint
        // both lookups answer 404 before either creation is processed
        yield* setFaults([{ kind: "latency", ms: 50, operations: ["create"] }])
        const spec = { slug: "raced", name: "Raced", defaultProviderSort: "price" }
        const reports = yield* Effect.all([Workflows.ensureWorkspace(spec), Workflows.ensureWorkspace(spec)], {
          concurrency: 2
        })
        assert.deepStrictEqual(sorted(reports.map((_) => _.outcome)), ["created", "unchanged"])
        assert.strictEqual(reports[0].workspace.id, reports[1].workspace.id)
        assert.deepStrictEqual(sorted((yield* requestsOf("create")).map((_) => String(_.status))), ["201", "400"])
        const { broken, events } = yield* replay(start)
        assert.deepStrictEqual(broken, [])
        assert.strictEqual(events.filter((_) => _.type === "workspaceCreated").length, 1)
      })
    )

    it.effect("converges under faults, one workspace per slug", () =>
      Effect.gen(function* () {
        yield* clearLog
        const start = yield* checkpoint
        yield* setFaults(flakyNetwork)
        const specs = Array.from({ length: 12 }, (_, i) => ({
          slug: `flaky-${i}`,
          name: `Flaky ${i}`,
          description: "x"
        }))
        yield* Effect.forEach(specs, Workflows.ensureWorkspace, { concurrency: 4 })
        const renamed = specs.map((spec) => ({ ...spec, name: `${spec.name}!` }))
        const second = yield* Effect.forEach(renamed, Workflows.ensureWorkspace, { concurrency: 4 })
        assert.isTrue(second.every((_) => _.outcome === "updated"))
        yield* setFaults([])
        assert.isAbove(yield* faultedRequests, 0)
        const third = yield* Effect.forEach(renamed, Workflows.ensureWorkspace, { concurrency: 4 })
        assert.isTrue(third.every((_) => _.outcome === "unchanged"))
        const { broken, events } = yield* replay(start)
        assert.deepStrictEqual(broken, [])
        assert.strictEqual(events.filter((_) => _.type === "workspaceCreated").length, 12)
      })
    )
  })
})

describe("syncMembers", () => {
  organization({
    workspaces: [
      { slug: "big", name: "Big" },
      { slug: "team", name: "Team", members: users(0, 300) },
      { slug: "locked", name: "Locked", members: users(5000, 150) },
      { slug: "churn", name: "Churn", members: users(2000, 400) },
      { slug: "paged", name: "Paged", members: users(3000, 600) }
    ],
    scim: ["u5005", "u5010"],
    apiKeys: [
      { userId: "u5020", workspace: "locked" },
      { userId: "u5030", workspace: "locked" },
      { userId: "u5040", workspace: "locked", disabled: true }
    ]
  })((it) => {
    it.effect("5,000 users: 50 bulk adds after one page; back to 1,000: 40 bulk removes after 50 pages", () =>
      Effect.gen(function* () {
        yield* clearLog
        const added = yield* Workflows.syncMembers({ workspace: "big", userIds: users(0, 5000) })
        assert.strictEqual(added.added.length, 5000)
        assert.deepStrictEqual([added.removed, added.failed, added.unchanged], [[], [], 0])
        assert.deepStrictEqual(yield* requestCounts, { listMembers: 1, bulkAddMembers: 50 })
        assert.deepStrictEqual(yield* membersOf("big"), users(0, 5000))

        yield* clearLog
        const removed = yield* Workflows.syncMembers({ workspace: "big", userIds: users(0, 1000) })
        assert.strictEqual(removed.removed.length, 4000)
        assert.deepStrictEqual([removed.added, removed.failed, removed.unchanged], [[], [], 1000])
        assert.deepStrictEqual(yield* requestCounts, { listMembers: 50, bulkRemoveMembers: 40 })
        assert.deepStrictEqual(yield* membersOf("big"), users(0, 1000))
        assert.isTrue((yield* requestsOf("listMembers")).every((_) => _.query["limit"] === "100"))
      })
    )

    it.effect(
      "its concurrency bounds the pages read as it bounds the bulk calls (the emulator's in-flight count)",
      () =>
        Effect.gen(function* () {
          let desired = users(3000, 600)
          for (const concurrency of [1, 3]) {
            yield* clearLog
            // every call is held long enough for the client to send all it may send at once
            yield* setFaults([{ kind: "latency", ms: 100, operations: ["listMembers", "bulkAddMembers"] }])
            desired = [...desired, ...users(3600 + concurrency * 500, 500)]
            const report = yield* Workflows.syncMembers({ workspace: "paged", userIds: desired, concurrency })
            yield* setFaults([])
            assert.strictEqual(report.added.length, 500)
            const reads = yield* requestsOf("listMembers")
            const writes = yield* requestsOf("bulkAddMembers")
            assert.strictEqual(reads.length, Math.ceil((desired.length - 500) / 100))
            assert.strictEqual(writes.length, 5)
            // the first page alone tells the total; the rest go `concurrency` at a time
            assert.strictEqual(reads[0]!.inFlight, 1)
            assert.strictEqual(Math.max(...reads.map((_) => _.inFlight)), concurrency, `reads at ${concurrency}`)
            assert.strictEqual(Math.max(...writes.map((_) => _.inFlight)), concurrency, `writes at ${concurrency}`)
            // every read was answered before the first write arrived
            assert.isTrue(reads.every((read) => read.seq < writes[0]!.seq))
            assert.strictEqual(writes[0]!.inFlight, 1)
          }
        })
    )

    it.effect("prune: false only adds", () =>
      Effect.gen(function* () {
        const report = yield* Workflows.syncMembers({ workspace: "team", userIds: users(250, 100), prune: false })
        assert.deepStrictEqual(report.added, users(300, 50))
        assert.deepStrictEqual([report.removed, report.unchanged], [[], 50])
        assert.deepStrictEqual(yield* membersOf("team"), users(0, 350))
      })
    )

    it.effect("members who cannot be removed are reported; the rest of their batch goes through", () =>
      Effect.gen(function* () {
        yield* clearLog
        const report = yield* Workflows.syncMembers({ workspace: "locked", userIds: [] })
        assert.strictEqual(report.removed.length, 146)
        assert.deepStrictEqual(
          report.failed.map((_) => [_.userId, _.operation]),
          [
            ["u5005", "remove"],
            ["u5010", "remove"],
            ["u5020", "remove"],
            ["u5030", "remove"]
          ]
        )
        assert.match(report.failed[0]!.reason, /SCIM/)
        assert.match(report.failed[2]!.reason, /active API keys/)
        assert.deepStrictEqual(yield* membersOf("locked"), ["u5005", "u5010", "u5020", "u5030"])
        // the first batch: refused for SCIM, refused for keys, then sent without the four; the second batch
        assert.deepStrictEqual(yield* requestCounts, { listMembers: 2, bulkRemoveMembers: 4 })
      })
    )

    it.effect("users outside the organization are reported on add", () =>
      Effect.gen(function* () {
        const report = yield* Workflows.syncMembers({ workspace: "team", userIds: ["u0001", "nobody"], prune: false })
        assert.deepStrictEqual(report.added, [])
        assert.strictEqual(report.unchanged, 1)
        assert.deepStrictEqual(
          report.failed.map((_) => [_.userId, _.operation]),
          [["nobody", "add"]]
        )
      })
    )

    it.effect("the default workspace is refused, by slug without a call, by id after one read", () =>
      Effect.gen(function* () {
        yield* clearLog
        const bySlug = yield* Effect.flip(Workflows.syncMembers({ workspace: "default", userIds: ["u0001"] }))
        assert.strictEqual(bySlug._tag, "DefaultWorkspaceError")
        assert.match(bySlug.message, /implicit/)
        assert.deepStrictEqual(yield* requestCounts, {})
        const snapshot = yield* Effect.flatMap(Emulator.Emulator, (_) => _.snapshot)
        const id = snapshot.workspaces.find((_) => _.slug === "default")!.id
        const byId = yield* Effect.flip(Workflows.syncMembers({ workspace: id, userIds: [] }))
        assert.strictEqual(byId._tag, "DefaultWorkspaceError")
        assert.deepStrictEqual(yield* requestCounts, { get: 1 })
      })
    )

    it.effect("converges under faults: nobody added twice or lost", () =>
      Effect.gen(function* () {
        yield* clearLog
        const start = yield* checkpoint
        yield* setFaults(flakyNetwork)
        const desired = users(2200, 400)
        const report = yield* Workflows.syncMembers({ workspace: "churn", userIds: desired, concurrency: 8 })
        yield* setFaults([])
        assert.isAbove(yield* faultedRequests, 0)
        assert.deepStrictEqual([report.added.length, report.removed.length, report.failed], [200, 200, []])
        assert.deepStrictEqual(yield* membersOf("churn"), desired)
        const { broken } = yield* replay(start)
        assert.deepStrictEqual(broken, [])
      })
    )
  })

  it.effect("a refusal that names nobody is narrowed down by halving the batch", () =>
    Effect.gen(function* () {
      const members = users(0, 100)
      const blocked = new Set(["u0037"])
      const sent: Array<number> = []
      const member = (userId: string) => ({ userId }) as WorkspaceMember
      const fake = {
        get: () => Effect.die("unused"),
        streamMembers: () => Stream.fromIterable(members.map(member)),
        bulkRemoveMembers: ({ userIds }: { readonly userIds: ReadonlyArray<string> }) => {
          sent.push(userIds.length)
          return userIds.some((id) => blocked.has(id))
            ? Effect.fail(
                new WorkspacesError.BadRequestResponseError({
                  operation: "Workspaces.bulkRemoveMembers",
                  status: 400,
                  detail: "some members cannot be removed"
                })
              )
            : Effect.succeed({ removedCount: userIds.length })
        }
      } as unknown as Workspaces.Service
      const report = yield* Workflows.syncMembers({ workspace: "team", userIds: [] }).pipe(
        Effect.provide(Layer.succeed(Workspaces.Workspaces, fake))
      )
      assert.strictEqual(report.removed.length, 99)
      assert.deepStrictEqual(report.failed, [
        { userId: "u0037", operation: "remove", reason: "some members cannot be removed" }
      ])
      // at most one refused and one accepted call per halving
      assert.isAtMost(sent.length, 2 * Math.ceil(Math.log2(100)) + 1)
    })
  )
  it.effect("a refusal of the whole batch costs a few calls, not one per user", () =>
    Effect.gen(function* () {
      const addAll = (metadata?: Record<string, unknown>) => {
        const sent: Array<number> = []
        const fake = {
          get: () => Effect.die("unused"),
          streamMembers: () => Stream.empty,
          bulkAddMembers: ({ userIds }: { readonly userIds: ReadonlyArray<string> }) => {
            sent.push(userIds.length)
            return Effect.fail(
              new WorkspacesError.BadRequestResponseError({
                operation: "Workspaces.bulkAddMembers",
                status: 400,
                detail: "members cannot be added here",
                ...(metadata === undefined ? {} : { metadata })
              })
            )
          }
        } as unknown as Workspaces.Service
        return Workflows.syncMembers({ workspace: "team", userIds: users(0, 250) }).pipe(
          Effect.provide(Layer.succeed(Workspaces.Workspaces, fake)),
          Effect.map((report) => ({ report, sent }))
        )
      }
      const everyoneFailed = (report: Workflows.SyncMembersReport) => {
        assert.deepStrictEqual(report.added, [])
        assert.deepStrictEqual(sorted(report.failed.map((_) => _.userId)), users(0, 250))
        assert.isTrue(report.failed.every((_) => _.operation === "add" && _.reason === "members cannot be added here"))
      }

      // names nobody, gives no reason: each batch, then its two halves, refused alike
      const unnamed = yield* addAll()
      everyoneFailed(unnamed.report)
      assert.isAtMost(unnamed.sent.length, 10)
      // names nobody, states why for the whole call: one call per batch
      const stated = yield* addAll({ reason: "default_workspace" })
      everyoneFailed(stated.report)
      assert.deepStrictEqual(sorted(stated.sent.map(String)), ["100", "100", "50"])
    })
  )
})

describe("moveMembers", () => {
  organization({
    workspaces: [
      { slug: "origin", name: "Origin", members: users(3000, 250) },
      { slug: "target", name: "Target" },
      { slug: "flaky-origin", name: "Flaky origin", members: users(3300, 300) },
      { slug: "flaky-target", name: "Flaky target", members: users(3350, 20) }
    ],
    scim: ["u3001", "u3301"],
    apiKeys: [
      { userId: "u3002", workspace: "origin" },
      { userId: "u3302", workspace: "flaky-origin" }
    ]
  })((it) => {
    it.effect("adds before it removes: blocked users end in both, the others move, in 3 + 5 bulk calls", () =>
      Effect.gen(function* () {
        yield* clearLog
        const start = yield* checkpoint
        const original = users(3000, 250)
        const report = yield* Workflows.moveMembers({ from: "origin", to: "target" })
        assert.strictEqual(report.moved.length, 248)
        assert.deepStrictEqual(
          report.failed.map((_) => [_.userId, _.operation]),
          [
            ["u3001", "remove"],
            ["u3002", "remove"]
          ]
        )
        assert.deepStrictEqual(yield* membersOf("origin"), ["u3001", "u3002"])
        assert.deepStrictEqual(yield* membersOf("target"), original)
        assert.deepStrictEqual(yield* requestCounts, { listMembers: 3, bulkAddMembers: 3, bulkRemoveMembers: 5 })
        const { broken } = yield* replay(start)
        assert.deepStrictEqual(broken, [])
      })
    )

    it.effect("a user whose add fails is never removed; listed non-members are reported", () =>
      Effect.gen(function* () {
        const emulator = yield* Emulator.Emulator
        yield* emulator.mutate((state) => state.users.delete("u3101"))
        const report = yield* Workflows.moveMembers({
          from: "target",
          to: "origin",
          userIds: ["u3100", "u3101", "u9999"]
        })
        assert.deepStrictEqual(report.moved, ["u3100"])
        assert.deepStrictEqual(
          report.failed.map((_) => [_.userId, _.operation]),
          [["u3101", "add"]]
        )
        assert.deepStrictEqual(report.notMembers, ["u9999"])
        assert.isTrue((yield* membersOf("target"))?.includes("u3101"))
      })
    )

    it.effect("refuses the default workspace and a move onto itself, without a call", () =>
      Effect.gen(function* () {
        yield* clearLog
        const fromDefault = yield* Effect.flip(Workflows.moveMembers({ from: "default", to: "target" }))
        assert.strictEqual(fromDefault._tag, "DefaultWorkspaceError")
        const toDefault = yield* Effect.flip(Workflows.moveMembers({ from: "target", to: "default" }))
        assert.strictEqual(toDefault._tag, "DefaultWorkspaceError")
        const itself = yield* Effect.flip(Workflows.moveMembers({ from: "target", to: "target" }))
        assert.strictEqual(itself._tag, "InvalidRequestError")
        assert.deepStrictEqual(yield* requestCounts, {})
      })
    )

    it.effect("under faults, every user is in one of the two workspaces at every moment", () =>
      Effect.gen(function* () {
        yield* clearLog
        const start = yield* checkpoint
        const moving = users(3300, 300)
        const ids = new Map(start.snapshot.workspaces.map((_) => [_.slug, _.id]))
        yield* setFaults(flakyNetwork)
        const report = yield* Workflows.moveMembers({ from: "flaky-origin", to: "flaky-target", concurrency: 8 })
        yield* setFaults([])
        assert.isAbove(yield* faultedRequests, 0)
        const { broken } = yield* replay(start, (state) => {
          const from = state.members.get(ids.get("flaky-origin")!)!
          const to = state.members.get(ids.get("flaky-target")!)!
          const lost = moving.filter((id) => !from.has(id) && !to.has(id))
          return lost.length === 0 ? undefined : `in neither workspace: ${lost.join(", ")}`
        })
        assert.deepStrictEqual(broken, [])
        assert.strictEqual(report.moved.length, 298)
        assert.deepStrictEqual(yield* membersOf("flaky-origin"), ["u3301", "u3302"])
        assert.deepStrictEqual(yield* membersOf("flaky-target"), moving)
      })
    )
  })
})

describe("setBudgets", () => {
  organization({
    workspaces: [
      { slug: "b1", name: "B1", budgets: { monthly: 500, weekly: 100, daily: 20 } },
      { slug: "b2", name: "B2" },
      { slug: "b3", name: "B3", budgets: { lifetime: 10_000, monthly: 1000, weekly: 300, daily: 50 } }
    ]
  })((it) => {
    it.effect("refuses out-of-order limits before any call, and an out-of-order result after one read", () =>
      Effect.gen(function* () {
        yield* clearLog
        const given = yield* Effect.flip(Workflows.setBudgets({ workspace: "b1", budgets: { weekly: 50, daily: 60 } }))
        assert.strictEqual(given._tag, "BudgetRuleError")
        assert.match(given.message, /daily \(60\) must be less than weekly \(50\)/)
        assert.deepStrictEqual(yield* requestCounts, {})
        const merged = yield* Effect.flip(Workflows.setBudgets({ workspace: "b1", budgets: { daily: 200 } }))
        assert.strictEqual(merged._tag, "BudgetRuleError")
        assert.match(merged.message, /daily \(200\) must be less than weekly \(100\)/)
        const invalid = yield* Effect.flip(Workflows.setBudgets({ workspace: "b1", budgets: { daily: -1 } }))
        assert.strictEqual(invalid._tag, "InvalidRequestError")
        assert.deepStrictEqual(yield* requestCounts, { listBudgets: 1 })
      })
    )

    it.effect("orders raises, lowerings and swaps so that every intermediate state is valid", () =>
      Effect.gen(function* () {
        const start = yield* checkpoint
        const raised = yield* Workflows.setBudgets({
          workspace: "b1",
          budgets: { monthly: 5000, weekly: 1000, daily: 200 }
        })
        assert.deepStrictEqual(
          raised.set.map((_) => _.interval),
          ["monthly", "weekly", "daily"]
        )
        const lowered = yield* Workflows.setBudgets({ workspace: "b1", budgets: { monthly: 50, weekly: 10, daily: 2 } })
        assert.deepStrictEqual(
          lowered.set.map((_) => _.interval),
          ["daily", "weekly", "monthly"]
        )
        const swapped = yield* Workflows.setBudgets({
          workspace: "b1",
          budgets: { lifetime: 1000, monthly: 300, weekly: null, daily: 200 }
        })
        assert.deepStrictEqual(
          swapped.deleted.map((_) => _.interval),
          ["weekly"]
        )
        assert.deepStrictEqual(
          swapped.set.map((_) => [_.interval, _.previous, _.limitUsd]),
          [
            ["lifetime", null, 1000],
            ["monthly", 50, 300],
            ["daily", 2, 200]
          ]
        )
        assert.deepStrictEqual(swapped.budgets, { lifetime: 1000, monthly: 300, daily: 200 })
        assert.deepStrictEqual(yield* budgetsOf("b1"), { lifetime: 1000, monthly: 300, daily: 200 })
        const { broken, events } = yield* replay(start)
        assert.deepStrictEqual(broken, [])
        assert.strictEqual(events.length, 10)
      })
    )

    it.effect("sends nothing for budgets already equal", () =>
      Effect.gen(function* () {
        yield* clearLog
        const report = yield* Workflows.setBudgets({ workspace: "b3", budgets: { lifetime: 10_000, daily: 50 } })
        assert.deepStrictEqual([report.set, report.deleted], [[], []])
        assert.deepStrictEqual(report.unchanged, ["lifetime", "daily"])
        assert.deepStrictEqual(yield* requestCounts, { listBudgets: 1 })
      })
    )

    it.effect("includeByokInBudgets travels with the first PUT, or a PUT of an unchanged budget", () =>
      Effect.gen(function* () {
        yield* clearLog
        yield* Workflows.setBudgets({
          workspace: "b2",
          budgets: { monthly: 100, daily: 5 },
          includeByokInBudgets: true
        })
        const puts = yield* requestsOf("setBudget")
        assert.deepStrictEqual(
          puts.map((_) => _.body),
          [{ limit_usd: 100, include_byok_in_budgets: true }, { limit_usd: 5 }]
        )
        const flag = yield* Workflows.setBudgets({ workspace: "b2", budgets: {}, includeByokInBudgets: false })
        assert.deepStrictEqual(
          flag.set.map((_) => [_.interval, _.limitUsd, _.includeByokInBudgets]),
          [["monthly", 100, false]]
        )
        const listed = yield* Effect.flatMap(Workspaces.Workspaces, (_) => _.listBudgets({ id: "b2" }))
        assert.strictEqual(listed.includeByokInBudgets, false)
        yield* clearLog
        const none = yield* Effect.flip(
          Workflows.setBudgets({ workspace: "b2", budgets: { monthly: null, daily: null }, includeByokInBudgets: true })
        )
        assert.strictEqual(none._tag, "BudgetRuleError")
        assert.deepStrictEqual(yield* requestCounts, { listBudgets: 1 })
      })
    )

    it.effect("converges under faults without breaking the order at any moment", () =>
      Effect.gen(function* () {
        yield* clearLog
        const start = yield* checkpoint
        yield* setFaults(flakyNetwork)
        const targets = [
          { lifetime: 20_000, monthly: 5000, weekly: 2000, daily: 400 },
          { lifetime: null, monthly: 60, weekly: 30, daily: 1 },
          { lifetime: 100, monthly: 90, weekly: null, daily: 80 }
        ]
        for (const budgets of targets) yield* Workflows.setBudgets({ workspace: "b3", budgets })
        yield* setFaults([])
        assert.isAbove(yield* faultedRequests, 0)
        assert.deepStrictEqual(yield* budgetsOf("b3"), { lifetime: 100, monthly: 90, daily: 80 })
        const { broken } = yield* replay(start)
        assert.deepStrictEqual(broken, [])
      })
    )
  })

  it("every order it computes keeps every intermediate state valid (all pairs of valid sets)", () => {
    const ordered = (budgets: Workflows.Budgets) => {
      const limits = budgetIntervals.flatMap((interval) => budgets[interval] ?? [])
      return limits.every((limit, i) => i === 0 || limit < limits[i - 1]!)
    }
    // every budget set with limits from 1..5: 126 of the 6^4 assignments are valid
    const sets = budgetIntervals
      .reduce<
        Array<Workflows.Budgets>
      >((partial, interval) => partial.flatMap((budgets) => [budgets, ...[1, 2, 3, 4, 5].map((limit) => ({ ...budgets, [interval]: limit }))]), [{}])
      .filter(ordered)
    assert.strictEqual(sets.length, 126)
    const broken: Array<string> = []
    for (const current of sets) {
      for (const target of sets) {
        const state: Record<string, number> = { ...current }
        for (const step of budgetSteps(current, target).steps) {
          if (step._tag === "DeleteBudget") delete state[step.interval]
          else state[step.interval] = step.limitUsd
          if (!ordered(state)) broken.push(`${JSON.stringify(current)} -> ${JSON.stringify(target)}`)
        }
        for (const interval of budgetIntervals) {
          if (state[interval] !== target[interval]) broken.push(`${JSON.stringify(target)} not reached`)
        }
      }
    }
    assert.deepStrictEqual(broken, [])
  })
})

describe("cloneWorkspace", () => {
  organization({
    workspaces: [
      {
        slug: "source",
        name: "Source",
        description: "the original",
        defaultTextModel: "openai/gpt-4o",
        isDataDiscountLoggingEnabled: false,
        includeByokInBudgets: true,
        members: users(4000, 120),
        budgets: { lifetime: 900, monthly: 90 }
      }
    ]
  })((it) => {
    it.effect("copies settings, members and budgets; a second run sends no change", () =>
      Effect.gen(function* () {
        const report = yield* Workflows.cloneWorkspace({ from: "source", to: { slug: "copy", name: "Copy" } })
        assert.strictEqual(report.workspace.outcome, "created")
        const copy: Workspace = report.workspace.workspace
        assert.deepStrictEqual(
          [copy.name, copy.description, copy.defaultTextModel, copy.isDataDiscountLoggingEnabled],
          ["Copy", "the original", "openai/gpt-4o", false]
        )
        assert.deepStrictEqual(yield* membersOf("copy"), users(4000, 120))
        assert.deepStrictEqual(yield* budgetsOf("copy"), { lifetime: 900, monthly: 90 })
        const listed = yield* Effect.flatMap(Workspaces.Workspaces, (_) => _.listBudgets({ id: "copy" }))
        assert.strictEqual(listed.includeByokInBudgets, true)

        yield* clearLog
        const again = yield* Workflows.cloneWorkspace({ from: "source", to: { slug: "copy", name: "Copy" } })
        assert.strictEqual(again.workspace.outcome, "unchanged")
        assert.deepStrictEqual([again.members?.added, again.members?.removed], [[], []])
        assert.deepStrictEqual([again.budgets?.set, again.budgets?.deleted], [[], []])
        const writes = ["create", "update", "bulkAddMembers", "bulkRemoveMembers", "setBudget", "deleteBudget"]
        const counts = yield* requestCounts
        assert.deepStrictEqual(
          writes.filter((_) => counts[_] !== undefined),
          []
        )
      })
    )

    it.effect("under faults, the clone equals the source and no invariant breaks at any moment", () =>
      Effect.gen(function* () {
        yield* clearLog
        const start = yield* checkpoint
        yield* setFaults(flakyNetwork)
        const report = yield* Workflows.cloneWorkspace({
          from: "source",
          to: { slug: "flaky-copy", name: "Flaky copy" },
          concurrency: 4
        })
        yield* setFaults([])
        assert.isAbove(yield* faultedRequests, 0)
        assert.deepStrictEqual(report.members?.failed, [])
        const service = yield* Workspaces.Workspaces
        const [source, copy] = yield* Effect.all([service.get({ id: "source" }), service.get({ id: "flaky-copy" })])
        assert.strictEqual(copy.name, "Flaky copy")
        assert.deepStrictEqual(settingsOf(copy), settingsOf(source))
        assert.deepStrictEqual(yield* membersOf("flaky-copy"), yield* membersOf("source"))
        assert.deepStrictEqual(yield* budgetsOf("flaky-copy"), yield* budgetsOf("source"))
        const [sourceBudgets, copyBudgets] = yield* Effect.all([
          service.listBudgets({ id: "source" }),
          service.listBudgets({ id: "flaky-copy" })
        ])
        assert.strictEqual(copyBudgets.includeByokInBudgets, sourceBudgets.includeByokInBudgets)
        const { broken, events } = yield* replay(start)
        assert.deepStrictEqual(broken, [])
        assert.strictEqual(events.filter((_) => _.type === "workspaceCreated").length, 1)
      })
    )

    it.effect("the default workspace's members are implicit: cloning them is refused", () =>
      Effect.gen(function* () {
        const refused = yield* Effect.flip(
          Workflows.cloneWorkspace({ from: "default", to: { slug: "d2", name: "D2" } })
        )
        assert.strictEqual(refused._tag, "DefaultWorkspaceError")
        const settingsOnly = yield* Workflows.cloneWorkspace({
          from: "default",
          to: { slug: "d2", name: "D2" },
          members: false
        })
        assert.strictEqual(settingsOnly.workspace.outcome, "created")
        assert.isUndefined(settingsOnly.members)
      })
    )
  })
})

describe("DefaultWorkspace", () => {
  // The emulator's default workspace is `default` and cannot be renamed: the override names the
  // ordinary workspace `main` instead, which shows that the workflows follow the configuration.
  organization({
    workspaces: [
      { slug: "main", name: "Main", members: users(0, 3) },
      { slug: "team", name: "Team", members: users(10, 2) }
    ]
  })((it) => {
    const main = Effect.provideService(Workflows.DefaultWorkspace, { slug: "main" })

    it.effect("is the slug `default` unless provided: exportState leaves its members out", () =>
      Effect.gen(function* () {
        assert.deepStrictEqual(yield* Workflows.DefaultWorkspace, { slug: "default" })
        const exported = yield* Workflows.exportState()
        const bySlug = new Map(exported.workspaces.map((_) => [_.slug, _]))
        assert.isUndefined(bySlug.get("default")!.members)
        assert.deepStrictEqual(bySlug.get("main")!.members, users(0, 3))
      })
    )

    it.effect("provided as a Layer, exportState leaves out the members of the workspace it names", () =>
      Effect.gen(function* () {
        const exported = yield* Workflows.exportState()
        const bySlug = new Map(exported.workspaces.map((_) => [_.slug, _]))
        assert.isUndefined(bySlug.get("main")!.members)
        assert.deepStrictEqual(bySlug.get("team")!.members, users(10, 2))
        // an ordinary workspace under this configuration: the emulator lists every organization member in it
        assert.strictEqual(bySlug.get("default")!.members!.length, 6001)
      }).pipe(Effect.provide(Layer.succeed(Workflows.DefaultWorkspace, { slug: "main" })))
    )

    it.effect("syncMembers, moveMembers and cloneWorkspace refuse its members with no bulk call", () =>
      Effect.gen(function* () {
        yield* clearLog
        const sync = yield* Effect.flip(Workflows.syncMembers({ workspace: "main", userIds: ["u0001"] }))
        assert.strictEqual(sync._tag, "DefaultWorkspaceError")
        assert.match(sync.message, /^Workflows\.syncMembers: "main" is the default workspace/)
        const move = yield* Effect.flip(Workflows.moveMembers({ from: "team", to: "main" }))
        assert.strictEqual(move._tag, "DefaultWorkspaceError")
        const clone = yield* Effect.flip(Workflows.cloneWorkspace({ from: "main", to: { slug: "copy", name: "Copy" } }))
        assert.strictEqual(clone._tag, "DefaultWorkspaceError")
        assert.deepStrictEqual(yield* requestCounts, {})

        const { id } = yield* Effect.flatMap(Workspaces.Workspaces, (_) => _.get({ id: "main" }))
        yield* clearLog
        const byId = yield* Effect.flip(Workflows.syncMembers({ workspace: id, userIds: [] }))
        assert.strictEqual(byId._tag, "DefaultWorkspaceError")
        assert.deepStrictEqual(yield* requestCounts, { get: 1 }, "a UUID is told by one read")
        yield* clearLog
        const byConfiguredId = yield* Effect.flip(
          Workflows.syncMembers({ workspace: id, userIds: [] }).pipe(
            Effect.provideService(Workflows.DefaultWorkspace, { slug: "main", id })
          )
        )
        assert.strictEqual(byConfiguredId._tag, "DefaultWorkspaceError")
        assert.deepStrictEqual(yield* requestCounts, {}, "the configured UUID is told without a call")
        assert.deepStrictEqual(yield* membersOf("main"), users(0, 3))
      }).pipe(main)
    )
  })
})
