import { FetchHttpClient } from "@effect/platform"
import { assert, describe, it, layer } from "@effect/vitest"
import { Chunk, Data, Effect, Fiber, Layer, Schedule, Stream } from "effect"
import { Emulator } from "../emulator/index.js"
import { Manifest, Plan, RetryPolicy, Workflows, Workspaces, WorkspacesError } from "../src/index.js"
import { emulatorWithClient } from "./support/layers.js"
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
  retry,
  seed,
  setFaults,
  users
} from "./support/workflowFixtures.js"

const runApply = (plan: Plan.Plan, options?: Workflows.ApplyOptions) =>
  Effect.map(Stream.runCollect(Workflows.apply(plan, options)), Chunk.toReadonlyArray)

const finished = (events: ReadonlyArray<Plan.ApplyEvent>) => {
  const last = events.at(-1)
  assert.strictEqual(last?._tag, "Finished")
  return (last as Extract<Plan.ApplyEvent, { _tag: "Finished" }>).report
}

const stepsOf = (plan: Plan.Plan) => plan.changes.map((change) => `${change._tag} ${change.workspace}`)

describe("Plan.render", () => {
  it("renders a plan like a terraform plan", () => {
    const plan: Plan.Plan = {
      prune: true,
      changes: [
        Plan.Change.CreateWorkspace({
          workspace: "research",
          name: "Research",
          settings: { description: "Models", defaultTextModel: "openai/gpt-4o" }
        }),
        Plan.Change.SetBudget({
          workspace: "research",
          interval: "monthly",
          limitUsd: 100,
          previous: null,
          includeByokInBudgets: true
        }),
        Plan.Change.AddMembers({ workspace: "research", userIds: ["u1", "u2", "u3"] }),
        Plan.Change.UpdateWorkspace({
          workspace: "engineering",
          changes: [{ field: "name", from: "Eng", to: "Engineering" }]
        }),
        Plan.Change.DeleteBudget({ workspace: "engineering", interval: "daily", previous: 50 }),
        Plan.Change.SetBudget({ workspace: "engineering", interval: "monthly", limitUsd: 800, previous: 1000 }),
        Plan.Change.RemoveMembers({ workspace: "engineering", userIds: users(0, 12) }),
        Plan.Change.DeleteWorkspace({ workspace: "legacy", name: "Legacy" })
      ]
    }
    assert.strictEqual(
      Plan.render(plan),
      `Workspaces plan (prune: removes what the manifest does not list):

+ workspace "research" ("Research")
    + description = "Models"
    + defaultTextModel = "openai/gpt-4o"
    + budget monthly = 100 (includeByokInBudgets -> true)
    + members (3): u1, u2, u3

~ workspace "engineering"
    ~ name: "Eng" -> "Engineering"
    - budget daily = 50
    ~ budget monthly: 1000 -> 800
    - members (12): u0000, u0001, u0002, u0003, u0004, u0005, u0006, u0007, u0008, u0009, ... and 2 more

- workspace "legacy" ("Legacy")

Plan: 5 to add, 2 to change, 14 to destroy.
`
    )
    assert.deepStrictEqual(Plan.summary(plan), { add: 5, change: 2, destroy: 14, blocked: 0 })
    assert.strictEqual(
      Plan.render({ prune: false, changes: [] }),
      "No changes. The organization matches the manifest.\n"
    )
  })
})

const manifest: Manifest.Manifest = {
  workspaces: [
    { slug: "default", name: "Default", budgets: { monthly: 2000 } },
    {
      slug: "engineering",
      name: "Engineering",
      description: "Product engineering",
      budgets: { lifetime: 5000, monthly: 800, weekly: 300 },
      members: users(50, 200)
    },
    {
      slug: "research",
      name: "Research",
      defaultTextModel: "openai/gpt-4o",
      budgets: { monthly: 100, daily: 10 },
      includeByokInBudgets: true,
      members: users(1000, 250)
    }
  ]
}

