import { assert, describe, it } from "@effect/vitest"
import { Plan, WorkspacesError } from "../src/index.js"
import type { Outcome, Settled } from "../src/internal/applySchedule.js"
import * as ApplySchedule from "../src/internal/applySchedule.js"

const { Change } = Plan
const { Done, Failed, Skipped } = ApplySchedule.Outcome
const defaultWorkspace = { slug: "default" }
const forbidden = new WorkspacesError.ForbiddenResponseError({
  operation: "Workspaces.create",
  status: 403,
  detail: "Forbidden"
})

const planOf = (...changes: ReadonlyArray<Plan.Change>): Plan.Plan => ({ changes, prune: true })
const scheduleOf = (...changes: ReadonlyArray<Plan.Change>) =>
  ApplySchedule.schedule(planOf(...changes), defaultWorkspace)
const outcomes = (...entries: ReadonlyArray<readonly [number, Outcome]>): ReadonlyMap<number, Outcome> =>
  new Map(entries)
const done = Done({ rejected: [] })
const noneHeld: ApplySchedule.HeldBack = new Map()

// What `Plan.make` plans for a manifest that creates fresh, updates alpha, moves u1 from alpha to
// fresh, and prunes legacy.
const typical = [
  Change.RemoveMembers({ workspace: "alpha", userIds: ["u1"] }),
  Change.UpdateWorkspace({ workspace: "alpha", changes: [{ field: "description", from: null, to: "A" }] }),
  Change.CreateWorkspace({ workspace: "fresh", name: "Fresh", settings: {} }),
  Change.SetBudget({ workspace: "fresh", interval: "monthly", limitUsd: 50, previous: null }),
  Change.SetBudget({ workspace: "fresh", interval: "daily", limitUsd: 5, previous: null }),
  Change.AddMembers({ workspace: "fresh", userIds: ["u1", "u2"] }),
  Change.AddMembers({ workspace: "fresh", userIds: ["u3"] }),
  Change.DeleteWorkspace({ workspace: "legacy", name: "Legacy" })
]

describe("schedule", () => {
  it("builds up (heads, then budgets one at a time and additions), then takes away (removals, deletions)", () => {
    const schedule = scheduleOf(...typical)
    assert.deepStrictEqual(schedule.refused, [])
    assert.deepStrictEqual(schedule.buildUp, [
      { index: 1, after: [] },
      { index: 2, after: [] },
      { index: 3, after: [2] },
      { index: 4, after: [3] },
      { index: 5, after: [2] },
      { index: 6, after: [2] }
    ])
    assert.deepStrictEqual(schedule.takeAway, [
      { index: 0, after: [1] },
      { index: 7, after: [] }
    ])
    assert.deepStrictEqual(schedule.deleted, ["legacy"])
  })

  it("a workspace's heads run in the plan's order, and the rest after the last of them", () => {
    const schedule = scheduleOf(
      Change.SetBudget({ workspace: "w", interval: "daily", limitUsd: 1, previous: null }),
      Change.CreateWorkspace({ workspace: "w", name: "W", settings: {} }),
      Change.UpdateWorkspace({ workspace: "w", changes: [] }),
      Change.AddMembers({ workspace: "w", userIds: ["u1"] })
    )
    assert.deepStrictEqual(schedule.buildUp, [
      { index: 0, after: [2] },
      { index: 1, after: [] },
      { index: 2, after: [1] },
      { index: 3, after: [2] }
    ])
  })

  it("refuses, in the plan's order, what touches the default workspace's membership or deletes it, and what changes a workspace the plan deletes", () => {
    const schedule = scheduleOf(
      Change.DeleteWorkspace({ workspace: "legacy", name: "Legacy" }),
      Change.AddMembers({ workspace: "default", userIds: ["u1"] }),
      Change.SetBudget({ workspace: "legacy", interval: "daily", limitUsd: 1, previous: null }),
      Change.RemoveMembers({ workspace: "default", userIds: ["u2"] }),
      Change.DeleteWorkspace({ workspace: "default", name: "Default" }),
      Change.UpdateWorkspace({ workspace: "default", changes: [] }),
      Change.AddMembers({ workspace: "legacy", userIds: ["u3"] })
    )
    assert.deepStrictEqual(schedule.refused, [
      { index: 1, reason: `"default" is the default workspace, whose membership is implicit` },
      { index: 2, reason: "the plan deletes workspace legacy" },
      { index: 3, reason: `"default" is the default workspace, whose membership is implicit` },
      { index: 4, reason: `"default" is the default workspace: it is never deleted` },
      { index: 6, reason: "the plan deletes workspace legacy" }
    ])
    // the default workspace's deletion is refused, so its update is sent
    assert.deepStrictEqual(schedule.buildUp, [{ index: 5, after: [] }])
    assert.deepStrictEqual(schedule.takeAway, [{ index: 0, after: [] }])
    assert.deepStrictEqual(schedule.deleted, ["legacy"])
  })

  it("the default workspace is also named by its UUID, when it is configured", () => {
    const schedule = ApplySchedule.schedule(planOf(Change.DeleteWorkspace({ workspace: "uuid-1", name: "Main" })), {
      slug: "main",
      id: "uuid-1"
    })
    assert.deepStrictEqual(
      schedule.refused.map((_) => _.index),
      [0]
    )
    assert.deepStrictEqual(schedule.takeAway, [])
  })
})

