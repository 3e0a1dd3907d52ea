import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { Emulator } from "../emulator/index.js"
import { send } from "./support/emulatorContract.js"

// 100,000 users (all in the default workspace, implicitly) and 1,000 workspaces, plus one workspace
// whose 100,000 members are explicit. Timings are in bench/emulator-paging.ts, not asserted here.
const seed = Emulator.builtinSeed({ users: 100_000, workspaces: 1_000 })
const everyone: Emulator.Seed = {
  ...seed,
  workspaces: [...seed.workspaces!, { slug: "everyone", name: "Everyone", members: seed.users.map((_) => _.id) }]
}

const page = (path: string, offset: number) =>
  Effect.flatMap(Emulator.Emulator, (emulator) =>
    send(emulator, { method: "GET", path, query: { offset: String(offset), limit: "100" } })
  )

describe("Emulator under load", () => {
  it.layer(Emulator.layer({ seed: everyone }))((it) => {
    it.effect("100,000 members: total_count and a deep page, implicit and explicit", () =>
      Effect.gen(function* () {
        for (const slug of ["default", "everyone"]) {
          const first = yield* page(`/workspaces/${slug}/members`, 0)
          assert.strictEqual(first.body.total_count, 100_000)
          assert.strictEqual(first.body.data[0].user_id, seed.users[0]!.id)
          const deep = yield* page(`/workspaces/${slug}/members`, 99_900)
          assert.strictEqual(deep.body.data.length, 100)
          assert.strictEqual(deep.body.data[99].user_id, seed.users[99_999]!.id)
        }
      })
    )

    it.effect("1,000 workspaces page to the end", () =>
      Effect.gen(function* () {
        const last = yield* page("/workspaces", 950)
        assert.strictEqual(last.body.total_count, 1_001)
        assert.strictEqual(last.body.data.length, 51)
        assert.strictEqual(last.body.data[50].slug, "everyone")
      })
    )

    it.effect("a write, then the deep page again", () =>
      Effect.gen(function* () {
        const emulator = yield* Emulator.Emulator
        const plain = [...seed.users].reverse().find((user) => user.scim !== true)!
        const removed = yield* send(emulator, {
          method: "POST",
          path: "/workspaces/everyone/members/remove",
          body: { user_ids: [plain.id] }
        })
        assert.deepStrictEqual(removed.body, { removed_count: 1 })
        const deep = yield* page("/workspaces/everyone/members", 99_900)
        assert.strictEqual(deep.body.total_count, 99_999)
        assert.strictEqual(deep.body.data.length, 99)
        assert.notInclude(
          deep.body.data.map((_: { user_id: string }) => _.user_id),
          plain.id
        )
      })
    )
  })
})

describe("Emulator memory", () => {
  // `gc` on demand, for this test only
  setFlagsFromString("--expose-gc")
  const gc = runInNewContext("gc") as () => void
  /** Collects garbage once the current job, which keeps a dereferenced WeakRef's target alive, is over. */
  const collect = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10))).pipe(
    Effect.andThen(() => gc()),
    Effect.andThen(Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10))))
  )

  it.live("the seed is released once loaded: the running emulator holds only its state", () =>
    Effect.gen(function* () {
      let seed: Emulator.Seed | undefined = Emulator.builtinSeed({ users: 20_000, workspaces: 50 })
      const released = new WeakRef(seed)
      const emulator = yield* Emulator.make({ seed, logLimit: 10 })
      seed = undefined
      yield* collect
      assert.isUndefined(released.deref(), "nothing of the running emulator refers to its seed")
      const first = yield* send(emulator, { method: "GET", path: "/workspaces/default/members" })
      assert.strictEqual(first.body.total_count, 20_000)
    }).pipe(Effect.scoped)
  )

  it.live("a membership costs its fields: its id is one flat string, not the tree of a concatenation", () =>
    Effect.gen(function* () {
      // ids of under 13 characters, which V8 keeps flat, so that only the emulator's own strings count
      const users = Array.from({ length: 20_000 }, (_, i) => ({
        id: `user_${i}`,
        role: i === 0 ? ("admin" as const) : ("member" as const)
      }))
      const held = (members: ReadonlyArray<string> | undefined) =>
        Effect.gen(function* () {
          const emulator = yield* Emulator.make({
            seed: { users, workspaces: [{ slug: "target", name: "Target", ...(members ? { members } : {}) }] },
            logLimit: 0
          })
          yield* collect
          return { emulator, heap: process.memoryUsage().heapUsed }
        }).pipe(Effect.scoped)
      yield* held(undefined)
      const without = yield* held(undefined)
      const withMembers = yield* held(users.map((user) => user.id))
      const perMembership = (withMembers.heap - without.heap) / users.length
      // a record of five fields (all but its id shared strings), a 36-character id and a map entry,
      // with what the seed's loading leaves: some 330 bytes here. An id built by concatenation is a
      // tree of its parts, some 390 bytes more, for the emulator's life.
      assert.isBelow(perMembership, 500, `${perMembership.toFixed(0)} bytes per membership`)
      // and the ids made for the API's additions are UUIDs of version 4
      const emulator = yield* Emulator.make({ seed: { users, workspaces: [{ slug: "other", name: "Other" }] } })
      const added = yield* send(emulator, {
        method: "POST",
        path: "/workspaces/other/members/add",
        body: { user_ids: ["user_1", "user_2"] }
      })
      const [first, second] = added.body.data.map((member: { readonly id: string }) => member.id)
      assert.match(first, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      assert.notStrictEqual(first, second)
    }).pipe(Effect.scoped)
  )
})
