import { assert, describe, layer } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { Emulator } from "../emulator/index.js"
import { Manifest, Plan, Workspaces } from "../src/index.js"
import { emulatorWithClient } from "./support/layers.js"

const runApply = (plan: Plan.Plan, options?: Plan.ApplyOptions) =>
  Effect.map(Stream.runCollect(Plan.apply(plan, options)), Chunk.toReadonlyArray)

const finished = (events: ReadonlyArray<Plan.ApplyEvent>) => {
  const last = events.at(-1)
  assert.strictEqual(last?._tag, "Finished")
  return (last as Extract<Plan.ApplyEvent, { _tag: "Finished" }>).report
}

const stepsOf = (changes: ReadonlyArray<Plan.Change>) =>
  changes.map((change) => `${change._tag} ${change.workspace}${"userIds" in change ? ` ${change.userIds}` : ""}`)

const blockedOf = (plan: Plan.Plan) =>
  Plan.blocked(plan).map(({ change, reason }) => `${stepsOf([change])[0]}: ${reason}`)

/** What the emulator was asked since the log was cleared, reads left out. */
const writes = Effect.map(Emulator.Emulator, (emulator) => emulator.requests).pipe(
  Effect.flatten,
  Effect.map((requests) => requests.filter((request) => request.method !== "GET"))
)

const clearLog = Effect.flatMap(Emulator.Emulator, (emulator) => emulator.clearRequests)

const users = ["u1", "u2", "u3", "u4", "u5"]

