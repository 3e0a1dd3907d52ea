import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { Emulator } from "../emulator/index.js"
import { Plan, Workflows, Workspaces, WorkflowsError, WorkspacesError } from "../src/index.js"
import { emulatorWithClient } from "./support/layers.js"
import { budgetsOf, membersOf, seed, users } from "./support/workflowFixtures.js"

const long = "a".repeat(100_000)
const ws = <A, E>(f: (service: Workspaces.Service) => Effect.Effect<A, E>) => Effect.flatMap(Workspaces.Workspaces, f)
const bad = (input: unknown) => input as never

/** Each call, its bad input, and the field the error must name (and a part of the rule, when it matters). */
const invalid: ReadonlyArray<
  readonly [string, Effect.Effect<unknown, unknown, Workspaces.Workspaces>, string, string?]
> = [
  ["bulkAddMembers userIds: null", ws((_) => _.bulkAddMembers(bad({ id: "a", userIds: null }))), "userIds"],
  ["bulkAddMembers userIds: 5", ws((_) => _.bulkAddMembers(bad({ id: "a", userIds: 5 }))), "userIds"],
  ["bulkAddMembers userIds: string", ws((_) => _.bulkAddMembers(bad({ id: "a", userIds: "u0001" }))), "userIds"],
  ["bulkRemoveMembers userIds: null", ws((_) => _.bulkRemoveMembers(bad({ id: "a", userIds: null }))), "userIds"],
  ["bulkAddMembers long user id", ws((_) => _.bulkAddMembers({ id: "a", userIds: [long] })), "userIds.0", "256"],
  ["get long id", ws((_) => _.get({ id: long })), "id", "at most 256 characters"],
  ["update long id", ws((_) => _.update({ id: long, name: "x" })), "id", "256"],
  ["listMembers long id", ws((_) => _.listMembers({ id: long })), "id", "256"],
  ["setBudget long id", ws((_) => _.setBudget({ id: long, interval: "daily", limitUsd: 1 })), "id", "256"],
  [
    "getBudget interval: hourly",
    ws((_) => _.getBudget(bad({ id: "a", interval: "hourly" }))),
    "interval",
    "must be one of daily, weekly, monthly, lifetime"
  ],
  [
    "deleteBudget interval: yearly",
    ws((_) => _.deleteBudget(bad({ id: "a", interval: "yearly" }))),
    "interval",
    "must be one of daily, weekly, monthly, lifetime"
  ],
  ["syncMembers userIds: null", Workflows.syncMembers(bad({ workspace: "a", userIds: null })), "userIds"],
  ["syncMembers userIds: 5", Workflows.syncMembers(bad({ workspace: "a", userIds: 5 })), "userIds"],
  ["syncMembers userIds: string", Workflows.syncMembers(bad({ workspace: "a", userIds: "u0001" })), "userIds"],
  ["syncMembers userIds: [7]", Workflows.syncMembers(bad({ workspace: "a", userIds: [7] })), "userIds[0]"],
  ["syncMembers empty user id", Workflows.syncMembers({ workspace: "a", userIds: ["u0001", ""] }), "userIds[1]"],
  ["syncMembers long user id", Workflows.syncMembers({ workspace: "a", userIds: [long] }), "userIds[0]", "256"],
  ["syncMembers workspace: null", Workflows.syncMembers(bad({ workspace: null, userIds: [] })), "workspace"],
  ["syncMembers long workspace", Workflows.syncMembers({ workspace: long, userIds: [] }), "workspace", "256"],
  ["syncMembers prune: yes", Workflows.syncMembers(bad({ workspace: "a", userIds: [], prune: "yes" })), "prune"],
  ["syncMembers concurrency: 0", Workflows.syncMembers({ workspace: "a", userIds: [], concurrency: 0 }), "concurrency"],
  [
    "syncMembers unknown key",
    Workflows.syncMembers(bad({ workspace: "a", userIds: [], purne: false })),
    "purne",
    "which takes workspace, userIds, prune, concurrency"
  ],
  ["syncMembers options: null", Workflows.syncMembers(bad(null)), "options"],
  ["moveMembers userIds: null", Workflows.moveMembers(bad({ from: "a", to: "b", userIds: null })), "userIds"],
  ["moveMembers userIds: string", Workflows.moveMembers(bad({ from: "a", to: "b", userIds: "x" })), "userIds"],
  ["moveMembers userIds: 5", Workflows.moveMembers(bad({ from: "a", to: "b", userIds: 5 })), "userIds"],
  ["moveMembers long from", Workflows.moveMembers({ from: long, to: "b" }), "from", "256"],
  ["moveMembers unknown key", Workflows.moveMembers(bad({ from: "a", to: "b", user: ["x"] })), "user"],
  [
    "setBudgets budgets: { yearly }",
    Workflows.setBudgets(bad({ workspace: "a", budgets: { yearly: 5 } })),
    "budgets.yearly",
    "which takes lifetime, monthly, weekly, daily"
  ],
  ["setBudgets budgets: null", Workflows.setBudgets(bad({ workspace: "a", budgets: null })), "budgets"],
  [
    "setBudgets limit: string",
    Workflows.setBudgets(bad({ workspace: "a", budgets: { monthly: "5" } })),
    "budgets.monthly"
  ],
  ["setBudgets limit: 0", Workflows.setBudgets({ workspace: "a", budgets: { monthly: 0 } }), "budgets.monthly"],
  ["setBudgets long workspace", Workflows.setBudgets({ workspace: long, budgets: { monthly: 5 } }), "workspace", "256"],
  [
    "setBudgets includeByokInBudgets: 1",
    Workflows.setBudgets(bad({ workspace: "a", budgets: {}, includeByokInBudgets: 1 })),
    "includeByokInBudgets"
  ],
  ["ensureWorkspace bad slug", Workflows.ensureWorkspace({ slug: "Bad Slug", name: "x" }), "slug"],
  ["ensureWorkspace long slug", Workflows.ensureWorkspace({ slug: long, name: "x" }), "slug"],
  ["ensureWorkspace spec: null", Workflows.ensureWorkspace(bad(null)), "spec"],
  [
    "ensureWorkspace bad sampling rate",
    Workflows.ensureWorkspace({ slug: "ok", name: "x", ioLoggingSamplingRate: 5 }),
    "ioLoggingSamplingRate"
  ],
  ["ensureWorkspace unknown key", Workflows.ensureWorkspace(bad({ slug: "ok", name: "x", nme: "y" })), "nme"],
  ["cloneWorkspace bad to.slug", Workflows.cloneWorkspace({ from: "a", to: { slug: "Bad", name: "x" } }), "to.slug"],
  ["cloneWorkspace to: null", Workflows.cloneWorkspace(bad({ from: "a", to: null })), "to"],
  ["cloneWorkspace long from", Workflows.cloneWorkspace({ from: long, to: { slug: "ok", name: "x" } }), "from", "256"],
  [
    "cloneWorkspace to.name too long",
    Workflows.cloneWorkspace({ from: "a", to: { slug: "ok", name: "n".repeat(101) } }),
    "to.name"
  ],
  [
    "cloneWorkspace members: no",
    Workflows.cloneWorkspace(bad({ from: "a", to: { slug: "ok", name: "x" }, members: "no" })),
    "members"
  ],
  ["Plan.make concurrency: -1", Plan.make({ workspaces: [] }, { concurrency: -1 }), "concurrency"],
  ["Plan.make unknown option", Plan.make({ workspaces: [] }, bad({ prnue: true })), "prnue"]
]