describe("plan and apply", () => {
  organization({
    workspaces: [
      {
        slug: "engineering",
        name: "Engineering",
        description: "Eng",
        members: users(0, 150),
        budgets: { lifetime: 5000, monthly: 1000, daily: 50 }
      },
      { slug: "legacy", name: "Legacy", members: users(200, 10) }
    ]
  })((it) => {
    it.effect(
      "plans typed changes: budgets in a valid order, members in batches of 100, deletions only with prune",
      () =>
        Effect.gen(function* () {
          const kept = yield* Workflows.plan(manifest)
          assert.deepStrictEqual(stepsOf(kept), [
            "SetBudget default",
            "UpdateWorkspace engineering",
            "SetBudget engineering",
            "SetBudget engineering",
            "AddMembers engineering",
            "CreateWorkspace research",
            "SetBudget research",
            "SetBudget research",
            "AddMembers research",
            "AddMembers research",
            "AddMembers research"
          ])

          const pruned = yield* Workflows.plan(manifest, { prune: true })
          assert.deepStrictEqual(stepsOf(pruned), [
            "SetBudget default",
            "UpdateWorkspace engineering",
            "DeleteBudget engineering",
            "SetBudget engineering",
            "SetBudget engineering",
            "AddMembers engineering",
            "RemoveMembers engineering",
            "CreateWorkspace research",
            "SetBudget research",
            "SetBudget research",
            "AddMembers research",
            "AddMembers research",
            "AddMembers research",
            "DeleteWorkspace legacy"
          ])
          const budgets = pruned.changes.filter((_) => _.workspace === "engineering" && _._tag === "SetBudget")
          assert.deepStrictEqual(
            budgets.map((_) => (_._tag === "SetBudget" ? [_.interval, _.previous, _.limitUsd] : [])),
            [
              ["monthly", 1000, 800],
              ["weekly", null, 300]
            ]
          )
          const research = pruned.changes.filter((_) => _.workspace === "research")
          assert.deepStrictEqual(
            research.map((_) => (_._tag === "AddMembers" ? _.userIds.length : _._tag)),
            ["CreateWorkspace", "SetBudget", "SetBudget", 100, 100, 50]
          )
          assert.strictEqual(research[1]!._tag === "SetBudget" && research[1]!.includeByokInBudgets, true)
          const rendered = Plan.render(pruned)
          assert.include(rendered, `~ workspace "engineering"\n    ~ description: "Eng" -> "Product engineering"`)
          assert.include(rendered, `- workspace "legacy" ("Legacy")`)
          assert.isTrue(rendered.endsWith("Plan: 355 to add, 2 to change, 52 to destroy.\n"))
        })
    )

    it.effect("apply reaches the manifest; planning again is empty; an export plans to nothing", () =>
      Effect.gen(function* () {
        const plan = yield* Workflows.plan(manifest, { prune: true })
        yield* clearLog
        const start = yield* checkpoint
        const events = yield* runApply(plan, { concurrency: 4 })
        assert.deepStrictEqual(events[0], Plan.ApplyEvent.Started({ total: plan.changes.length, blocked: [] }))
        const report = finished(events)
        assert.deepStrictEqual(
          [report.done, report.failed, report.skipped, report.rejected],
          [plan.changes.length, [], [], []]
        )
        assert.strictEqual(events.filter((_) => _._tag === "StepDone").length, plan.changes.length)
        const counts = yield* requestCounts
        assert.deepStrictEqual([counts["bulkAddMembers"], counts["bulkRemoveMembers"], counts["create"]], [4, 1, 1])

        assert.deepStrictEqual(yield* membersOf("research"), users(1000, 250))
        assert.deepStrictEqual(yield* membersOf("engineering"), users(50, 200))
        assert.deepStrictEqual(yield* budgetsOf("engineering"), { lifetime: 5000, monthly: 800, weekly: 300 })
        assert.isUndefined(yield* membersOf("legacy"))
        assert.deepStrictEqual((yield* replay(start)).broken, [])

        assert.isTrue(Plan.isEmpty(yield* Workflows.plan(manifest, { prune: true })))
        const exported = yield* Workflows.exportState()
        assert.isUndefined(exported.workspaces.find((_) => _.slug === "default")?.members)
        assert.deepStrictEqual(
          exported.workspaces.find((_) => _.slug === "research"),
          {
            slug: "research",
            name: "Research",
            description: null,
            defaultTextModel: "openai/gpt-4o",
            defaultImageModel: null,
            defaultProviderSort: null,
            ioLoggingApiKeyIds: null,
            ioLoggingSamplingRate: 1,
            isDataDiscountLoggingEnabled: true,
            isObservabilityBroadcastEnabled: false,
            isObservabilityIoLoggingEnabled: false,
            disabledServerTools: null,
            budgets: { monthly: 100, daily: 10 },
            includeByokInBudgets: true,
            members: users(1000, 250)
          }
        )
        const reparsed = yield* Manifest.parse(yield* Manifest.stringify(exported), "export.yaml")
        assert.isTrue(Plan.isEmpty(yield* Workflows.plan(reparsed, { prune: true })))
      })
    )

    it.effect("a budget that breaks the order with the budgets it keeps fails the plan", () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(
          Workflows.plan({ workspaces: [{ slug: "engineering", name: "Engineering", budgets: { daily: 10_000 } }] })
        )
        assert.strictEqual(error._tag, "BudgetRuleError")
        assert.match(error.message, /daily \(10000\) must be less than weekly \(300\)/)
      })
    )
  })
})

