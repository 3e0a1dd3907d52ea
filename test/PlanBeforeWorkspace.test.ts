import { HttpClient, type HttpClientRequest } from "@effect/platform"
import { assert, describe, layer } from "@effect/vitest"
import { Chunk, Data, Effect, Redacted, Ref, Stream } from "effect"
import { Emulator } from "../emulator/index.js"
import { Plan, Workspaces } from "../src/index.js"
import { emulatorWithClient } from "./support/layers.js"
import { membersOf, retry, seed, users } from "./support/workflowFixtures.js"

/** What the check below fails with: the workspace's members are not those it had when the plan was made. */
class WorkspaceMoved extends Data.TaggedError("WorkspaceMoved")<{ readonly workspace: string }> {
  override get message() {
    return `the members of ${this.workspace} changed since the plan`
  }
}

const membersNow = (workspace: string) =>
  Effect.flatMap(Workspaces.Workspaces, (service) =>
    Stream.runCollect(service.streamMembers({ id: workspace })).pipe(
      Effect.map((members) =>
        Chunk.toArray(members)
          .map((_) => _.userId)
          .sort()
          .join(",")
      ),
      Effect.orDie
    )
  )

/**
 * A check as `orw apply` runs one for a saved plan: the members of each workspace the plan touches
 * are read when the plan is made, and must be the same when the check runs; the calls are logged.
 */
const planCheck = (plan: Plan.Plan) =>
  Effect.gen(function* () {
    const workspaces = Array.from(new Set(plan.changes.map((_) => _.workspace)))
    const seen = new Map(yield* Effect.forEach(workspaces, (w) => Effect.map(membersNow(w), (m) => [w, m] as const)))
    const calls = yield* Ref.make<ReadonlyArray<string>>([])
    const check = (workspace: string) =>
      Effect.gen(function* () {
        yield* Ref.update(calls, (_) => [..._, workspace])
        if ((yield* membersNow(workspace)) !== seen.get(workspace)) return yield* new WorkspaceMoved({ workspace })
      })
    return { check, calls: Ref.get(calls) }
  })

/**
 * Another writer, acting once the client has had the emulator's answer to a request (and before the
 * apply sees it): set by a test, nobody by default.
 */
let otherWriter: (request: HttpClientRequest.HttpClientRequest) => Effect.Effect<void> = () => Effect.void

