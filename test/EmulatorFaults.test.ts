import { assert, describe, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { Emulator } from "../emulator/index.js"
import { contractProblems, send } from "./support/emulatorContract.js"

const seed: Emulator.Seed = {
  users: [
    { id: "user_admin", role: "admin" },
    { id: "user_member", role: "member" }
  ],
  workspaces: [{ slug: "alpha", name: "Alpha" }]
}

const call = (options: Parameters<typeof send>[1]) =>
  Effect.flatMap(Emulator.Emulator, (emulator) => send(emulator, options))
const getAlpha = call({ method: "GET", path: "/workspaces/alpha" })
const createWorkspace = (slug: string) => call({ method: "POST", path: "/workspaces", body: { name: slug, slug } })
/** The statuses of n requests in a row; 0 for a broken connection. */
const statusesOf = <R>(n: number, request: Effect.Effect<{ readonly status: number }, Error, R>) =>
  Effect.forEach(Array.from({ length: n }), () =>
    Effect.map(Effect.either(request), Either.match({ onLeft: () => 0, onRight: (reply) => reply.status }))
  )
const statuses = (n: number) => statusesOf(n, getAlpha)
const setFaults = (rules: ReadonlyArray<Emulator.FaultRule>, options?: { readonly seed?: number }) =>
  Effect.flatMap(Emulator.Emulator, (emulator) => emulator.setFaults(rules, options))
const lastRequest = Effect.flatMap(Emulator.Emulator, (emulator) =>
  Effect.map(emulator.requests, (requests) => requests[requests.length - 1]!)
)

describe("Emulator faults", () => {
  it.layer(Emulator.layer({ seed }))((it) => {
    it.effect("429 with Retry-After and X-RateLimit-*, in the spec's error shape, without processing", () =>
      Effect.gen(function* () {
        yield* setFaults([{ kind: "status", status: 429, operations: ["create"], times: 1 }])
        const before = Date.now()
        const limited = yield* createWorkspace("limited")
        assert.strictEqual(limited.status, 429)
        assert.deepStrictEqual(contractProblems("create", 429, limited.body), [])
        assert.strictEqual(limited.headers.get("retry-after"), "1")
        assert.strictEqual(limited.headers.get("x-ratelimit-limit"), "60")
        assert.strictEqual(limited.headers.get("x-ratelimit-remaining"), "0")
        assert.isAtLeast(Number(limited.headers.get("x-ratelimit-reset")), before + 1000)
        assert.strictEqual((yield* lastRequest).fault, "status")
        assert.strictEqual((yield* getAlpha).status, 200, "other operations are not affected")
        assert.strictEqual((yield* createWorkspace("limited")).status, 201, "the 429 did not create it")
      })
    )

    it.effect("Retry-After is configurable, can be omitted, and retry-after-ms can be added", () =>
      Effect.gen(function* () {
        yield* setFaults([
          { kind: "status", status: 429, times: 1, retryAfter: 7 },
          { kind: "status", status: 429, times: 1, retryAfter: null, retryAfterMs: 250, resetAfterMs: 5000 },
          { kind: "status", status: 503, times: 1, retryAfter: 2 }
        ])
        const seven = yield* getAlpha
        assert.strictEqual(seven.headers.get("retry-after"), "7")
        const without = yield* getAlpha
        assert.isNull(without.headers.get("retry-after"))
        assert.strictEqual(without.headers.get("retry-after-ms"), "250")
        assert.isAtLeast(Number(without.headers.get("x-ratelimit-reset")), Date.now() + 4000)
        const unavailable = yield* getAlpha
        assert.strictEqual(unavailable.status, 503)
        assert.strictEqual(unavailable.headers.get("retry-after"), "2")
        assert.isNull(unavailable.headers.get("x-ratelimit-limit"))
      })
    )

    it.effect("500, 502, 503 and 504 with a JSON error body", () =>
      Effect.gen(function* () {
        for (const status of [500, 502, 503, 504] as const) {
          yield* setFaults([{ kind: "status", status, times: 1 }])
          const reply = yield* getAlpha
          assert.strictEqual(reply.status, status)
          assert.deepStrictEqual(contractProblems("get", status, reply.body), [])
        }
      })
    )

    it.effect("latency is added before processing", () =>
      Effect.gen(function* () {
        yield* setFaults([{ kind: "latency", ms: 150, operations: ["get"], times: 1 }])
        const started = Date.now()
        const reply = yield* getAlpha
        assert.strictEqual(reply.status, 200)
        assert.isAtLeast(Date.now() - started, 140)
        assert.strictEqual((yield* lastRequest).fault, "latency")
      })
    )

    it.effect("latency combines with a terminal fault", () =>
      Effect.gen(function* () {
        yield* setFaults([
          { kind: "latency", ms: 20, times: 1 },
          { kind: "status", status: 502, times: 1 }
        ])
        assert.strictEqual((yield* getAlpha).status, 502)
        assert.strictEqual((yield* lastRequest).fault, "latency+status")
      })
    )

    it.effect("reset: the connection is destroyed and the change is not applied", () =>
      Effect.gen(function* () {
        yield* setFaults([{ kind: "reset", operations: ["create"], times: 1 }])
        const failed = yield* Effect.either(createWorkspace("never-made"))
        assert.isTrue(Either.isLeft(failed))
        const logged = yield* lastRequest
        assert.deepStrictEqual([logged.operation, logged.status, logged.fault], ["create", 0, "reset"])
        assert.deepStrictEqual(logged.body, { name: "never-made", slug: "never-made" })
        assert.strictEqual((yield* call({ method: "GET", path: "/workspaces/never-made" })).status, 404)
      })
    )

    it.effect("lostResponse: the change is applied, then the connection is destroyed", () =>
      Effect.gen(function* () {
        const emulator = yield* Emulator.Emulator
        yield* setFaults([{ kind: "lostResponse", operations: ["create"], times: 1 }])
        const failed = yield* Effect.either(createWorkspace("made-anyway"))
        assert.isTrue(Either.isLeft(failed))
        const logged = yield* lastRequest
        assert.deepStrictEqual([logged.status, logged.fault, logged.discardedStatus], [0, "lostResponse", 201])
        assert.strictEqual((yield* call({ method: "GET", path: "/workspaces/made-anyway" })).status, 200)
        const created = (yield* emulator.history).filter((_) => _.type === "workspaceCreated")
        assert.strictEqual(created[created.length - 1]!.requestSeq, logged.seq)
      })
    )

    it.effect("malformed: 200 with a body that is not JSON, after processing", () =>
      Effect.gen(function* () {
        yield* setFaults([
          { kind: "malformed", operations: ["create"], times: 1 },
          { kind: "malformed", operations: ["get"], times: 1, body: "<html>Bad gateway</html>" }
        ])
        const truncated = yield* createWorkspace("malformed")
        assert.strictEqual(truncated.status, 200)
        assert.strictEqual(truncated.body, undefined)
        assert.throws(() => JSON.parse(truncated.text))
        assert.strictEqual(
          (yield* call({ method: "GET", path: "/workspaces/malformed" })).text,
          "<html>Bad gateway</html>"
        )
        assert.strictEqual((yield* call({ method: "GET", path: "/workspaces/malformed" })).status, 200)
      })
    )

    it.effect("triggers: times, sequence, and no trigger (always)", () =>
      Effect.gen(function* () {
        yield* setFaults([{ kind: "status", status: 500, times: 2 }])
        assert.deepStrictEqual(yield* statuses(4), [500, 500, 200, 200])
        yield* setFaults([{ kind: "status", status: 503, sequence: [false, true, true, false, true] }])
        assert.deepStrictEqual(yield* statuses(7), [200, 503, 503, 200, 503, 200, 200])
        yield* setFaults([{ kind: "status", status: 502, operations: ["list"] }])
        assert.deepStrictEqual(yield* statusesOf(2, call({ method: "GET", path: "/workspaces" })), [502, 502])
        assert.deepStrictEqual(yield* statuses(1), [200])
        yield* setFaults([])
      })
    )

    it.effect("terminal rules are tried in order; a later rule does not see a request an earlier one took", () =>
      Effect.gen(function* () {
        const emulator = yield* Emulator.Emulator
        yield* setFaults([
          { kind: "status", status: 500, times: 1 },
          { kind: "status", status: 503, times: 1 }
        ])
        assert.deepStrictEqual(yield* statuses(3), [500, 503, 200])
        assert.deepStrictEqual(
          (yield* emulator.faults).map((_) => _.remaining),
          [0, 0]
        )
      })
    )

    it.effect("rate: deterministic from the seed", () =>
      Effect.gen(function* () {
        const rule: Emulator.FaultRule = { kind: "status", status: 503, rate: 0.5 }
        yield* setFaults([rule], { seed: 42 })
        const first = yield* statuses(24)
        yield* setFaults([rule], { seed: 42 })
        const again = yield* statuses(24)
        assert.deepStrictEqual(first, again)
        assert.isTrue(first.includes(503) && first.includes(200), first.join(","))
        yield* setFaults([rule], { seed: 43 })
        assert.notDeepEqual(yield* statuses(24), first)
        yield* setFaults([{ kind: "status", status: 503, rate: 0 }])
        assert.deepStrictEqual(yield* statuses(3), [200, 200, 200])
        yield* setFaults([{ kind: "status", status: 503, rate: 1 }])
        assert.deepStrictEqual(yield* statuses(3), [503, 503, 503])
        yield* setFaults([])
      })
    )
  })

  it.live("rules and their seed can be given at start", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const faults: ReadonlyArray<Emulator.FaultRule> = [{ kind: "status", status: 503, rate: 0.3 }]
        const run = Effect.scoped(
          Effect.gen(function* () {
            const emulator = yield* Emulator.make({ seed, faults, faultSeed: 9 })
            return yield* statusesOf(16, send(emulator, { method: "GET", path: "/workspaces" }))
          })
        )
        const first = yield* run
        assert.deepStrictEqual(yield* run, first)
        assert.isTrue(first.includes(503), first.join(","))
      })
    )
  )
})
