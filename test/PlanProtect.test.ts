import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { Manifest, Plan } from "../src/index.js"
import { emulatorWithClient } from "./support/layers.js"

const seed = {
  users: [
    { id: "admin", role: "admin" as const },
    ...["u1", "u2", "u3", "u4"].map((id) => ({ id, role: "member" as const }))
  ],
  workspaces: [
    { slug: "keep", name: "Keep", members: ["u1", "u2", "u3"] },
    { slug: "doomed", name: "Doomed", members: ["u4"] },
    { slug: "empty", name: "Empty" }
  ]
}

describe("protect", () => {
  layer(emulatorWithClient({ seed }))((it) => {
    it.effect("protected users are never removed, and a workspace they are in is not deleted", () =>
      Effect.gen(function* () {
        const manifest: Manifest.Manifest = {
          protect: ["u2", "u4"],
          workspaces: [{ slug: "keep", name: "Keep", members: ["u1"] }]
        }
        const plan = yield* Plan.make(manifest, { prune: true })
        assert.deepStrictEqual(
          plan.changes.map((step) => [step._tag, step.workspace, "userIds" in step ? step.userIds : []]),
          [
            ["RemoveMembers", "keep", ["u3"]],
            ["DeleteWorkspace", "empty", []]
          ]
        )
        const unprotected = yield* Plan.make({ workspaces: manifest.workspaces }, { prune: true })
        assert.deepStrictEqual(
          unprotected.changes.map((step) => `${step._tag} ${step.workspace}`),
          ["RemoveMembers keep", "DeleteWorkspace doomed", "DeleteWorkspace empty"]
        )
      })
    )

    it.effect("protect is part of the manifest format, checked like the rest", () =>
      Effect.gen(function* () {
        const parsed = yield* Manifest.parse('{"protect":["u1"],"workspaces":[]}', "org.json")
        assert.deepStrictEqual(parsed.protect, ["u1"])
        const invalid = yield* Effect.flip(Manifest.parse('{"protect":[""],"workspaces":[]}', "org.json"))
        assert.strictEqual(invalid.issues[0]?.path, "protect[0]")
      })
    )
  })
})