describe("blocked changes", () => {
  layer(
    emulatorWithClient({
      seed: {
        users: [{ id: "admin", role: "admin" }, ...users.map((id) => ({ id, role: "member" as const }))],
        workspaces: [
          { slug: "research", name: "Research", members: ["u1", "u2", "u3", "u4"] },
          { slug: "legacy", name: "Legacy", members: ["u5"] },
          { slug: "empty", name: "Empty" },
          { slug: "quiet", name: "Quiet", members: ["u1"] }
        ],
        apiKeys: [
          { userId: "u1", workspace: "research", name: "prod" },
          { userId: "u1", workspace: "research", name: "ci" },
          { userId: "u2", workspace: "research", name: "old", disabled: true },
          { userId: "u3", workspace: "legacy", name: "batch" },
          { userId: "u5", workspace: "legacy", name: "old-ci" }
        ]
      }
    })
  )((it) => {
    const manifest: Manifest.Manifest = {
      workspaces: [
        { slug: "default", name: "Default" },
        { slug: "research", name: "Research", members: ["u4"] },
        { slug: "quiet", name: "Quiet", members: ["u1"] }
      ]
    }

    it.effect("are planned apart from the changes, with their reasons, and apply sends none of them", () =>
      Effect.gen(function* () {
        yield* clearLog
        const plan = yield* Plan.make(manifest, { prune: true })
        // u2's key is disabled and u3's is in another workspace: only u1 is held in research
        assert.deepStrictEqual(stepsOf(plan.changes), ["RemoveMembers research u2,u3", "DeleteWorkspace empty"])
        assert.deepStrictEqual(blockedOf(plan), [
          "RemoveMembers research u1: holds 2 active API keys in research: 'prod', 'ci' — disable or delete them first",
          "DeleteWorkspace legacy: holds 2 active API keys: 'batch', 'old-ci' — disable or delete them first"
        ])
        assert.deepStrictEqual(
          Plan.blocked(plan)[0]!.apiKeys.map((_) => _.name),
          ["prod", "ci"]
        )
        // only the workspaces it removes members from or deletes have their keys read
        const emulator = yield* Emulator.Emulator
        const ids = new Map(
          Chunk.toReadonlyArray(yield* Stream.runCollect((yield* Workspaces.Workspaces).streamWorkspaces())).map(
            (workspace) => [workspace.id, workspace.slug]
          )
        )
        const keyReads = (yield* emulator.requests).filter((request) => request.operation === "listApiKeys")
        assert.deepStrictEqual(
          Array.from(new Set(keyReads.map((request) => ids.get(request.query["workspace_id"]!)))).sort(),
          ["empty", "legacy", "research"]
        )
        assert.deepStrictEqual(Plan.summary(plan), { add: 0, change: 0, destroy: 3, blocked: 2 })
        assert.strictEqual(Plan.isEmpty(plan), false)
        assert.strictEqual(Plan.isConvergedWithBlocked(plan), false)
        const rendered = Plan.render(plan)
        assert.include(
          rendered,
          `Blocked (never sent: the API refuses these until their cause is fixed):
    - member u1 of "research": holds 2 active API keys in research: 'prod', 'ci' — disable or delete them first
    - workspace "legacy" ("Legacy"): holds 2 active API keys: 'batch', 'old-ci' — disable or delete them first`
        )
        assert.match(rendered, /Plan: 0 to add, 0 to change, 3 to destroy; 2 changes blocked\.\n$/)

        yield* clearLog
        const history = (yield* emulator.history).length
        const events = yield* runApply(plan)
        assert.deepStrictEqual(events[0], Plan.ApplyEvent.Started({ total: 2, blocked: Plan.blocked(plan) }))
        const report = finished(events)
        assert.deepStrictEqual(report.failed, [])
        assert.deepStrictEqual(report.skipped, [])
        assert.deepStrictEqual(report.rejected, [])
        assert.deepStrictEqual(report.blocked, Plan.blocked(plan))
        const sent = yield* writes
        assert.deepStrictEqual(
          sent.map((request) => [request.operation, request.path, request.body]).sort(),
          [
            ["bulkRemoveMembers", "/api/v1/workspaces/research/members/remove", { user_ids: ["u2", "u3"] }],
            ["delete", "/api/v1/workspaces/empty", undefined]
          ],
          "no removal of u1, no deletion of legacy"
        )
        assert.deepStrictEqual(
          (yield* emulator.history)
            .slice(history)
            .map((event) => event.type)
            .sort(),
          ["memberRemoved", "memberRemoved", "workspaceDeleted"]
        )

        const again = yield* Plan.make(manifest, { prune: true })
        assert.isTrue(Plan.isEmpty(again))
        assert.isTrue(Plan.isConvergedWithBlocked(again))
        assert.deepStrictEqual(blockedOf(again), blockedOf(plan))
        assert.strictEqual(
          Plan.render(again),
          `No changes to send: converged; 2 changes blocked.

Blocked (never sent: the API refuses these until their cause is fixed):
    - member u1 of "research": holds 2 active API keys in research: 'prod', 'ci' — disable or delete them first
    - workspace "legacy" ("Legacy"): holds 2 active API keys: 'batch', 'old-ci' — disable or delete them first
`
        )
      })
    )

    it.effect("unblock once their keys are disabled", () =>
      Effect.gen(function* () {
        const emulator = yield* Emulator.Emulator
        yield* emulator.mutate((state) => {
          for (const key of state.apiKeys.values()) if (key.userId === "u5") key.disabled = true
        })
        const plan = yield* Plan.make(manifest, { prune: true })
        assert.deepStrictEqual(stepsOf(plan.changes), [])
        assert.deepStrictEqual(
          Plan.blocked(plan).map((_) => `${_.change._tag} ${_.change.workspace} ${_.apiKeys.map((key) => key.name)}`),
          ["RemoveMembers research prod,ci", "DeleteWorkspace legacy batch"]
        )
        assert.match(Plan.blocked(plan)[1]!.reason, /^holds 1 active API key: 'batch' — disable or delete it first$/)
      })
    )

    it.effect("a plan without removals or deletions reads no key", () =>
      Effect.gen(function* () {
        yield* clearLog
        const plan = yield* Plan.make(manifest)
        assert.deepStrictEqual(Plan.blocked(plan), [])
        const emulator = yield* Emulator.Emulator
        assert.isFalse((yield* emulator.requests).some((request) => request.operation === "listApiKeys"))
        assert.strictEqual(Plan.render(plan), "No changes. The organization matches the manifest.\n")
      })
    )
  })
})