describe("the default workspace", () => {
  // The emulator's default workspace is `default` and cannot be renamed: the override names the
  // ordinary workspace `main` instead, which shows that plan and apply follow the configuration.
  organization({
    workspaces: [
      { slug: "main", name: "Main", members: users(0, 3) },
      { slug: "legacy", name: "Legacy" }
    ]
  })((it) => {
    const main = Effect.provideService(Workflows.DefaultWorkspace, { slug: "main" })

    it.effect("a manifest that lists its members fails the plan with the path and the rule", () =>
      Effect.gen(function* () {
        yield* clearLog
        const listsDefault: Manifest.Manifest = {
          workspaces: [
            { slug: "legacy", name: "Legacy" },
            { slug: "default", name: "Default", members: ["u0001"] }
          ]
        }
        const error = yield* Effect.flip(Workflows.plan(listsDefault))
        assert.strictEqual(error._tag, "ManifestError")
        assert.strictEqual(
          error.message,
          `(manifest): workspaces[1].members: must be omitted: "default" is the default workspace, and every ` +
            `organization member belongs to it (implicit membership)`
        )
        const listsMain: Manifest.Manifest = { workspaces: [{ slug: "main", name: "Main", members: users(0, 3) }] }
        assert.isTrue(Plan.isEmpty(yield* Workflows.plan(listsMain)))
        const overridden = yield* Effect.flip(main(Workflows.plan(listsMain)))
        assert.strictEqual(overridden._tag, "ManifestError")
        assert.deepStrictEqual(overridden._tag === "ManifestError" && overridden.issues.map((_) => _.path), [
          "workspaces[0].members"
        ])
        assert.match(overridden.message, /"main" is the default workspace/)
        const counts = yield* requestCounts
        assert.deepStrictEqual(Object.keys(counts).sort(), ["list", "listMembers"], "nothing but reads")
      })
    )

    it.effect("a pruning plan never deletes it, nor creates it", () =>
      Effect.gen(function* () {
        const onlyLegacy: Manifest.Manifest = { workspaces: [{ slug: "legacy", name: "Legacy" }] }
        assert.deepStrictEqual(stepsOf(yield* Workflows.plan(onlyLegacy, { prune: true })), ["DeleteWorkspace main"])
        // under another DefaultWorkspace, "default" is an ordinary workspace, and its active keys block its deletion
        const underMain = yield* main(Workflows.plan(onlyLegacy, { prune: true }))
        assert.deepStrictEqual(stepsOf(underMain), [])
        assert.deepStrictEqual(
          Plan.blocked(underMain).map((_) => `${_.change._tag} ${_.change.workspace}`),
          ["DeleteWorkspace default"]
        )
        const absent = Effect.provideService(Workflows.DefaultWorkspace, { slug: "absent" })
        const withAbsent: Manifest.Manifest = {
          workspaces: [...onlyLegacy.workspaces, { slug: "absent", name: "Absent" }]
        }
        assert.deepStrictEqual(stepsOf(yield* absent(Workflows.plan(withAbsent))), [])
      })
    )

    it.effect("apply skips a step that deletes it or changes its members, without a call", () =>
      Effect.gen(function* () {
        const handMade: Plan.Plan = {
          prune: true,
          changes: [
            Plan.Change.AddMembers({ workspace: "main", userIds: ["u0010"] }),
            Plan.Change.RemoveMembers({ workspace: "main", userIds: ["u0000"] }),
            Plan.Change.DeleteWorkspace({ workspace: "main", name: "Main" }),
            Plan.Change.UpdateWorkspace({
              workspace: "main",
              changes: [{ field: "description", from: null, to: "The default workspace" }]
            })
          ]
        }
        yield* clearLog
        const report = finished(yield* main(runApply(handMade)))
        assert.deepStrictEqual(
          report.skipped.map((_) => [_.index, _.reason]),
          [
            [0, `"main" is the default workspace, whose membership is implicit`],
            [1, `"main" is the default workspace, whose membership is implicit`],
            [2, `"main" is the default workspace: it is never deleted`]
          ]
        )
        assert.deepStrictEqual([report.done, report.failed], [1, []])
        assert.deepStrictEqual(yield* requestCounts, { update: 1 })
        assert.deepStrictEqual(yield* membersOf("main"), users(0, 3))
      })
    )
  })
})

describe("a plan made by hand", () => {
  organization({
    workspaces: [{ slug: "legacy", name: "Legacy", members: users(0, 3), budgets: { monthly: 50 } }]
  })((it) => {
    it.effect("steps that change a workspace the plan deletes are reported as skipped, not lost", () =>
      Effect.gen(function* () {
        const handMade: Plan.Plan = {
          prune: true,
          changes: [
            Plan.Change.DeleteWorkspace({ workspace: "legacy", name: "Legacy" }),
            Plan.Change.SetBudget({ workspace: "legacy", interval: "daily", limitUsd: 5, previous: null }),
            Plan.Change.AddMembers({ workspace: "legacy", userIds: ["u0010"] })
          ]
        }
        yield* clearLog
        const report = finished(yield* runApply(handMade))
        assert.deepStrictEqual(
          report.skipped.map((_) => [_.index, _.reason]),
          [
            [1, "the plan deletes workspace legacy"],
            [2, "the plan deletes workspace legacy"]
          ]
        )
        assert.deepStrictEqual([report.total, report.done, report.failed], [3, 1, []])
        assert.deepStrictEqual(yield* requestCounts, { delete: 1 })
        assert.isUndefined(yield* membersOf("legacy"))
      })
    )
  })
})