const emulatorRequests = Effect.flatMap(Emulator.Emulator, (emulator) => emulator.requests)
const resetEmulator = Effect.flatMap(Emulator.Emulator, (emulator) =>
  Effect.zipRight(emulator.setFaults([]), emulator.clearRequests)
)

describe("bad input", () => {
  layer(
    emulatorWithClient(
      {
        seed: seed({
          workspaces: [
            { slug: "a", name: "A" },
            { slug: "b", name: "B" }
          ]
        })
      },
      { retry: false }
    ),
    { excludeTestServices: true }
  )((it) => {
    it.effect("fails with InvalidRequestError naming the field and the rule, and sends nothing", () =>
      Effect.gen(function* () {
        for (const [name, call, field, rule] of invalid) {
          yield* resetEmulator
          const error = yield* Effect.flip(
            Effect.catchAllDefect(call, (defect) => Effect.fail({ _tag: "Defect", defect }))
          )
          assert.strictEqual((error as { _tag: string })._tag, "InvalidRequestError", `${name}: ${String(error)}`)
          const typed = error as WorkspacesError.InvalidRequestError
          assert.strictEqual(typed.field, field, `${name}: ${typed.message}`)
          assert.include(typed.message, field, name)
          if (rule !== undefined) assert.include(typed.rule, rule, name)
          assert.deepStrictEqual(
            (yield* emulatorRequests).map((_) => _.operation),
            [],
            `${name}: nothing is sent`
          )
        }
      })
    )

    it.effect("Plan.make refuses members of the default workspace before reading the organization", () =>
      Effect.gen(function* () {
        yield* resetEmulator
        const error = yield* Effect.flip(
          Plan.make({ workspaces: [{ slug: "default", name: "Default", members: ["u0001"] }] })
        )
        assert.strictEqual(error._tag, "ManifestError")
        assert.include(error.message, "workspaces[0].members")
        assert.deepStrictEqual(yield* emulatorRequests, [])
      })
    )
  })
})

