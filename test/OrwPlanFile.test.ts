import { assert, describe, it } from "@effect/vitest"
import { Either } from "effect"
import { createHash } from "node:crypto"
import * as PlanFile from "../cli/internal/planFile.js"
import { editDistance, renameWarnings } from "../cli/internal/warnings.js"
import { Plan } from "../src/index.js"

const print = (id: string) => ({ settings: id, budgets: id, members: id, memberCount: 4 })

const plan: Plan.Plan = {
  prune: true,
  changes: [
    Plan.Change.AddMembers({ workspace: "to", userIds: ["u1", "u2"] }),
    Plan.Change.RemoveMembers({ workspace: "from", userIds: ["u1", "u2", "u3"] }),
    Plan.Change.DeleteWorkspace({ workspace: "old", name: "Old" }),
    Plan.Change.SetBudget({ workspace: "other", interval: "monthly", limitUsd: 5, previous: null })
  ],
  blocked: [
    {
      change: Plan.Change.RemoveMembers({ workspace: "from", userIds: ["u4"] }),
      reason: "holds 1 active API key in from: 'ci' — disable or delete it first",
      apiKeys: [{ hash: "h1", name: "ci" }]
    }
  ]
}
const saved = PlanFile.make({
  plan,
  target: "https://openrouter.ai/api/v1",
  defaultWorkspace: "default",
  fingerprints: { to: print("a"), from: print("b"), old: print("c"), other: print("d") },
  now: new Date(0)
})

describe("saved plans", () => {
  it("round-trip through their JSON, and refuse a change of a single byte of their body", () => {
    const text = JSON.stringify(saved)
    const read = PlanFile.parse("plan.json", text)
    assert.isTrue(Either.isRight(read))
    assert.deepStrictEqual(PlanFile.planOf(Either.getOrThrow(read)), plan)
    const tampered = PlanFile.parse("plan.json", text.replace('"limitUsd":5', '"limitUsd":6'))
    assert.match(
      Either.getLeft(tampered).pipe((e) => (e._tag === "Some" ? e.value.message : "")),
      /digest does not match/
    )
  })

  it("carry the blocked changes under their digest; read version 1 files, which have none; refuse other versions", () => {
    const text = JSON.stringify(saved)
    assert.strictEqual(saved.version, 2)
    const unblocked = PlanFile.parse("plan.json", text.replace("'ci' — disable", "'ci' - disable"))
    assert.match(Either.isLeft(unblocked) ? unblocked.left.message : "", /digest does not match/)
    const { blocked: _, digest: _d, ...rest } = saved
    const v1 = { ...rest, version: 1 }
    const canonical = (value: unknown): string =>
      JSON.stringify(value, (_, v: unknown) =>
        v !== null && typeof v === "object" && !Array.isArray(v)
          ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
          : v
      )
    const digest = createHash("sha256").update(canonical(v1)).digest("hex")
    const old = PlanFile.parse("old.json", JSON.stringify({ ...v1, digest }))
    assert.deepStrictEqual(
      Either.map(old, (read) => Plan.blocked(PlanFile.planOf(read))),
      Either.right([])
    )
    const future = PlanFile.parse("new.json", JSON.stringify({ ...saved, version: 3 }))
    assert.strictEqual(
      Either.isLeft(future) ? future.left.message : "",
      "new.json: is a plan file of version 3; this orw reads versions 1 and 2: make a new plan with this orw"
    )
  })

  it("name what needs --allow-destroy", () => {
    assert.deepStrictEqual(PlanFile.destructive(plan, saved.fingerprints, 0.25), [
      "it deletes workspace old, with its 4 memberships and its budgets",
      "it removes 3 of the 4 members of from (75 %), more than --max-removals 25 %"
    ])
    assert.deepStrictEqual(PlanFile.destructive(plan, saved.fingerprints, 0.8).length, 1)
  })
})

describe("rename warnings", () => {
  it("edit distance", () => {
    assert.strictEqual(editDistance("research", "reserach"), 2)
    assert.strictEqual(editDistance("research", "research-2"), 2)
    assert.isAbove(editDistance("research", "marketing"), 2)
  })

  it("name a create and a delete that look like a rename, and a near miss of an existing slug", () => {
    const renamed: Plan.Plan = {
      prune: true,
      changes: [
        Plan.Change.CreateWorkspace({ workspace: "data-sciences", name: "Data", settings: {} }),
        Plan.Change.DeleteWorkspace({ workspace: "data-science", name: "Data" }),
        Plan.Change.CreateWorkspace({ workspace: "enginering", name: "Eng", settings: {} })
      ]
    }
    const warnings = renameWarnings(renamed, ["data-science", "engineering", "default"])
    assert.strictEqual(warnings.length, 2, warnings.join("\n"))
    assert.match(warnings[0]!, /creates data-sciences and deletes data-science: if this is a rename/)
    assert.match(warnings[1]!, /creates enginering, close to the existing engineering: is it a typo\?/)
  })
})