describe("decide", () => {
  const schedule = scheduleOf(...typical)
  const scheduled = (index: number) => [...schedule.buildUp, ...schedule.takeAway].find((_) => _.index === index)!

  it("sends a step whose `after` steps went through", () => {
    assert.deepStrictEqual(ApplySchedule.decide(schedule, scheduled(3), outcomes([2, done]), noneHeld), {
      _tag: "Send",
      step: typical[3]!,
      kept: []
    })
  })

  it("skips a step after a failure, naming the failed step down the chain", () => {
    const afterFailure = ApplySchedule.decide(
      schedule,
      scheduled(3),
      outcomes([2, Failed({ error: forbidden })]),
      noneHeld
    )
    assert.deepStrictEqual(afterFailure, Skipped({ reason: "step 2 (CreateWorkspace fresh) failed", kept: [] }))
    assert.deepStrictEqual(
      ApplySchedule.decide(schedule, scheduled(4), outcomes([3, afterFailure as Outcome]), noneHeld),
      Skipped({ reason: "step 2 (CreateWorkspace fresh) failed", kept: [] })
    )
  })

  it("sends a removal without the users held back, and reports them kept", () => {
    const schedule = scheduleOf(Change.RemoveMembers({ workspace: "alpha", userIds: ["u1", "u2", "u3"] }))
    const held = new Map([
      ["u2", ["beta", "gamma"]],
      ["u9", ["beta"]]
    ])
    assert.deepStrictEqual(ApplySchedule.decide(schedule, { index: 0, after: [] }, outcomes(), held), {
      _tag: "Send",
      step: Change.RemoveMembers({ workspace: "alpha", userIds: ["u1", "u3"] }),
      kept: [{ userId: "u2", operation: "remove", reason: "kept: their addition to beta, gamma did not go through" }]
    })
  })

  it("skips a removal whose users are all held back, listing them kept", () => {
    const schedule = scheduleOf(Change.RemoveMembers({ workspace: "alpha", userIds: ["u1"] }))
    assert.deepStrictEqual(
      ApplySchedule.decide(schedule, { index: 0, after: [] }, outcomes(), new Map([["u1", ["beta"]]])),
      Skipped({
        reason: "kept all 1 users: their addition elsewhere did not go through",
        kept: [{ userId: "u1", operation: "remove", reason: "kept: their addition to beta did not go through" }]
      })
    )
  })

  it("skips a deletion while anyone is held back", () => {
    const held = new Map([
      ["u1", ["fresh"]],
      ["u2", ["fresh", "beta"]]
    ])
    assert.deepStrictEqual(
      ApplySchedule.decide(schedule, scheduled(7), outcomes(), held),
      Skipped({
        reason:
          "kept: the addition of 2 user(s) to fresh, beta did not go through, and they might be among its members",
        kept: []
      })
    )
    assert.strictEqual(ApplySchedule.decide(schedule, scheduled(7), outcomes(), noneHeld)._tag, "Send")
  })
})