describe("interrupting and resuming", () => {
  const big: Manifest.Manifest = {
    workspaces: [
      { slug: "bulk", name: "Bulk", budgets: { lifetime: 900, monthly: 90, daily: 9 }, members: users(0, 3000) },
      { slug: "alpha", name: "Alpha", budgets: { monthly: 40, weekly: 20 }, members: users(3000, 300) }
    ]
  }

  organization({
    workspaces: [
      { slug: "alpha", name: "Alpha", members: users(3100, 400), budgets: { monthly: 10, weekly: 5, daily: 1 } },
      { slug: "beta", name: "Beta", members: users(3500, 100), budgets: { lifetime: 300, weekly: 30 } }
    ]
  })((it) => {
    it.effect("an interrupted apply stops after the calls in flight; planning and applying again converges", () =>
      Effect.gen(function* () {
        const emulator = yield* Emulator.Emulator
        const plan = yield* Workflows.plan(big, { prune: true })
        // slow bulk calls, so that calls are in flight when the stream is interrupted
        yield* setFaults([{ kind: "latency", ms: 50, operations: ["bulkAddMembers"] }])
        const taken = yield* Stream.runCollect(Workflows.apply(plan, { concurrency: 2 }).pipe(Stream.take(6)))
        assert.strictEqual(Chunk.size(taken), 6)
        const sent = yield* emulator.requests
        assert.isTrue(
          sent.every((_) => _.status !== 0),
          "the calls in flight were answered before the stream ended"
        )
        yield* Effect.sleep("100 millis")
        assert.strictEqual((yield* emulator.requests).length, sent.length, "no call starts after the interruption")
        yield* setFaults([])

        const rest = yield* Workflows.plan(big, { prune: true })
        const remaining = (changes: Plan.Plan) => changes.changes.filter((_) => _._tag === "AddMembers").length
        assert.isBelow(remaining(rest), remaining(plan))
        assert.isAbove(remaining(rest), 0)
        assert.isFalse(rest.changes.some((_) => _._tag === "CreateWorkspace"))
        assert.deepStrictEqual(finished(yield* runApply(rest)).failed, [])
        assert.isTrue(Plan.isEmpty(yield* Workflows.plan(big, { prune: true })))
        assert.deepStrictEqual(yield* membersOf("bulk"), users(0, 3000))
      })
    )

    it.effect("converges under faults, with no budget rule broken and nobody added twice at any moment", () =>
      Effect.gen(function* () {
        const target: Manifest.Manifest = {
          workspaces: [
            {
              slug: "bulk",
              name: "Bulk!",
              budgets: { lifetime: 50, monthly: 40, weekly: 30, daily: 20 },
              members: users(500, 3000)
            },
            {
              slug: "alpha",
              name: "Alpha",
              budgets: { lifetime: 1000, monthly: 500, daily: 100 },
              members: users(2900, 150)
            },
            { slug: "gamma", name: "Gamma", budgets: { weekly: 7 }, members: users(4000, 120) }
          ]
        }
        yield* clearLog
        const start = yield* checkpoint
        yield* setFaults(flakyNetwork)
        const plan = yield* Workflows.plan(target, { prune: true })
        const report = finished(yield* runApply(plan, { concurrency: 6 }))
        yield* setFaults([])
        assert.deepStrictEqual(report.failed, [])
        assert.isAbove(yield* faultedRequests, 0)
        assert.isTrue(Plan.isEmpty(yield* Workflows.plan(target, { prune: true })))
        const { broken } = yield* replay(start)
        assert.deepStrictEqual(broken, [])
        assert.deepStrictEqual(yield* membersOf("bulk"), users(500, 3000))
        assert.deepStrictEqual(yield* budgetsOf("alpha"), { lifetime: 1000, monthly: 500, daily: 100 })
        assert.isUndefined(yield* membersOf("beta"))
      })
    )
  })
})

