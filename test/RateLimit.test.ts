/**
 * Rate limits (issue 10, point 9) over real HTTP: the emulator limits each credential to a number
 * of requests per window and says so in `X-RateLimit-*` headers; the client's layer-wide gate then
 * holds every call until the window ends, instead of each call meeting its own 429; and a
 * client-side limit keeps a migration under the server's. The tests count 429s, never time.
 */
import { FetchHttpClient } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { type Duration, Effect, Layer, Redacted, TestServices } from "effect"
import { Emulator } from "../emulator/index.js"
import { Workflows, Workspaces } from "../src/index.js"

const users = Array.from({ length: 5000 }, (_, i) => `u${i}`)

const seed: Emulator.Seed = {
  users: [{ id: "admin", role: "admin" }, ...users.map((id) => ({ id, role: "member" as const }))],
  workspaces: [
    { slug: "big", name: "Big" },
    { slug: "again", name: "Again" }
  ]
}

/** 20 requests per 500 ms: the shape of 60 a minute, 40 times faster, so that the test is short. */
const rateLimit = { limit: 20, window: "500 millis" } as const

const statuses = Effect.flatMap(Emulator.Emulator, (emulator) => emulator.requests).pipe(
  Effect.map((requests) => requests.map((request) => request.status))
)

/** A client of the default policy (which honours `Retry-After`), with the given layer options. */
const client = (options: Partial<Workspaces.LayerOptions> = {}) =>
  Layer.unwrapEffect(
    Effect.map(Emulator.Emulator, (emulator) =>
      Workspaces.layer({ apiKey: emulator.managementKey, baseUrl: emulator.baseUrl, ...options })
    )
  ).pipe(Layer.provide(FetchHttpClient.layer), Layer.orDie)

const sync = Workflows.syncMembers({ workspace: "big", userIds: users, prune: false })

describe("rate limits", () => {
  it.effect("the emulator counts per key and says so: X-RateLimit-* on every answer, 429 past the limit", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.make({ seed, rateLimit })
      const get = (key: Redacted.Redacted<string>) =>
        Effect.promise(() =>
          fetch(`${emulator.baseUrl}/workspaces?limit=1`, {
            headers: { authorization: `Bearer ${Redacted.value(key)}` }
          })
        )
      const replies: Array<Response> = []
      for (let i = 0; i < 21; i++) replies.push(yield* get(emulator.managementKey))
      assert.deepStrictEqual(
        replies.map((reply) => reply.status),
        [...Array<number>(20).fill(200), 429]
      )
      assert.deepStrictEqual(
        replies.map((reply) => reply.headers.get("x-ratelimit-remaining")),
        [...Array.from({ length: 20 }, (_, i) => String(19 - i)), "0"]
      )
      const last = replies[20]!
      assert.strictEqual(last.headers.get("x-ratelimit-limit"), "20")
      assert.strictEqual(last.headers.get("retry-after"), "1")
      assert.strictEqual(last.headers.get("x-ratelimit-reset"), replies[0]!.headers.get("x-ratelimit-reset"))
      assert.strictEqual((yield* Effect.promise(() => last.json())).error.code, 429)
      // another key has a window of its own
      assert.strictEqual((yield* get(emulator.keys.memberManagementKey)).status, 200)
    }).pipe(Effect.scoped, TestServices.provideLive)
  )

  it.layer(Layer.orDie(Emulator.layer({ seed, rateLimit })))((it) => {
    it.effect("a 5,000-user sync: once the limit is spent every call waits for the window, few 429s", () =>
      Effect.gen(function* () {
        const emulator = yield* Emulator.Emulator
        yield* emulator.clearRequests
        const report = yield* Effect.provide(sync, client())
        assert.strictEqual(report.added.length, 5000)
        assert.deepStrictEqual(report.failed, [])
        const seen = yield* statuses
        const limited = seen.filter((status) => status === 429).length
        // the gate holds new calls once the calls in flight will spend what is left (8 429s without it)
        assert.isAtMost(limited, 3, `429s: ${limited} of ${seen.length} requests`)
        assert.strictEqual(seen.filter((status) => status === 200).length, 51, "1 page read and 50 bulk adds")
      }).pipe(TestServices.provideLive)
    )

    it.effect("with a client-side limit under the server's, no 429 at all", () =>
      Effect.gen(function* () {
        const emulator = yield* Emulator.Emulator
        yield* emulator.clearRequests
        const report = yield* Effect.provide(
          Workflows.syncMembers({ workspace: "again", userIds: users, prune: false }),
          client({ rateLimit: { limit: 10, window: "500 millis", algorithm: "fixed-window" } })
        )
        assert.strictEqual(report.added.length, 5000)
        assert.deepStrictEqual(yield* statuses, Array<number>(51).fill(200))
      }).pipe(TestServices.provideLive)
    )
  })

  it.effect("a rateLimit that is no limit is refused when the layer is built", () =>
    Effect.gen(function* () {
      for (const rateLimit of <ReadonlyArray<Workspaces.RateLimit>>[
        { limit: 0, window: "1 second" },
        { limit: 1.5, window: "1 second" },
        { limit: 5, window: "0 millis" },
        { limit: 5, window: "soon" as unknown as Duration.DurationInput }
      ]) {
        const built = yield* Effect.flip(
          Layer.build(
            Workspaces.layer({ apiKey: Redacted.make("sk-or-v1-x"), rateLimit }).pipe(
              Layer.provide(FetchHttpClient.layer)
            )
          )
        )
        assert.strictEqual(built._tag, "InvalidRequestError")
        assert.include(built.message, "rateLimit")
      }
    }).pipe(Effect.scoped)
  )
})