describe("heldBack", () => {
  it("holds back the users of an addition that failed or was skipped, and those the API refused", () => {
    const schedule = scheduleOf(...typical)
    const refusedU2 = Done({ rejected: [{ userId: "u2", operation: "add", reason: "not in the organization" }] })
    assert.deepStrictEqual(
      ApplySchedule.heldBack(schedule, outcomes([5, refusedU2], [6, done])),
      new Map([["u2", ["fresh"]]])
    )
    assert.deepStrictEqual(
      ApplySchedule.heldBack(
        schedule,
        outcomes([5, Failed({ error: forbidden })], [6, Skipped({ reason: "step 2 failed", kept: [] })])
      ),
      new Map([
        ["u1", ["fresh"]],
        ["u2", ["fresh"]],
        ["u3", ["fresh"]]
      ])
    )
  })

  it("an addition refused on the default workspace holds its users back; one to a workspace the plan deletes does not", () => {
    const schedule = scheduleOf(
      Change.AddMembers({ workspace: "default", userIds: ["u1"] }),
      Change.AddMembers({ workspace: "legacy", userIds: ["u2"] }),
      Change.DeleteWorkspace({ workspace: "legacy", name: "Legacy" })
    )
    const skipped = (reason: string) => Skipped({ reason, kept: [] })
    const settled = outcomes(...schedule.refused.map(({ index, reason }) => [index, skipped(reason)] as const))
    assert.deepStrictEqual(ApplySchedule.heldBack(schedule, settled), new Map([["u1", ["default"]]]))
  })

  it("lists each user's workspaces once, in the plan's order", () => {
    const schedule = scheduleOf(
      Change.AddMembers({ workspace: "beta", userIds: ["u1"] }),
      Change.AddMembers({ workspace: "alpha", userIds: ["u1"] }),
      Change.AddMembers({ workspace: "beta", userIds: ["u1"] })
    )
    assert.deepStrictEqual(ApplySchedule.heldBack(schedule, outcomes()), new Map([["u1", ["beta", "alpha"]]]))
  })
})

describe("report", () => {
  it("folds the settled steps in the order they settled", () => {
    const kept = {
      userId: "u1",
      operation: "remove",
      reason: "kept: their addition to fresh did not go through"
    } as const
    const refused = { userId: "u2", operation: "add", reason: "not in the organization" } as const
    const settled: ReadonlyArray<Settled> = [
      { step: typical[2]!, index: 2, outcome: Failed({ error: forbidden }) },
      { step: typical[3]!, index: 3, outcome: Skipped({ reason: "step 2 (CreateWorkspace fresh) failed", kept: [] }) },
      { step: typical[1]!, index: 1, outcome: done },
      { step: typical[0]!, index: 0, outcome: Skipped({ reason: "kept all 1 users", kept: [kept] }) },
      { step: typical[5]!, index: 5, outcome: Done({ rejected: [refused] }) }
    ]
    assert.deepStrictEqual(ApplySchedule.report(typical.length, settled), {
      total: 8,
      done: 2,
      failed: [{ step: typical[2]!, index: 2, error: forbidden }],
      skipped: [
        { step: typical[3]!, index: 3, reason: "step 2 (CreateWorkspace fresh) failed" },
        { step: typical[0]!, index: 0, reason: "kept all 1 users" }
      ],
      rejected: [
        { ...kept, workspace: "alpha" },
        { ...refused, workspace: "fresh" }
      ],
      blocked: [],
      refused: []
    })
  })

  it("an empty apply reports nothing", () => {
    assert.deepStrictEqual(ApplySchedule.report(0, []), {
      total: 0,
      done: 0,
      failed: [],
      skipped: [],
      rejected: [],
      blocked: [],
      refused: []
    })
  })
})