describe("failed and refused steps", () => {
  organization({
    workspaces: [
      { slug: "keyed", name: "Keyed", members: ["u0300"] },
      { slug: "scimmy", name: "Scimmy", members: ["u0400", "u0401"] },
      { slug: "spare", name: "Spare" }
    ],
    scim: ["u0400"],
    apiKeys: [{ userId: "u0300", workspace: "keyed" }]
  })((it) => {
    it.effect("a refused step is reported, its dependents skipped, refused users listed, the rest done", () =>
      Effect.gen(function* () {
        const desired: Manifest.Manifest = {
          workspaces: [
            { slug: "default", name: "Default" },
            { slug: "scimmy", name: "Scimmy", members: [] },
            { slug: "fresh", name: "Fresh", budgets: { monthly: 5 }, members: ["u0001"] }
          ]
        }
        const plan = yield* Workflows.plan(desired, { prune: true })
        assert.deepStrictEqual(stepsOf(plan), [
          "RemoveMembers scimmy",
          "CreateWorkspace fresh",
          "SetBudget fresh",
          "AddMembers fresh",
          "DeleteWorkspace spare"
        ])
        // keyed holds an active API key: its deletion is blocked, not planned (test/PlanBlocked.test.ts)
        assert.deepStrictEqual(
          Plan.blocked(plan).map((_) => `${_.change._tag} ${_.change.workspace}`),
          ["DeleteWorkspace keyed"]
        )
        // a management key of a member who is not an organization admin may not create or delete
        const emulator = yield* Emulator.Emulator
        const notAdmin = Workspaces.layer({
          apiKey: emulator.keys.memberManagementKey,
          baseUrl: emulator.baseUrl,
          retry
        }).pipe(Layer.provide(FetchHttpClient.layer))
        const events = yield* runApply(plan).pipe(Effect.provide(notAdmin))
        const report = finished(events)
        assert.deepStrictEqual(
          report.failed.map((_) => `${_.step._tag} ${_.error._tag}`),
          ["CreateWorkspace ForbiddenResponseError"]
        )
        // the addition to fresh was skipped: u0001 might be moving out of keyed, which is kept
        assert.deepStrictEqual(
          report.skipped.map((_) => _.step._tag),
          ["SetBudget", "AddMembers", "DeleteWorkspace"]
        )
        assert.match(report.skipped[2]!.reason, /^kept: the addition of 1 user\(s\) to fresh did not go through/)
        assert.deepStrictEqual(
          report.rejected.map((_) => [_.workspace, _.userId, _.operation]),
          [["scimmy", "u0400", "remove"]]
        )
        assert.strictEqual(report.done, 1)

        const again = finished(yield* runApply(yield* Workflows.plan(desired, { prune: true })))
        assert.deepStrictEqual(again.failed, [])
        assert.deepStrictEqual(
          again.blocked.map((_) => `${_.change._tag} ${_.change.workspace}`),
          ["DeleteWorkspace keyed"]
        )
        assert.deepStrictEqual(yield* membersOf("fresh"), ["u0001"])
        assert.deepStrictEqual(yield* membersOf("scimmy"), ["u0400"])
      })
    )
  })
})

describe("a manifest that moves people between workspaces", () => {
  organization({
    workspaces: [
      { slug: "alpha", name: "Alpha", members: users(0, 250) },
      { slug: "beta", name: "Beta", members: users(300, 20) }
    ]
  })((it) => {
    it.effect("adds everywhere before it removes anywhere: nobody is in neither workspace at any moment", () =>
      Effect.gen(function* () {
        const moving = users(0, 250)
        const target: Manifest.Manifest = {
          workspaces: [
            { slug: "alpha", name: "Alpha", members: [] },
            { slug: "beta", name: "Beta", members: [...users(300, 20), ...moving] }
          ]
        }
        const plan = yield* Workflows.plan(target, { prune: true })
        assert.deepStrictEqual(
          stepsOf(plan).sort(),
          [...Array(3).fill("RemoveMembers alpha"), ...Array(3).fill("AddMembers beta")].sort()
        )
        const start = yield* checkpoint
        // Slow additions: removals that did not wait for them would land first.
        yield* setFaults([{ kind: "latency", ms: 150, operations: ["bulkAddMembers"] }, ...flakyNetwork])
        const report = finished(yield* runApply(plan, { concurrency: 6 }))
        yield* setFaults([])
        assert.deepStrictEqual([report.failed, report.skipped], [[], []])
        const byId = new Map(start.snapshot.workspaces.map((w) => [w.slug, w.id]))
        const { broken } = yield* replay(start, (state) => {
          const inAlpha = state.members.get(byId.get("alpha")!)!
          const inBeta = state.members.get(byId.get("beta")!)!
          const lost = moving.find((id) => !inAlpha.has(id) && !inBeta.has(id))
          return lost === undefined ? undefined : `${lost} is in neither workspace`
        })
        assert.deepStrictEqual(broken, [])
        assert.deepStrictEqual(yield* membersOf("alpha"), [])
        assert.strictEqual((yield* membersOf("beta"))!.length, 270)
        assert.isTrue(Plan.isEmpty(yield* Workflows.plan(target, { prune: true })))
      })
    )
  })
})

