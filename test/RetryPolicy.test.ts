import { assert, describe, it } from "@effect/vitest"
import { Effect, Schedule, ScheduleDecision, ScheduleIntervals } from "effect"
import { retryAfterMs } from "../src/internal/client.js"
import { RetryPolicy, WorkspacesError } from "../src/index.js"

const fields = { operation: "Workspaces.get", detail: "x" }
const status = (code: number, retryAfter?: number): WorkspacesError.WorkspacesError => {
  const withWait = retryAfter === undefined ? {} : { retryAfterMs: retryAfter }
  switch (code) {
    case 400:
      return new WorkspacesError.BadRequestResponseError({ ...fields, status: code })
    case 401:
      return new WorkspacesError.UnauthorizedResponseError({ ...fields, status: code })
    case 403:
      return new WorkspacesError.ForbiddenResponseError({ ...fields, status: code })
    case 404:
      return new WorkspacesError.NotFoundResponseError({ ...fields, status: code })
    case 429:
      return new WorkspacesError.TooManyRequestsResponseError({ ...fields, status: code, ...withWait })
    case 500:
      return new WorkspacesError.InternalServerResponseError({ ...fields, status: code, ...withWait })
    default:
      return new WorkspacesError.OpenRouterDefaultError({ ...fields, status: code, ...withWait })
  }
}
const refused = new WorkspacesError.ConnectionError({ operation: "x", sent: false, reason: "ECONNREFUSED" })
const reset = new WorkspacesError.ConnectionError({ operation: "x", sent: true, reason: "ECONNRESET" })

/** The waits a policy chooses for a sequence of failures, stepping it as `Effect.retry` does. */
const waits = (policy: RetryPolicy.RetryPolicy, inputs: ReadonlyArray<WorkspacesError.WorkspacesError>) =>
  Effect.gen(function* () {
    let state = policy.initial
    let now = 0
    const out: Array<number> = []
    for (const input of inputs) {
      const [next, , decision] = yield* policy.step(now, input, state)
      if (ScheduleDecision.isDone(decision)) break
      const start = ScheduleIntervals.start(decision.intervals)
      out.push(start - now)
      now = start
      state = next
    }
    return out
  })

const repeat = <A>(n: number, a: A) => Array.from({ length: n }, () => a)

describe("RetryPolicy", () => {
  it.effect("backs off exponentially from 500 ms by 1.5, at most 5 retries", () =>
    Effect.gen(function* () {
      const policy = RetryPolicy.make({ jitter: false })
      assert.deepStrictEqual(yield* waits(policy, repeat(10, status(500))), [500, 750, 1125, 1687.5, 2531.25])
    })
  )

  it.effect("the default jitters each wait within 0.8..1.2", () =>
    Effect.gen(function* () {
      const observed = yield* waits(RetryPolicy.defaultPolicy, repeat(10, status(503)))
      const nominal = [500, 750, 1125, 1687.5, 2531.25]
      assert.strictEqual(observed.length, 5)
      observed.forEach((wait, i) => assert.isTrue(wait >= nominal[i]! * 0.8 && wait <= nominal[i]! * 1.2, `${wait}`))
    })
  )

  it.effect("retries 408, 429, 500, 502, 503, 504, timeouts and connection errors only", () =>
    Effect.gen(function* () {
      const policy = RetryPolicy.make({ jitter: false })
      const timeout = new WorkspacesError.RequestTimeoutError({ operation: "x", timeoutMs: 1 })
      for (const error of [408, 429, 500, 502, 503, 504].map((s) => status(s)).concat([timeout, refused, reset])) {
        assert.strictEqual((yield* waits(policy, [error])).length, 1, error._tag)
      }
      const invalid = new WorkspacesError.InvalidRequestError({ operation: "x", field: "f", rule: "r" })
      const body = new WorkspacesError.ResponseValidationError({ operation: "x", status: 200, issue: "i", excerpt: "" })
      for (const error of [400, 401, 403, 404, 409, 422].map((s) => status(s)).concat([invalid, body])) {
        assert.deepStrictEqual(yield* waits(policy, [error]), [], error._tag)
      }
    })
  )

  it.effect("a wait the server asked for is the least wait, capped at 60 s", () =>
    Effect.gen(function* () {
      const policy = RetryPolicy.make({ jitter: false })
      assert.deepStrictEqual(yield* waits(policy, [status(429, 5000)]), [5000])
      assert.deepStrictEqual(yield* waits(policy, [status(429, 10)]), [500], "never less than the backoff")
      assert.deepStrictEqual(yield* waits(policy, [status(503, 120_000)]), [60_000])
      assert.deepStrictEqual(yield* waits(policy, repeat(3, status(500, 0))), [500, 750, 1125])
    })
  )

  it("isFinal: 400, 401, 403, 404 and invalid input, which the client never retries whatever the policy", () => {
    const invalid = new WorkspacesError.InvalidRequestError({ operation: "x", field: "f", rule: "r" })
    assert.deepStrictEqual(
      [400, 401, 403, 404, 429, 500, 503].map((s) => RetryPolicy.isFinal(status(s))),
      [true, true, true, true, false, false, false]
    )
    assert.isTrue(RetryPolicy.isFinal(invalid))
    const undocumented = new WorkspacesError.OpenRouterDefaultError({ ...fields, status: 403 })
    assert.isTrue(RetryPolicy.isFinal(undocumented), "a 403 the operation does not document, too")
    assert.isFalse(RetryPolicy.isFinal(reset))
  })

  it.effect("none never retries", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* waits(RetryPolicy.none, [status(500)]), [])
    })
  )

  it.effect("unappliedOnly keeps what provably did not take effect: 429 and a refused connection", () =>
    Effect.gen(function* () {
      const policy = RetryPolicy.unappliedOnly(RetryPolicy.make({ jitter: false }))
      assert.strictEqual((yield* waits(policy, [status(429)])).length, 1)
      assert.strictEqual((yield* waits(policy, [refused])).length, 1)
      assert.strictEqual((yield* waits(policy, [status(500)])).length, 0)
      assert.strictEqual((yield* waits(policy, [reset])).length, 0)
    })
  )

  it.effect("any Schedule is a policy", () =>
    Effect.gen(function* () {
      const custom: RetryPolicy.RetryPolicy = Schedule.spaced("1 second").pipe(Schedule.intersect(Schedule.recurs(2)))
      assert.deepStrictEqual(yield* waits(custom, repeat(5, status(500))), [1000, 1000])
    })
  )

  describe("reading the wait from headers", () => {
    const now = Date.parse("2026-01-01T00:00:00Z")
    it("retry-after-ms first, then Retry-After in seconds or as a date, then X-RateLimit-Reset", () => {
      assert.strictEqual(retryAfterMs({ "retry-after-ms": "250", "retry-after": "9" }, now), 250)
      assert.strictEqual(retryAfterMs({ "retry-after": "3" }, now), 3000)
      assert.strictEqual(retryAfterMs({ "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }, now), 5000)
      assert.strictEqual(retryAfterMs({ "x-ratelimit-reset": String(now / 1000 + 2) }, now), 2000)
      assert.strictEqual(retryAfterMs({ "x-ratelimit-reset": String(now + 1500) }, now), 1500)
      assert.strictEqual(retryAfterMs({ "retry-after": "soon" }, now), undefined)
      assert.strictEqual(retryAfterMs({}, now), undefined)
    })
  })
})