describe("deleting the default workspace", () => {
  layer(
    emulatorWithClient({
      seed: {
        users: [{ id: "admin", role: "admin" }, ...users.map((id) => ({ id, role: "member" as const }))],
        workspaces: [{ slug: "research", name: "Research", members: ["u1"] }],
        apiKeys: [{ userId: "u1", workspace: "default", name: "unscoped" }]
      }
    })
  )((it) => {
    const rest = [{ slug: "research", name: "Research", members: ["u1"] }]

    it.effect("is never planned for a manifest that leaves it out, pruning or not", () =>
      Effect.gen(function* () {
        for (const prune of [false, true]) {
          const plan = yield* Plan.make({ workspaces: rest }, { prune, confirmDefaultWorkspaceDeletion: true })
          assert.deepStrictEqual(stepsOf(plan.changes), [])
          assert.deepStrictEqual(Plan.blocked(plan), [])
        }
      })
    )

    it.effect("asked for without the confirmation, fails before anything is sent", () =>
      Effect.gen(function* () {
        yield* clearLog
        const error = yield* Effect.flip(Plan.make({ deleteDefaultWorkspace: true, workspaces: rest }))
        assert.strictEqual(error._tag, "DefaultWorkspaceDeletionError")
        assert.match(error.message, /^Plan\.make: the manifest deletes the default workspace "default"/)
        assert.include(error.message, "confirmDefaultWorkspaceDeletion: true")
        const listed = yield* Effect.flip(
          Plan.make(
            { deleteDefaultWorkspace: true, workspaces: [{ slug: "default", name: "Default" }, ...rest] },
            { confirmDefaultWorkspaceDeletion: true }
          )
        )
        assert.strictEqual(listed._tag, "ManifestError")
        assert.match(listed.message, /^\(manifest\): workspaces\[0\]: "default" is the default workspace/)
        assert.deepStrictEqual(yield* writes, [])
      })
    )

    it.effect("with the manifest's flag and the confirmation at plan and apply, is deleted, keys and all", () =>
      Effect.gen(function* () {
        const manifest: Manifest.Manifest = { deleteDefaultWorkspace: true, workspaces: rest }
        const plan = yield* Plan.make(manifest, { confirmDefaultWorkspaceDeletion: true })
        // its active key does not block it: the API disables the default workspace's keys
        assert.deepStrictEqual(plan.changes, [
          Plan.Change.DeleteWorkspace({ workspace: "default", name: "Default", confirmDefaultWorkspaceDeletion: true })
        ])
        assert.deepStrictEqual(Plan.blocked(plan), [])
        assert.include(Plan.render(plan), `- workspace "default" ("Default") (the default workspace:`)

        yield* clearLog
        const unconfirmed = finished(yield* runApply(plan))
        assert.deepStrictEqual(
          unconfirmed.skipped.map((_) => _.reason),
          [`"default" is the default workspace: its deletion needs confirmDefaultWorkspaceDeletion at apply too`]
        )
        assert.deepStrictEqual(yield* writes, [], "nothing sent without the apply's confirmation")

        const confirmed = finished(yield* runApply(plan, { confirmDefaultWorkspaceDeletion: true }))
        assert.strictEqual(confirmed.done, 1)
        assert.deepStrictEqual(
          (yield* writes).map((request) => [request.method, request.path, request.query]),
          [["DELETE", "/api/v1/workspaces/default", { confirm_default_workspace_deletion: "true" }]]
        )
        const emulator = yield* Emulator.Emulator
        assert.deepStrictEqual(
          (yield* emulator.history).filter((event) => event.type === "workspaceDeleted").map((_) => _.slug),
          ["default"]
        )
        assert.isTrue(Plan.isEmpty(yield* Plan.make(manifest)), "gone: nothing left to plan, nor to confirm")
      })
    )
  })
})
