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
})