describe("an addition that does not go through", () => {
  const moving = users(0, 5)
  // alpha's members move to beta; or alpha goes, and its members with it to beta
  const moveAll: Manifest.Manifest = {
    workspaces: [
      { slug: "alpha", name: "Alpha", members: [] },
      { slug: "beta", name: "Beta", members: moving }
    ]
  }
  const dropAlpha: Manifest.Manifest = { workspaces: [{ slug: "beta", name: "Beta", members: moving }] }
  const addsFail: ReadonlyArray<Emulator.FaultRule> = [{ kind: "status", status: 500, operations: ["bulkAddMembers"] }]
  const tags = (events: ReadonlyArray<Plan.ApplyEvent>) =>
    events.map((_) => (_._tag === "Started" || _._tag === "Finished" ? _._tag : `${_._tag} ${_.step._tag}`))
  /** Plans `target` with prune, then applies it while every bulk addition fails. */
  const applyWithAdditionsFailing = (target: Manifest.Manifest) =>
    Effect.gen(function* () {
      const plan = yield* Workflows.plan(target, { prune: true })
      yield* clearLog
      const start = yield* checkpoint
      yield* setFaults(addsFail)
      const events = yield* runApply(plan)
      yield* setFaults([])
      return { plan, start, events }
    })

  /** Replays the history since `start`, reporting any moment a moving user is in neither workspace. */
  const replayMoves = (start: Effect.Effect.Success<typeof checkpoint>) => {
    const byId = new Map(start.snapshot.workspaces.map((w) => [w.slug, w.id]))
    return replay(start, (state) => {
      const inAlpha = state.members.get(byId.get("alpha")!) ?? new Set()
      const inBeta = state.members.get(byId.get("beta")!)!
      const lost = moving.find((id) => !inAlpha.has(id) && !inBeta.has(id))
      return lost === undefined ? undefined : `${lost} is in neither workspace`
    })
  }

  organization({
    workspaces: [
      { slug: "alpha", name: "Alpha", members: moving },
      { slug: "beta", name: "Beta" }
    ]
  })((it) => {
    it.effect("a failed addition holds back the removal of its users: nobody ends up in neither workspace", () =>
      Effect.gen(function* () {
        const { events, plan, start } = yield* applyWithAdditionsFailing(moveAll)
        assert.deepStrictEqual(stepsOf(plan), ["RemoveMembers alpha", "AddMembers beta"])
        assert.deepStrictEqual(tags(events), [
          "Started",
          "StepFailed AddMembers",
          "StepSkipped RemoveMembers",
          "Finished"
        ])
        const report = finished(events)
        assert.deepStrictEqual([report.done, report.failed.length, report.skipped.length], [0, 1, 1])
        assert.match(report.skipped[0]!.reason, /^kept all 5 users/)
        assert.deepStrictEqual(
          report.rejected,
          moving.map((userId) => ({
            userId,
            operation: "remove",
            reason: "kept: their addition to beta did not go through",
            workspace: "alpha"
          }))
        )
        const counts = yield* requestCounts
        assert.isAbove(counts["bulkAddMembers"] ?? 0, 0)
        assert.isUndefined(counts["bulkRemoveMembers"])
        assert.deepStrictEqual(yield* membersOf("alpha"), moving)
        assert.deepStrictEqual(yield* membersOf("beta"), [])
        assert.deepStrictEqual((yield* replayMoves(start)).broken, [])
      })
    )

    it.effect("a failed addition holds back the deletion of a workspace", () =>
      Effect.gen(function* () {
        const { events, plan, start } = yield* applyWithAdditionsFailing(dropAlpha)
        assert.deepStrictEqual(stepsOf(plan), ["AddMembers beta", "DeleteWorkspace alpha"])
        assert.deepStrictEqual(tags(events), [
          "Started",
          "StepFailed AddMembers",
          "StepSkipped DeleteWorkspace",
          "Finished"
        ])
        const report = finished(events)
        assert.match(report.skipped[0]!.reason, /^kept: the addition of 5 user\(s\) to beta did not go through/)
        assert.isUndefined((yield* requestCounts)["delete"])
        assert.deepStrictEqual(yield* membersOf("alpha"), moving)
        assert.deepStrictEqual((yield* replayMoves(start)).broken, [])
      })
    )

    it.effect("once the additions go through, planning and applying again converges", () =>
      Effect.gen(function* () {
        const start = yield* checkpoint
        for (const target of [moveAll, dropAlpha]) {
          const report = finished(yield* runApply(yield* Workflows.plan(target, { prune: true })))
          assert.deepStrictEqual([report.failed, report.skipped, report.rejected], [[], [], []])
          assert.isTrue(Plan.isEmpty(yield* Workflows.plan(target, { prune: true })))
        }
        assert.isUndefined(yield* membersOf("alpha"))
        assert.deepStrictEqual(yield* membersOf("beta"), moving)
        assert.deepStrictEqual((yield* replayMoves(start)).broken, [])
      })
    )
  })

  organization({
    workspaces: [
      { slug: "alpha", name: "Alpha", members: moving },
      { slug: "beta", name: "Beta" }
    ]
  })((it) => {
    it.effect("a user the API refuses to add is kept where they are; the others move", () =>
      Effect.gen(function* () {
        const emulator = yield* Emulator.Emulator
        // u0002 leaves the organization: beta refuses them, alpha still lists them
        yield* emulator.mutate((state) => state.users.delete("u0002"))
        const plan = yield* Workflows.plan(moveAll, { prune: true })
        const events = yield* runApply(plan)
        assert.deepStrictEqual(tags(events), ["Started", "StepDone AddMembers", "StepDone RemoveMembers", "Finished"])
        const report = finished(events)
        assert.deepStrictEqual(
          report.rejected.map((_) => [_.workspace, _.userId, _.operation]),
          [
            ["beta", "u0002", "add"],
            ["alpha", "u0002", "remove"]
          ]
        )
        assert.strictEqual(report.rejected[1]!.reason, "kept: their addition to beta did not go through")
        const removal = events.find((_) => _._tag === "StepDone" && _.step._tag === "RemoveMembers")
        assert.deepStrictEqual(removal?._tag === "StepDone" ? removal.rejected.map((_) => _.userId) : undefined, [
          "u0002"
        ])
        assert.deepStrictEqual(yield* membersOf("alpha"), ["u0002"])
        assert.deepStrictEqual(
          yield* membersOf("beta"),
          moving.filter((_) => _ !== "u0002")
        )
      })
    )
  })
})