const failedWith = <R, C>(error: unknown, workflow: string) => {
  assert.strictEqual((error as { _tag: string })._tag, "WorkflowFailedError", String(error))
  const failed = error as WorkflowsError.WorkflowFailedError<R, C>
  assert.strictEqual(failed.workflow, workflow)
  return failed
}

describe("a workflow that fails after changes went through", () => {
  layer(
    emulatorWithClient(
      {
        seed: seed({
          workspaces: [
            { slug: "sync", name: "Sync", members: users(0, 250) },
            { slug: "origin", name: "Origin", members: users(1000, 200) },
            { slug: "target", name: "Target" },
            { slug: "budgets", name: "Budgets", budgets: { monthly: 500, weekly: 100 } },
            { slug: "source", name: "Source", members: users(2000, 3), budgets: { monthly: 50, daily: 5 } }
          ]
        })
      },
      { retry: false }
    ),
    { excludeTestServices: true }
  )((it) => {
    const faults = (rules: ReadonlyArray<Emulator.FaultRule>) =>
      Effect.flatMap(Emulator.Emulator, (emulator) =>
        Effect.zipRight(emulator.clearRequests, emulator.setFaults(rules, { seed: 1 }))
      )

    it.effect("syncMembers: the error says which members were already removed and added", () =>
      Effect.gen(function* () {
        // the first removal goes through, the second fails: the third is never sent
        yield* faults([{ kind: "status", status: 500, operations: ["bulkRemoveMembers"], sequence: [false, true] }])
        const error = yield* Effect.flip(
          Workflows.syncMembers({ workspace: "sync", userIds: ["u5000", ...users(249, 1)], concurrency: 1 })
        )
        yield* resetEmulator
        const failed = failedWith<Workflows.SyncMembersReport, Workflows.MemberCallError>(
          error,
          "Workflows.syncMembers"
        )
        assert.deepStrictEqual(failed.report.added, ["u5000"])
        assert.deepStrictEqual(failed.report.removed, users(0, 100))
        assert.strictEqual(failed.report.unchanged, 1)
        assert.strictEqual((failed.cause as { _tag: string })._tag, "InternalServerResponseError")
        assert.include(failed.message, "Workflows.syncMembers: stopped after changes went through")
        assert.include(failed.message, "added 1 user, removed 100 users")
        assert.deepStrictEqual(yield* membersOf("sync"), [...users(100, 150), "u5000"])

        // a failure before any change went through is the error itself: nothing to report
        yield* faults([{ kind: "status", status: 500, operations: ["bulkAddMembers"], times: 10 }])
        const first = yield* Effect.flip(Workflows.syncMembers({ workspace: "sync", userIds: ["u5001"], prune: false }))
        yield* resetEmulator
        assert.strictEqual(first._tag, "InternalServerResponseError")
      })
    )

    it.effect("moveMembers: the error says who was moved, and who was added but not removed", () =>
      Effect.gen(function* () {
        yield* faults([{ kind: "status", status: 500, operations: ["bulkRemoveMembers"], sequence: [false, true] }])
        const error = yield* Effect.flip(Workflows.moveMembers({ from: "origin", to: "target", concurrency: 1 }))
        yield* resetEmulator
        const failed = failedWith<Workflows.MoveMembersReport, Workflows.MemberCallError>(
          error,
          "Workflows.moveMembers"
        )
        assert.strictEqual(failed.report.moved.length, 100)
        const stranded = failed.report.failed.filter((_) => _.operation === "remove").map((_) => _.userId)
        assert.strictEqual(stranded.length, 100)
        assert.include(failed.report.failed[0]!.reason, "added to target, still in origin")
        assert.include(failed.message, "moved 100 users, added 100 users to target not removed from origin")
        const target = (yield* membersOf("target"))!
        assert.strictEqual(target.length, 200, "both batches were added")
        assert.deepStrictEqual((yield* membersOf("origin"))!, [...stranded].sort())
      })
    )

    it.effect("setBudgets: the error says which budgets were already set", () =>
      Effect.gen(function* () {
        // raises go from the widest interval to the narrowest: monthly, then weekly (which fails)
        yield* faults([{ kind: "status", status: 500, operations: ["setBudget"], sequence: [false, true] }])
        const error = yield* Effect.flip(
          Workflows.setBudgets({ workspace: "budgets", budgets: { monthly: 600, weekly: 200, daily: 10 } })
        )
        yield* resetEmulator
        const failed = failedWith<Workflows.SetBudgetsReport, unknown>(error, "Workflows.setBudgets")
        assert.deepStrictEqual(
          failed.report.set.map((_) => [_.interval, _.limitUsd]),
          [["monthly", 600]]
        )
        assert.deepStrictEqual(failed.report.budgets, { monthly: 600, weekly: 100 })
        assert.include(failed.message, "set monthly to 600")
        assert.deepStrictEqual(yield* budgetsOf("budgets"), { monthly: 600, weekly: 100 })
      })
    )

    it.effect("cloneWorkspace: the error carries the copy, its members, and the step that failed", () =>
      Effect.gen(function* () {
        yield* faults([{ kind: "status", status: 500, operations: ["setBudget"], times: 10 }])
        const error = yield* Effect.flip(
          Workflows.cloneWorkspace({ from: "source", to: { slug: "copy", name: "Copy" } })
        )
        yield* resetEmulator
        const failed = failedWith<Workflows.CloneWorkspaceReport, Workflows.CloneWorkspaceStepError>(
          error,
          "Workflows.cloneWorkspace"
        )
        assert.strictEqual(failed.report.workspace.outcome, "created")
        assert.deepStrictEqual(failed.report.members?.added, users(2000, 3))
        assert.strictEqual(failed.report.budgets, undefined)
        assert.strictEqual(failed.cause._tag, "InternalServerResponseError")
        assert.include(failed.message, "created the workspace, added 3 users, removed 0 users")
      })
    )
  })
})