/** Another writer's bulk addition of `userIds` to `workspace`, over the API, as a second operator would. */
const addElsewhere = (emulator: Emulator.Service, workspace: string, userIds: ReadonlyArray<string>) =>
  Effect.promise(() =>
    fetch(`${emulator.baseUrl}/workspaces/${workspace}/members/add`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${Redacted.value(emulator.managementKey)}`,
        "content-type": "application/json"
      },
      body: JSON.stringify({ user_ids: userIds })
    })
  )

const organization = (workspaces: Emulator.Seed["workspaces"]) =>
  layer(
    emulatorWithClient(
      { seed: seed({ workspaces }) },
      { retry, transformClient: HttpClient.tap((response) => otherWriter(response.request)) }
    ),
    { excludeTestServices: true }
  )

type Event = Plan.ApplyEvent<WorkspaceMoved>

const applied = (plan: Plan.Plan, options: Plan.ApplyOptions<WorkspaceMoved, Workspaces.Workspaces>) =>
  Effect.map(Stream.runCollect(Plan.apply(plan, options)), Chunk.toReadonlyArray)

/** The report the `Finished` event carries. */
const finished = (events: ReadonlyArray<Event>) => {
  const last = events.at(-1)
  assert.strictEqual(last?._tag, "Finished")
  return (last as Extract<Event, { _tag: "Finished" }>).report
}

/** The requests since the log was cleared, as `<operation> <workspace>`. */
const requestLog = Effect.map(
  Effect.flatMap(Emulator.Emulator, (emulator) => emulator.requests),
  (requests) => requests.map((request) => `${request.operation} ${request.path.split("/")[4]}`)
)

const isRead = (line: string) => line.startsWith("listMembers ")

// alpha: its head, a budget and an addition; beta: an addition; gamma: a removal, which waits for
// every addition of the plan.
const plan: Plan.Plan = {
  prune: true,
  changes: [
    Plan.Change.UpdateWorkspace({ workspace: "alpha", changes: [{ field: "description", from: null, to: "A" }] }),
    Plan.Change.SetBudget({ workspace: "alpha", interval: "monthly", limitUsd: 100, previous: null }),
    Plan.Change.AddMembers({ workspace: "alpha", userIds: ["u0005"] }),
    Plan.Change.AddMembers({ workspace: "beta", userIds: ["u0006"] }),
    Plan.Change.RemoveMembers({ workspace: "gamma", userIds: ["u0020"] })
  ]
}
const workspaces: Emulator.Seed["workspaces"] = [
  { slug: "alpha", name: "Alpha", members: users(0, 3) },
  { slug: "beta", name: "Beta", members: users(10, 1) },
  { slug: "gamma", name: "Gamma", members: users(20, 2) }
]

describe("Plan.apply's beforeWorkspace", () => {
  organization(workspaces)((it) => {
    it.effect("runs once per workspace, right before its first step is sent and within that step's permit", () =>
      Effect.gen(function* () {
        const { calls, check } = yield* planCheck(plan)
        const emulator = yield* Emulator.Emulator
        yield* emulator.clearRequests
        const events = yield* applied(plan, { concurrency: 1, beforeWorkspace: check })
        const report = finished(events)
        assert.deepStrictEqual([report.done, report.skipped, report.refused], [5, [], []])
        assert.deepStrictEqual([...(yield* calls)].sort(), ["alpha", "beta", "gamma"], "once each")

        const log = yield* requestLog
        for (const workspace of ["alpha", "beta", "gamma"]) {
          const first = log.findIndex((line) => line.endsWith(` ${workspace}`))
          assert.strictEqual(log[first], `listMembers ${workspace}`, `${workspace} is read before anything is sent`)
          const next = log.slice(first + 1).find((line) => !isRead(line))
          assert.isTrue(
            next?.endsWith(` ${workspace}`),
            `one call at a time: the call after the check is ${workspace}'s first step (${log.join(", ")})`
          )
          assert.strictEqual(log.filter((line) => line === `listMembers ${workspace}`).length, 1)
        }
        // gamma's removal waits for the additions, and so does its check: not all at the start
        const gammaCheck = log.indexOf("listMembers gamma")
        assert.isTrue(log.slice(0, gammaCheck).filter((line) => line.startsWith("bulkAddMembers")).length === 2)
      })
    )
  })

  organization(workspaces)((it) => {
    it.effect(
      "refuses a workspace another writer changed after the apply started, before its own first step: nothing is sent for it, the others go on",
      () =>
        Effect.gen(function* () {
          const emulator = yield* Emulator.Emulator
          // changed before the plan was made: what the check compares with already holds it
          assert.strictEqual((yield* addElsewhere(emulator, "beta", ["u0011"])).status, 200)
          const { calls, check } = yield* planCheck(plan)
          // once alpha's addition is answered, someone adds a member to gamma
          otherWriter = (request) =>
            request.url.endsWith("/workspaces/alpha/members/add")
              ? Effect.asVoid(
                  Effect.zipRight(
                    Effect.sync(() => void (otherWriter = () => Effect.void)),
                    addElsewhere(emulator, "gamma", ["u0030"])
                  )
                )
              : Effect.void
          yield* emulator.clearRequests
          const events = yield* applied(plan, { concurrency: 4, beforeWorkspace: check })
          otherWriter = () => Effect.void

          const refusal = events.findIndex((_) => _._tag === "WorkspaceRefused")
          const refused = events[refusal]
          assert.deepStrictEqual(
            refused?._tag === "WorkspaceRefused"
              ? [refused.workspace, refused.error._tag, refused.error.workspace]
              : [],
            ["gamma", "WorkspaceMoved", "gamma"],
            "the check's error, typed"
          )
          const skipped = events[refusal + 1]
          assert.strictEqual(skipped?._tag, "StepSkipped")
          assert.strictEqual(
            skipped?._tag === "StepSkipped" ? skipped.reason : undefined,
            "workspace gamma refused before its first step: the members of gamma changed since the plan"
          )
          const report = finished(events)
          assert.deepStrictEqual(Plan.reportOf(events), report, "the fold of the events, the refusal included")
          assert.deepStrictEqual(
            yield* Stream.fromIterable(events).pipe(Stream.runFold(Plan.emptyReport, Plan.foldReport<WorkspaceMoved>)),
            report
          )
          assert.deepStrictEqual(
            report.refused.map((_) => [_.workspace, _.error]),
            [["gamma", refused?._tag === "WorkspaceRefused" ? refused.error : undefined]]
          )
          assert.deepStrictEqual([report.done, report.failed, report.skipped.map((_) => _.index)], [4, [], [4]])
          assert.deepStrictEqual([...(yield* calls)].sort(), ["alpha", "beta", "gamma"])
          const log = yield* requestLog
          assert.deepStrictEqual(
            log.filter((line) => line.endsWith(" gamma")),
            ["bulkAddMembers gamma", "listMembers gamma"],
            "the other writer's addition, then the check; no removal"
          )
          assert.deepStrictEqual(yield* membersOf("gamma"), [...users(20, 2), "u0030"])
          assert.deepStrictEqual(yield* membersOf("beta"), [...users(10, 2), "u0006"].sort())
        })
    )
  })

  organization([
    { slug: "alpha", name: "Alpha", members: users(0, 2) },
    { slug: "beta", name: "Beta", members: users(10, 1) }
  ])((it) => {
    it.effect("a refused workspace's additions hold back the removals of their users elsewhere", () =>
      Effect.gen(function* () {
        const emulator = yield* Emulator.Emulator
        // u0000 moves from alpha to beta, and u0001 leaves alpha
        const moving: Plan.Plan = {
          prune: true,
          changes: [
            Plan.Change.AddMembers({ workspace: "beta", userIds: ["u0000"] }),
            Plan.Change.RemoveMembers({ workspace: "alpha", userIds: ["u0000", "u0001"] })
          ]
        }
        const { check } = yield* planCheck(moving)
        assert.strictEqual((yield* addElsewhere(emulator, "beta", ["u0012"])).status, 200)
        const events = yield* applied(moving, { beforeWorkspace: check })
        const report = finished(events)
        assert.deepStrictEqual(Plan.reportOf(events), report, "the kept user included")
        assert.deepStrictEqual(
          report.refused.map((_) => _.workspace),
          ["beta"]
        )
        assert.deepStrictEqual(
          report.rejected.map((_) => [_.workspace, _.userId, _.reason]),
          [["alpha", "u0000", "kept: their addition to beta did not go through"]]
        )
        assert.deepStrictEqual(yield* membersOf("alpha"), ["u0000"], "u0000 is kept, u0001 removed")
        assert.deepStrictEqual(yield* membersOf("beta"), ["u0010", "u0012"])
      })
    )
  })
})