describe("Plan.reportOf", () => {
  const alpha = Plan.Change.RemoveMembers({ workspace: "alpha", userIds: ["u1", "u2"] })
  const beta = Plan.Change.AddMembers({ workspace: "beta", userIds: ["u1", "u3"] })
  const fresh = Plan.Change.CreateWorkspace({ workspace: "fresh", name: "Fresh", settings: {} })
  const budget = Plan.Change.SetBudget({ workspace: "fresh", interval: "monthly", limitUsd: 5, previous: null })
  const forbidden = new WorkspacesError.ForbiddenResponseError({
    operation: "Workspaces.create",
    status: 403,
    detail: "Forbidden"
  })
  const blockedChange: Plan.BlockedChange = {
    change: Plan.Change.DeleteWorkspace({ workspace: "keyed", name: "Keyed" }),
    reason: "holds 1 active API key in keyed: 'ci' — disable or delete it first",
    apiKeys: [{ hash: "h1", name: "ci" }]
  }
  const refused = { userId: "u3", operation: "add", reason: "not in the organization" } as const
  const kept = (userId: string) =>
    ({ userId, operation: "remove", reason: "kept: their addition to beta did not go through" }) as const
  const events: ReadonlyArray<Plan.ApplyEvent> = [
    Plan.ApplyEvent.Started({ total: 4, blocked: [blockedChange] }),
    Plan.ApplyEvent.StepFailed({ step: fresh, index: 2, total: 4, error: forbidden }),
    Plan.ApplyEvent.StepDone({ step: beta, index: 1, total: 4, rejected: [refused] }),
    Plan.ApplyEvent.StepSkipped({
      step: budget,
      index: 3,
      total: 4,
      reason: "step 2 (CreateWorkspace fresh) failed",
      rejected: []
    }),
    Plan.ApplyEvent.StepSkipped({
      step: alpha,
      index: 0,
      total: 4,
      reason: "kept all 2 users",
      rejected: [kept("u1"), kept("u2")]
    }),
    Plan.ApplyEvent.Finished({ report: Plan.emptyReport })
  ]

  it("folds the events without any call: counts, failures, skips and every rejected user with its workspace", () => {
    assert.deepStrictEqual(Plan.reportOf(events), {
      total: 4,
      done: 1,
      failed: [{ step: fresh, index: 2, error: forbidden }],
      skipped: [
        { step: budget, index: 3, reason: "step 2 (CreateWorkspace fresh) failed" },
        { step: alpha, index: 0, reason: "kept all 2 users" }
      ],
      rejected: [
        { ...refused, workspace: "beta" },
        { ...kept("u1"), workspace: "alpha" },
        { ...kept("u2"), workspace: "alpha" }
      ],
      blocked: [blockedChange],
      refused: []
    })
  })

  it("is foldReport from emptyReport, step by step; Finished changes nothing", () => {
    const reports = Chunk.toReadonlyArray(
      Effect.runSync(Stream.runCollect(Stream.scan(Stream.fromIterable(events), Plan.emptyReport, Plan.foldReport)))
    )
    assert.deepStrictEqual(
      reports.map((_) => [_.total, _.done, _.failed.length, _.skipped.length, _.rejected.length, _.blocked.length]),
      [
        [0, 0, 0, 0, 0, 0],
        [4, 0, 0, 0, 0, 1],
        [4, 0, 1, 0, 0, 1],
        [4, 1, 1, 0, 1, 1],
        [4, 1, 1, 1, 1, 1],
        [4, 1, 1, 2, 3, 1],
        [4, 1, 1, 2, 3, 1]
      ]
    )
    assert.deepStrictEqual(reports.at(-1), Plan.reportOf(events))
    assert.deepStrictEqual(Plan.reportOf([]), Plan.emptyReport)
  })

  it("folds a WorkspaceRefused into refused, with its error; the workspace's steps are skipped", () => {
    class Moved extends Data.TaggedError("Moved")<{ readonly workspace: string }> {}
    const moved = new Moved({ workspace: "alpha" })
    const reason = "workspace alpha refused before its first step: moved"
    const refusedEvents: ReadonlyArray<Plan.ApplyEvent<Moved>> = [
      Plan.ApplyEvent.Started({ total: 2, blocked: [] }),
      Plan.ApplyEvent.StepDone({ step: beta, index: 1, total: 2, rejected: [] }),
      Plan.ApplyEvent.WorkspaceRefused({ workspace: "alpha", error: moved }),
      Plan.ApplyEvent.StepSkipped({ step: alpha, index: 0, total: 2, reason, rejected: [kept("u1")] })
    ]
    assert.deepStrictEqual(Plan.reportOf(refusedEvents), {
      total: 2,
      done: 1,
      failed: [],
      skipped: [{ step: alpha, index: 0, reason }],
      rejected: [{ ...kept("u1"), workspace: "alpha" }],
      blocked: [],
      refused: [{ workspace: "alpha", error: moved }]
    })
  })
})

describe("the report of an apply is the fold of its events", () => {
  const moving = users(0, 3)
  organization({
    workspaces: [
      { slug: "alpha", name: "Alpha", members: moving },
      { slug: "beta", name: "Beta" },
      { slug: "scimmy", name: "Scimmy", members: ["u0400", "u0401"] },
      { slug: "keyed", name: "Keyed", members: ["u0300"] }
    ],
    scim: ["u0400"],
    apiKeys: [{ userId: "u0300", workspace: "keyed" }]
  })((it) => {
    it.effect("Plan.reportOf over the streamed events equals the report Finished carries", () =>
      Effect.gen(function* () {
        const plan = yield* Plan.make(
          {
            workspaces: [
              { slug: "default", name: "Default" },
              { slug: "alpha", name: "Alpha", members: [] },
              { slug: "beta", name: "Beta", budgets: { monthly: 5 }, members: moving },
              { slug: "scimmy", name: "Scimmy", members: [] }
            ]
          },
          { prune: true }
        )
        yield* setFaults([{ kind: "status", status: 500, operations: ["bulkAddMembers"] }])
        const events = Chunk.toReadonlyArray(yield* Stream.runCollect(Plan.apply(plan)))
        yield* setFaults([])
        const report = finished(events)
        // every part of the report is there: a done step, a failure, a skipped removal that kept
        // its users, a user the API refused, a blocked change
        assert.deepStrictEqual(
          [report.done, report.failed.length, report.skipped.length, report.blocked.length],
          [2, 1, 1, 1]
        )
        assert.deepStrictEqual(
          report.rejected
            .map((_) => `${_.workspace} ${_.userId} ${_.reason.startsWith("kept") ? "kept" : "refused"}`)
            .sort(),
          ["alpha u0000 kept", "alpha u0001 kept", "alpha u0002 kept", "scimmy u0400 refused"]
        )
        assert.deepStrictEqual(Plan.reportOf(events), report)
        assert.deepStrictEqual(Plan.reportOf(events.slice(0, -1)), report)
      })
    )
  })
})

describe("interrupting an apply that waits to retry", () => {
  // honours a Retry-After of up to 60 seconds
  const patient = RetryPolicy.make({ baseDelay: "5 millis", maxDelay: "60 seconds" })
  layer(emulatorWithClient({ seed: seed({ workspaces: [{ slug: "beta", name: "Beta" }] }) }, { retry: patient }), {
    excludeTestServices: true
  })((it) => {
    it.effect("stops after the attempts in flight: no Retry-After wait, no further call", () =>
      Effect.gen(function* () {
        const emulator = yield* Emulator.Emulator
        const plan = yield* Workflows.plan({ workspaces: [{ slug: "beta", name: "Beta", members: users(0, 300) }] })
        yield* clearLog
        yield* setFaults([{ kind: "status", status: 429, retryAfter: 30, operations: ["bulkAddMembers"] }])
        const bulkAdds = Effect.map(
          emulator.requests,
          (requests) => requests.filter((_) => _.operation === "bulkAddMembers" && _.status === 429).length
        )
        const fiber = yield* Effect.fork(runApply(plan))
        // interrupt once a bulk add has been answered 429, so the apply is waiting out the Retry-After
        yield* Effect.repeat(bulkAdds, { until: (n) => n > 0, schedule: Schedule.spaced("10 millis") })
        yield* Fiber.interruptFork(fiber)
        // the interruption completes; waiting out the 30 s Retry-After would outlast this guard
        yield* Fiber.await(fiber).pipe(Effect.timeout("20 seconds"))
        const sent = yield* bulkAdds
        assert.isAbove(sent, 0)
        yield* Effect.sleep("300 millis")
        assert.strictEqual(yield* bulkAdds, sent, "no call goes out after the interruption")
        yield* setFaults([])
        assert.deepStrictEqual(yield* membersOf("beta"), [])
      })
    )
  })
})
