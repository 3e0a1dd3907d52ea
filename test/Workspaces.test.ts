import { FetchHttpClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import {
  Cause,
  Chunk,
  Config,
  ConfigError,
  type Duration,
  ConfigProvider,
  Effect,
  Exit,
  Fiber,
  Layer,
  Logger,
  Option,
  Queue,
  Redacted,
  Ref,
  Schedule,
  Stream,
  TestClock,
  TestServices,
  Tracer
} from "effect"
import * as Fs from "node:fs"
import { createServer as createHttpServer } from "node:http"
import { createServer, type AddressInfo } from "node:net"
import { Emulator } from "../emulator/index.js"
import { codecCount, codecOf } from "../src/internal/client.js"
import { RetryPolicy, Workspaces, WorkspacesApi, WorkspacesError } from "../src/index.js"
import { emulatorWithClient, fastRetry } from "./support/layers.js"

/** The version package.json declares: the User-Agent must carry it. */
const packageVersion: string = JSON.parse(Fs.readFileSync(new URL("../package.json", import.meta.url), "utf8")).version

const pad = (i: number) => String(i).padStart(4, "0")
const userIds = Array.from({ length: 1100 }, (_, i) => `user_${pad(i)}`)

const seed: Emulator.Seed = {
  users: [
    { id: "user_admin", role: "admin" },
    { id: "user_member", role: "member" },
    { id: "user_scim", role: "member", scim: true },
    ...userIds.map((id) => ({ id, role: "member" as const }))
  ],
  workspaces: [
    { slug: "big", name: "Big", members: userIds.slice(0, 1050) },
    { slug: "keyed", name: "Keyed", members: ["user_0000", "user_scim"] },
    { slug: "fixture", name: "Fixture", members: ["user_0001"], budgets: { lifetime: 100, monthly: 50 } }
  ],
  apiKeys: [{ userId: "user_0000", workspace: "keyed" }]
}

const requestsOf = (operation: string) =>
  Effect.map(Emulator.Emulator, (emulator) => emulator.requests).pipe(
    Effect.flatten,
    Effect.map((requests) => requests.filter((request) => request.operation === operation))
  )

/** A loopback port on which nothing listens. */
const closedPort = Effect.async<number>((resume) => {
  const server = createServer().listen(0, "127.0.0.1", () => {
    const { port } = server.address() as AddressInfo
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** Runs on the real clock: these tests wait for real backoffs and timeouts. */
const live = <A, E, R>(effect: Effect.Effect<A, E, R>) => TestServices.provideLive(effect)

const resetLog = Effect.flatMap(Emulator.Emulator, (emulator) =>
  Effect.zipRight(emulator.setFaults([]), emulator.clearRequests)
)

const setFaults = (rules: ReadonlyArray<Emulator.FaultRule>) =>
  Effect.flatMap(Emulator.Emulator, (emulator) => emulator.setFaults(rules))

/** A second client on the same emulator, with another key or settings. */
const clientWith = (options: (emulator: Emulator.Emulator["Type"]) => Partial<Workspaces.Options>) =>
  Effect.gen(function* () {
    const emulator = yield* Emulator.Emulator
    return yield* Workspaces.make({ apiKey: emulator.managementKey, baseUrl: emulator.baseUrl, ...options(emulator) })
  }).pipe(Effect.provide(FetchHttpClient.layer))

type AnyOperation = (input: unknown, options?: Workspaces.CallOptions) => Effect.Effect<unknown, { _tag: string }>
const call = (service: Workspaces.Service, operation: string, input: unknown, options?: Workspaces.CallOptions) =>
  (service[operation as keyof Workspaces.Service] as unknown as AnyOperation)(input, options)

/** A valid input of each operation against the seed's `fixture` workspace. */
const validInputs: Record<string, unknown> = {
  list: {},
  create: { name: "Made", slug: "made-by-test" },
  delete: { id: "fixture" },
  get: { id: "fixture" },
  update: { id: "fixture", name: "Fixture" },
  listBudgets: { id: "fixture" },
  getBudget: { id: "fixture", interval: "monthly" },
  deleteBudget: { id: "fixture", interval: "daily" },
  setBudget: { id: "fixture", interval: "monthly", limitUsd: 50 },
  listMembers: { id: "fixture" },
  bulkAddMembers: { id: "fixture", userIds: ["user_0001"] },
  bulkRemoveMembers: { id: "fixture", userIds: ["user_0999"] },
  listOrganizationMembers: {},
  listApiKeys: {}
}
const operations = Object.keys(validInputs)

/** The spans `run` makes with the layer's client, recorded by a tracer that wraps the current one. */
const spansOf = (run: (ws: Workspaces.Service) => Effect.Effect<unknown, unknown>) =>
  Effect.gen(function* () {
    const native = yield* Effect.tracer
    const spans: Array<Tracer.Span> = []
    const recording = Tracer.make({
      span: (...args) => {
        const span = native.span(...args)
        spans.push(span)
        return span
      },
      context: native.context
    })
    const ws = yield* Workspaces.Workspaces
    yield* run(ws).pipe(Effect.withTracer(recording))
    return spans
  })

describe("Workspaces", () => {
  it.layer(emulatorWithClient({ seed }))((it) => {
    describe("every operation's success path over HTTP", () => {
      it.effect("create, get by slug and by id, update, list, delete", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          const created = yield* ws.create({
            name: "Research",
            slug: "research",
            description: "Models under evaluation",
            defaultTextModel: "openai/gpt-4o",
            ioLoggingSamplingRate: 0.5
          })
          assert.strictEqual(created.slug, "research")
          assert.strictEqual(created.defaultTextModel, "openai/gpt-4o")
          assert.strictEqual(created.ioLoggingSamplingRate, 0.5)
          assert.match(created.id, /^[0-9a-f-]{36}$/)
          assert.deepStrictEqual(yield* ws.get({ id: created.id }), yield* ws.get({ id: "research" }))

          const updated = yield* ws.update({ id: "research", name: "Research Lab", description: null })
          assert.strictEqual(updated.name, "Research Lab")
          assert.strictEqual(updated.description, null, "null clears a field")
          assert.strictEqual(updated.defaultTextModel, "openai/gpt-4o", "an omitted key leaves it unchanged")
          const patch = (yield* requestsOf("update")).at(-1)!.body
          assert.deepStrictEqual(patch, { name: "Research Lab", description: null })

          const page = yield* ws.list({ limit: 100 })
          assert.isTrue(page.data.some((w) => w.slug === "research"))
          assert.strictEqual(page.totalCount, page.data.length)

          assert.isUndefined(yield* ws.delete({ id: "research" }))
          const gone = yield* Effect.flip(ws.get({ id: "research" }))
          assert.strictEqual(gone._tag, "NotFoundResponseError")
        })
      )

      it.effect("budgets: set, get, list, delete", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          yield* ws.create({ name: "Budgets", slug: "budgets" })
          const lifetime = yield* ws.setBudget({
            id: "budgets",
            interval: "lifetime",
            limitUsd: 100,
            includeByokInBudgets: true
          })
          assert.strictEqual(lifetime.data.resetInterval, null, "a lifetime budget has no reset interval")
          assert.strictEqual(lifetime.data.limitUsd, 100)
          assert.strictEqual(lifetime.includeByokInBudgets, true)
          yield* ws.setBudget({ id: "budgets", interval: "monthly", limitUsd: 40.5 })
          const monthly = yield* ws.getBudget({ id: "budgets", interval: "monthly" })
          assert.strictEqual(monthly.data.resetInterval, "monthly")
          assert.strictEqual(monthly.data.limitUsd, 40.5)
          assert.strictEqual(monthly.includeByokInBudgets, true, "includeByokInBudgets is workspace-wide")
          const all = yield* ws.listBudgets({ id: "budgets" })
          assert.deepStrictEqual(all.data.map((b) => b.resetInterval).sort(), ["monthly", null].sort())
          assert.isUndefined(yield* ws.deleteBudget({ id: "budgets", interval: "monthly" }))
          assert.deepStrictEqual(
            (yield* ws.listBudgets({ id: "budgets" })).data.map((b) => b.limitUsd),
            [100]
          )
        })
      )

      it.effect("members: bulk add, list, bulk remove", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          yield* ws.create({ name: "Members", slug: "members" })
          const added = yield* ws.bulkAddMembers({ id: "members", userIds: ["user_admin", "user_0100"] })
          assert.strictEqual(added.addedCount, 2)
          assert.deepStrictEqual(
            added.data.map((m) => [m.userId, m.role]),
            [
              ["user_admin", "admin"],
              ["user_0100", "member"]
            ],
            "members get their organization role"
          )
          const page = yield* ws.listMembers({ id: "members" })
          assert.strictEqual(page.totalCount, 2)
          const removed = yield* ws.bulkRemoveMembers({ id: "members", userIds: ["user_0100"] })
          assert.strictEqual(removed.removedCount, 1)
          assert.deepStrictEqual(
            (yield* ws.listMembers({ id: "members" })).data.map((m) => m.userId),
            ["user_admin"]
          )
        })
      )
    })

    describe("every documented error status decodes to its tag", () => {
      it.effect("401 for every operation with an unknown key", () =>
        Effect.gen(function* () {
          const ws = yield* clientWith(() => ({ apiKey: Redacted.make("sk-or-v1-not-a-key"), retry: false }))
          for (const operation of operations) {
            const error = yield* Effect.flip(call(ws, operation, validInputs[operation]))
            assert.strictEqual(error._tag, "UnauthorizedResponseError", operation)
          }
        })
      )

      it.effect("403 where documented, for a key that is not a management key", () =>
        Effect.gen(function* () {
          const ws = yield* clientWith((emulator) => ({ apiKey: emulator.keys.inferenceKey, retry: false }))
          for (const operation of [
            "create",
            "delete",
            "update",
            "listMembers",
            "bulkAddMembers",
            "bulkRemoveMembers"
          ]) {
            const error = yield* Effect.flip(call(ws, operation, validInputs[operation]))
            assert.strictEqual(error._tag, "ForbiddenResponseError", operation)
            assert.include((error as WorkspacesError.ForbiddenResponseError).message, "management key")
          }
          const member = yield* clientWith((emulator) => ({ apiKey: emulator.keys.memberManagementKey }))
          const notAdmin = yield* Effect.flip(member.create({ name: "Nope", slug: "nope" }))
          assert.strictEqual(notAdmin._tag, "ForbiddenResponseError", "only organization admins create workspaces")
        })
      )

      it.effect("404 where documented, for an unknown workspace", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          // the operations that name a workspace by id or slug (test/Revision2.test.ts has the organization's 404)
          for (const operation of operations.filter((op) => Object.hasOwn(validInputs[op] as object, "id"))) {
            const input = { ...(validInputs[operation] as object), id: "no-such-workspace" }
            const error = yield* Effect.flip(call(ws, operation, input))
            assert.strictEqual(error._tag, "NotFoundResponseError", operation)
          }
          const unset = yield* Effect.flip(ws.getBudget({ id: "fixture", interval: "daily" }))
          assert.strictEqual(unset._tag, "NotFoundResponseError")
        })
      )

      it.effect("400 where documented, for what only the server can reject", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          // Rewrites the interval after the client's own check, so the server sees a bad one.
          const raw = yield* clientWith(() => ({
            retry: false,
            transformClient: HttpClient.mapRequest((request) =>
              HttpClientRequest.setUrl(request, request.url.replace(/\/budgets\/daily$/, "/budgets/hourly"))
            )
          }))
          const cases: ReadonlyArray<readonly [string, Effect.Effect<unknown, { _tag: string }>]> = [
            ["create with a taken slug", ws.create({ name: "Dup", slug: "fixture" })],
            ["delete with active API keys", ws.delete({ id: "keyed" })],
            ["update to a taken slug", ws.update({ id: "keyed", slug: "fixture" })],
            ["getBudget of an unknown interval", raw.getBudget({ id: "fixture", interval: "daily" })],
            ["deleteBudget of an unknown interval", raw.deleteBudget({ id: "fixture", interval: "daily" })],
            ["setBudget above lifetime", ws.setBudget({ id: "fixture", interval: "monthly", limitUsd: 500 })],
            ["bulkAddMembers of a non-member", ws.bulkAddMembers({ id: "fixture", userIds: ["user_stranger"] })],
            ["bulkRemoveMembers of a member with keys", ws.bulkRemoveMembers({ id: "keyed", userIds: ["user_0000"] })]
          ]
          for (const [name, effect] of cases) {
            const error = yield* Effect.flip(effect)
            assert.strictEqual(error._tag, "BadRequestResponseError", name)
          }
          const scim = yield* Effect.flip(ws.bulkRemoveMembers({ id: "keyed", userIds: ["user_scim"] }))
          assert.include(["BadRequestResponseError", "ForbiddenResponseError"], scim._tag)
        })
      )

      it.effect("500 for every operation, with the body's code and message", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          for (const operation of operations) {
            yield* setFaults([{ kind: "status", status: 500, times: 1, message: "boom" }])
            const error = yield* Effect.flip(call(ws, operation, validInputs[operation], { retry: false }))
            assert.strictEqual(error._tag, "InternalServerResponseError", operation)
            const typed = error as WorkspacesError.InternalServerResponseError
            assert.strictEqual(typed.status, 500)
            assert.strictEqual(typed.code, 500)
            assert.strictEqual(typed.detail, "boom")
            assert.match(typed.requestId ?? "", /^req_\d+$/, "the emulator's x-request-id")
          }
          yield* resetLog
        })
      )

      it.effect("an undocumented status is OpenRouterDefaultError, 429 is TooManyRequestsResponseError", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          yield* setFaults([{ kind: "status", status: 503, times: 1 }])
          const unavailable = yield* Effect.flip(ws.get({ id: "fixture" }, { retry: false }))
          assert.strictEqual(unavailable._tag, "OpenRouterDefaultError")
          yield* setFaults([{ kind: "status", status: 429, times: 1, retryAfter: 7 }])
          // a client of its own: after this 429 its calls wait 7 s (the layer-wide gate)
          const gated = yield* clientWith(() => ({ retry: false }))
          const limited = yield* Effect.flip(gated.list({}))
          assert.strictEqual(limited._tag, "TooManyRequestsResponseError")
          assert.strictEqual((limited as WorkspacesError.TooManyRequestsResponseError).retryAfterMs, 7000)
          const lost = yield* clientWith(() => ({
            retry: false,
            transformClient: HttpClient.mapRequest((request) =>
              HttpClientRequest.setUrl(request, request.url.replace("/workspaces", "/workspacez"))
            )
          }))
          const notFound = yield* Effect.flip(lost.list())
          assert.strictEqual(notFound._tag, "OpenRouterDefaultError", "list documents no 404")
          yield* resetLog
        })
      )

      it.effect("a malformed success body is a ResponseValidationError with an excerpt", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          yield* setFaults([{ kind: "malformed", body: "<html>oops</html>", times: 1 }])
          const error = yield* Effect.flip(ws.get({ id: "fixture" }, { retry: false }))
          assert.strictEqual(error._tag, "ResponseValidationError")
          assert.include((error as WorkspacesError.ResponseValidationError).excerpt, "<html>oops")
          yield* resetLog
        })
      )
      it.effect("a garbled answer is retried for GET, PUT and DELETE, never for POST; a deep body is typed too", () =>
        live(
          Effect.gen(function* () {
            const ws = yield* Workspaces.Workspaces
            yield* resetLog
            yield* setFaults([{ kind: "malformed", times: 1, operations: ["get", "setBudget"] }])
            assert.strictEqual((yield* ws.get({ id: "fixture" })).slug, "fixture")
            yield* ws.setBudget({ id: "fixture", interval: "monthly", limitUsd: 50 })
            assert.strictEqual((yield* requestsOf("get")).length, 2, "the garbled GET was asked again")
            assert.strictEqual((yield* requestsOf("setBudget")).length, 1, "the fault hit the GET only, once")
            yield* resetLog
            yield* setFaults([{ kind: "malformed", times: 1, operations: ["bulkAddMembers"] }])
            const post = yield* Effect.flip(ws.bulkAddMembers({ id: "fixture", userIds: ["user_0001"] }))
            assert.strictEqual(post._tag, "ResponseValidationError")
            assert.strictEqual((yield* requestsOf("bulkAddMembers")).length, 1, "a POST is not sent twice")
            yield* resetLog
            const deep = "[".repeat(200_000) + "]".repeat(200_000)
            yield* setFaults([{ kind: "malformed", body: deep, times: 1 }])
            const nested = yield* Effect.flip(ws.get({ id: "fixture" }, { retry: false }))
            assert.strictEqual(nested._tag, "ResponseValidationError")
            yield* resetLog
          })
        )
      )

      it.effect("an input key the operation does not take is refused, naming it, before anything is sent", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          yield* resetLog
          const typo = yield* Effect.flip(ws.update({ id: "fixture", nme: "x" } as never))
          assert.strictEqual(typo._tag, "InvalidRequestError")
          const invalid = typo as WorkspacesError.InvalidRequestError
          assert.strictEqual(invalid.field, "nme")
          assert.include(invalid.rule, "is not an input of update, which takes id, name, slug")
          const extra = yield* Effect.flip(ws.get({ id: "fixture", limit: 5 } as never))
          assert.strictEqual((extra as WorkspacesError.InvalidRequestError).field, "limit")
          assert.deepStrictEqual(yield* Emulator.Emulator.pipe(Effect.flatMap((e) => e.requests)), [])
        })
      )
    })

    describe("retries", () => {
      it.effect("429 is retried and its Retry-After honoured", () =>
        live(
          Effect.gen(function* () {
            const ws = yield* Workspaces.Workspaces
            yield* resetLog
            yield* setFaults([{ kind: "status", status: 429, times: 2, retryAfter: null, retryAfterMs: 20 }])
            const workspace = yield* ws.get({ id: "fixture" })
            assert.strictEqual(workspace.slug, "fixture")
            assert.deepStrictEqual(
              (yield* requestsOf("get")).map((r) => r.status),
              [429, 429, 200]
            )
            yield* resetLog
          })
        )
      )

      it.effect("transients (408, 500, 502, 503, 504), resets and timeouts are retried", () =>
        live(
          Effect.gen(function* () {
            const ws = yield* Workspaces.Workspaces
            for (const status of [408, 500, 502, 503, 504] as const) {
              yield* resetLog
              yield* setFaults([{ kind: "status", status, times: 1 }])
              yield* ws.get({ id: "fixture" })
              assert.deepStrictEqual(
                (yield* requestsOf("get")).map((r) => r.status),
                [status, 200]
              )
            }
            yield* resetLog
            yield* setFaults([{ kind: "reset", times: 1 }])
            yield* ws.listBudgets({ id: "fixture" })
            assert.strictEqual((yield* requestsOf("listBudgets")).length, 2)

            yield* resetLog
            yield* setFaults([{ kind: "latency", ms: 400, times: 1 }])
            const timedOut = yield* Effect.flip(ws.get({ id: "fixture" }, { timeout: "100 millis", retry: false }))
            assert.strictEqual(timedOut._tag, "RequestTimeoutError")
            yield* setFaults([{ kind: "latency", ms: 400, times: 1 }])
            yield* ws.get({ id: "fixture" }, { timeout: "100 millis" })
            yield* resetLog
          })
        )
      )

      it.effect("400, 401, 403 and 404 are never retried", () =>
        live(
          Effect.gen(function* () {
            const ws = yield* Workspaces.Workspaces
            yield* resetLog
            yield* Effect.flip(ws.create({ name: "Dup", slug: "fixture" }))
            yield* Effect.flip(ws.get({ id: "missing" }))
            assert.strictEqual((yield* requestsOf("create")).length, 1)
            assert.strictEqual((yield* requestsOf("get")).length, 1)
            yield* resetLog
            const stranger = yield* clientWith(() => ({ apiKey: Redacted.make("sk-or-v1-unknown"), retry: fastRetry }))
            const inference = yield* clientWith((e) => ({ apiKey: e.keys.inferenceKey, retry: fastRetry }))
            assert.strictEqual((yield* Effect.flip(stranger.list()))._tag, "UnauthorizedResponseError")
            assert.strictEqual((yield* Effect.flip(inference.delete({ id: "fixture" })))._tag, "ForbiddenResponseError")
            assert.strictEqual((yield* requestsOf("list")).length, 1)
            assert.strictEqual((yield* requestsOf("delete")).length, 1)
            yield* resetLog
            // A policy that retries anything still never resends a 404.
            yield* Effect.flip(ws.get({ id: "missing" }, { retry: Schedule.recurs(3) }))
            assert.strictEqual((yield* requestsOf("get")).length, 1)
            yield* resetLog
          })
        )
      )

      it.effect("the deadline bounds the whole call, its first attempt and its waits included", () =>
        live(
          Effect.gen(function* () {
            const ws = yield* Workspaces.Workspaces
            yield* resetLog
            yield* setFaults([{ kind: "latency", ms: 400, operations: ["get"] }])
            const error = yield* Effect.flip(
              ws.get(
                { id: "fixture" },
                {
                  timeout: "300 millis",
                  deadline: "1 second",
                  retry: RetryPolicy.make({ baseDelay: "5 millis", maxRetries: 100, jitter: false })
                }
              )
            )
            assert.strictEqual(error._tag, "RequestTimeoutError")
            const attempts = (yield* requestsOf("get")).length
            assert.isAtLeast(attempts, 2)
            assert.isAtMost(attempts, 5, "about 1 s / 300 ms attempts, not 101")
            yield* resetLog
          })
        )
      )

      // a lost answer: the request took effect, the client saw a reset; a garbled one: the 200 was
      // sent with its body cut. The default policy asks a DELETE again after either; a PATCH after a
      // garbled answer only under a policy that asks for it.
      const resendsGarbled = Schedule.recurs(2).pipe(
        Schedule.addDelay(() => "5 millis"),
        Schedule.whileInput((error: WorkspacesError.WorkspacesError) => error._tag === "ResponseValidationError")
      )
      for (const [fault, firstStatus, updateRetry] of [
        ["lostResponse", 0, undefined],
        ["malformed", 200, resendsGarbled]
      ] as const) {
        it.effect(`a delete and a slug-changing update whose answer was cut (${fault}) report what took effect`, () =>
          live(
            Effect.gen(function* () {
              const ws = yield* Workspaces.Workspaces
              yield* ws.create({ name: "Renamed", slug: `to-rename-${fault.toLowerCase()}` })
              yield* ws.create({ name: "Doomed", slug: `to-delete-${fault.toLowerCase()}` })
              yield* resetLog
              yield* setFaults([
                { kind: fault, operations: ["update"], times: 1 },
                { kind: fault, operations: ["delete"], times: 1 }
              ])
              const renamed = yield* ws.update(
                { id: `to-rename-${fault.toLowerCase()}`, slug: `renamed-${fault.toLowerCase()}` },
                updateRetry === undefined ? undefined : { retry: updateRetry }
              )
              assert.strictEqual(renamed.slug, `renamed-${fault.toLowerCase()}`)
              assert.isUndefined(yield* ws.delete({ id: `to-delete-${fault.toLowerCase()}` }))
              assert.deepStrictEqual(
                (yield* requestsOf("update")).map((r) => r.status),
                [firstStatus, 404],
                "the resend found the old slug gone"
              )
              assert.deepStrictEqual(
                (yield* requestsOf("delete")).map((r) => r.status),
                [firstStatus, 404]
              )
              const gone = yield* Effect.flip(ws.get({ id: `to-delete-${fault.toLowerCase()}` }))
              assert.strictEqual(gone._tag, "NotFoundResponseError")
              yield* resetLog
            })
          )
        )
      }

      it.effect("gives up after the retry limit with the last error", () =>
        live(
          Effect.gen(function* () {
            const ws = yield* Workspaces.Workspaces
            yield* resetLog
            yield* setFaults([{ kind: "status", status: 503 }])
            const error = yield* Effect.flip(ws.get({ id: "fixture" }))
            assert.strictEqual(error._tag, "OpenRouterDefaultError")
            assert.strictEqual((yield* requestsOf("get")).length, 6, "the first attempt and 5 retries")
            yield* resetLog
          })
        )
      )

      it.effect("a create whose response was lost after the server applied it makes one workspace", () =>
        live(
          Effect.gen(function* () {
            const ws = yield* Workspaces.Workspaces
            yield* resetLog
            yield* setFaults([
              { kind: "lostResponse", operations: ["create"], times: 1 },
              { kind: "status", status: 500, operations: ["get"], times: 1 }
            ])
            const created = yield* ws.create({ name: "Lost", slug: "lost-response" })
            assert.strictEqual(created.slug, "lost-response")
            assert.strictEqual((yield* requestsOf("create")).length, 1, "never resent after the lookup found it")
            assert.deepStrictEqual(
              (yield* requestsOf("get")).map((r) => r.status),
              [500, 200],
              "the lookup retries like any GET"
            )
            const all = yield* Stream.runCollect(ws.streamWorkspaces())
            assert.strictEqual(Chunk.filter(all, (w) => w.slug === "lost-response").length, 1)
            yield* resetLog
          })
        )
      )

      it.effect("a create never reports its own earlier attempt as a taken slug", () =>
        live(
          Effect.gen(function* () {
            const ws = yield* Workspaces.Workspaces
            yield* resetLog
            // The first attempt times out client-side and lands on the server only later: the lookup
            // right after the timeout finds nothing, the resend meets "slug taken", and the second
            // lookup finds the workspace the first attempt made.
            yield* setFaults([{ kind: "latency", ms: 500, operations: ["create"], times: 1 }])
            const created = yield* ws.create(
              { name: "Slow", slug: "slow-create" },
              { timeout: "100 millis", retry: RetryPolicy.make({ baseDelay: "1 second", jitter: false }) }
            )
            assert.strictEqual(created.slug, "slow-create")
            const creates = yield* requestsOf("create")
            assert.deepStrictEqual(
              creates.map((r) => r.status),
              [201, 400],
              "the first attempt made it, the resend was refused"
            )
            assert.deepStrictEqual(
              (yield* requestsOf("get")).map((r) => r.status),
              [404, 200]
            )
            const all = yield* Stream.runCollect(ws.streamWorkspaces())
            assert.strictEqual(Chunk.filter(all, (w) => w.slug === "slow-create").length, 1)
            yield* resetLog
          })
        )
      )

      it.effect("a create is resent after a failure proven unapplied, and after 429", () =>
        live(
          Effect.gen(function* () {
            const ws = yield* Workspaces.Workspaces
            yield* resetLog
            yield* setFaults([{ kind: "status", status: 500, operations: ["create"], times: 1 }])
            yield* ws.create({ name: "Retried", slug: "retried-create" })
            assert.deepStrictEqual(
              (yield* requestsOf("create")).map((r) => r.status),
              [500, 201]
            )
            assert.deepStrictEqual(
              (yield* requestsOf("get")).map((r) => r.status),
              [404],
              "the slug was looked up before resending"
            )
            yield* resetLog
            yield* setFaults([{ kind: "status", status: 429, operations: ["create"], times: 1, retryAfterMs: 5 }])
            yield* ws.create({ name: "Limited", slug: "limited-create" })
            assert.deepStrictEqual(
              (yield* requestsOf("create")).map((r) => r.status),
              [429, 201]
            )
            assert.strictEqual((yield* requestsOf("get")).length, 0, "a 429 needs no lookup")
            yield* resetLog
            yield* setFaults([{ kind: "malformed", operations: ["create"], times: 1 }])
            const applied = yield* ws.create({ name: "Garbled", slug: "garbled-create" })
            assert.strictEqual(applied.slug, "garbled-create")
            assert.strictEqual((yield* requestsOf("create")).length, 1)
            yield* resetLog
          })
        )
      )
    })

    describe("paging streams", () => {
      it.effect("streamMembers reads every page with bounded concurrency, in order", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          yield* resetLog
          const streamed = Chunk.toReadonlyArray(
            yield* Stream.runCollect(ws.streamMembers({ id: "big", pageSize: 100, concurrency: 4 }))
          )
          const pages = yield* requestsOf("listMembers")
          assert.strictEqual(pages.length, 11, "ceil(1050 / 100) pages")
          assert.deepStrictEqual(
            pages.map((r) => r.query.limit).filter((l) => l !== "100"),
            []
          )
          let sequential: Array<string> = []
          for (let offset = 0; offset < 1050; offset += 100) {
            const page = yield* ws.listMembers({ id: "big", offset, limit: 100 })
            sequential = [...sequential, ...page.data.map((m) => m.userId)]
          }
          assert.strictEqual(streamed.length, 1050)
          assert.deepStrictEqual(
            streamed.map((m) => m.userId),
            sequential
          )
          assert.strictEqual(new Set(streamed.map((m) => m.userId)).size, 1050)
          yield* resetLog
        })
      )

      it.effect("pages are fetched concurrently, up to the bound", () =>
        live(
          Effect.gen(function* () {
            yield* resetLog
            const inFlight = yield* Ref.make({ now: 0, max: 0 })
            const track = (delta: number) =>
              Ref.update(inFlight, ({ max, now }) => ({ now: now + delta, max: Math.max(max, now + delta) }))
            const ws = yield* clientWith(() => ({
              transformClient: HttpClient.transform((response) =>
                Effect.acquireUseRelease(
                  track(1),
                  () => response,
                  () => track(-1)
                )
              )
            }))
            yield* setFaults([{ kind: "latency", ms: 100, operations: ["listMembers"] }])
            for (const concurrency of [1, 4]) {
              yield* Ref.set(inFlight, { now: 0, max: 0 })
              const members = yield* Stream.runCollect(ws.streamMembers({ id: "big", concurrency }))
              assert.strictEqual(members.length, 1050)
              assert.strictEqual((yield* Ref.get(inFlight)).max, concurrency)
            }
            yield* resetLog
          })
        )
      )

      it.effect("by default the first page comes alone, then 8 are in flight (the emulator's count)", () =>
        live(
          Effect.gen(function* () {
            const ws = yield* Workspaces.Workspaces
            yield* resetLog
            yield* setFaults([{ kind: "latency", ms: 100, operations: ["listMembers"] }])
            assert.strictEqual(yield* Stream.runCount(ws.streamMembers({ id: "big" })), 1050)
            const pages = yield* requestsOf("listMembers")
            assert.strictEqual(pages.length, 11)
            assert.strictEqual(pages[0]!.inFlight, 1)
            assert.strictEqual(Math.max(...pages.map((page) => page.inFlight)), 8)
            yield* resetLog
          })
        )
      )

      it.effect("the page size is clamped to 1..100", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          yield* resetLog
          const members = yield* Stream.runCollect(ws.streamMembers({ id: "big", pageSize: 1000 }))
          assert.strictEqual(members.length, 1050)
          assert.strictEqual((yield* requestsOf("listMembers")).length, 11)
          yield* resetLog
          const few = yield* Stream.runCollect(ws.streamMembers({ id: "keyed", pageSize: 0 }))
          assert.strictEqual(few.length, 2)
          assert.deepStrictEqual(
            (yield* requestsOf("listMembers")).map((r) => r.query.limit),
            ["1", "1"]
          )
          yield* resetLog
        })
      )

      it.effect("a first total_count past maxItems fails the stream before it reads on", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          yield* resetLog
          const refused = yield* Effect.flip(Stream.runCollect(ws.streamMembers({ id: "big", maxItems: 1000 })))
          assert.strictEqual(refused._tag, "ResponseValidationError")
          assert.include(refused.message, "total_count 1050 is more than maxItems 1000")
          assert.strictEqual((yield* requestsOf("listMembers")).length, 1, "only the first page was read")
          const all = yield* Stream.runCollect(ws.streamMembers({ id: "big", maxItems: 1050 }))
          assert.strictEqual(Chunk.size(all), 1050)
          yield* resetLog
        })
      )

      it.effect("streamWorkspaces yields every workspace once", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          const first = yield* ws.list({ limit: 1 })
          const all = yield* Stream.runCollect(ws.streamWorkspaces({ pageSize: 2, concurrency: 3 }))
          assert.strictEqual(all.length, first.totalCount)
          assert.strictEqual(new Set(Chunk.map(all, (w) => w.id)).size, first.totalCount)
        })
      )
    })

    describe("validation before sending", () => {
      const long = (n: number) => "a".repeat(n)
      const invalid: ReadonlyArray<readonly [string, unknown, string]> = [
        ["create", { name: "x", slug: "Bad Slug" }, "slug"],
        ["create", { name: "x", slug: "-lead" }, "slug"],
        ["create", { name: "x", slug: long(51) }, "slug"],
        ["create", { name: "", slug: "ok" }, "name"],
        ["create", { name: long(101), slug: "ok" }, "name"],
        ["create", { name: "x", slug: "ok", description: long(501) }, "description"],
        ["create", { name: "x", slug: "ok", ioLoggingSamplingRate: 0 }, "ioLoggingSamplingRate"],
        ["update", { id: "fixture", ioLoggingSamplingRate: 1.5 }, "ioLoggingSamplingRate"],
        ["update", { id: "fixture", slug: "a--b" }, "slug"],
        ["list", { limit: 0 }, "limit"],
        ["list", { limit: 101 }, "limit"],
        ["list", { limit: 1.5 }, "limit"],
        ["listMembers", { id: "fixture", offset: -1 }, "offset"],
        ["get", { id: "" }, "id"],
        ["bulkAddMembers", { id: "fixture", userIds: [] }, "userIds"],
        ["bulkAddMembers", { id: "fixture", userIds: userIds.slice(0, 101) }, "userIds"],
        ["bulkRemoveMembers", { id: "fixture", userIds: [""] }, "userIds.0"],
        ["setBudget", { id: "fixture", interval: "monthly", limitUsd: 0 }, "limitUsd"],
        ["setBudget", { id: "fixture", interval: "monthly", limitUsd: -5 }, "limitUsd"],
        ["setBudget", { id: "fixture", interval: "monthly", limitUsd: Infinity }, "limitUsd"],
        ["setBudget", { id: "fixture", interval: "monthly", limitUsd: NaN }, "limitUsd"],
        ["getBudget", { id: "fixture", interval: "hourly" }, "interval"],
        ["get", { id: ".." }, "id"],
        ["delete", { id: "." }, "id"]
      ]
      it.effect("bad input fails with InvalidRequestError naming the field, and sends nothing", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          const emulator = yield* Emulator.Emulator
          yield* resetLog
          for (const [operation, input, field] of invalid) {
            const error = yield* Effect.flip(call(ws, operation, input))
            assert.strictEqual(error._tag, "InvalidRequestError", `${operation} ${JSON.stringify(input)}`)
            const typed = error as WorkspacesError.InvalidRequestError
            assert.strictEqual(typed.field, field, typed.message)
            assert.include(typed.message, field)
          }
          assert.strictEqual((yield* emulator.requests).length, 0, "no request went out")
        })
      )
    })

    describe("wire details", () => {
      it.effect("headers: bearer key, Accept, Content-Type, User-Agent and attribution", () =>
        Effect.gen(function* () {
          yield* resetLog
          const ws = yield* clientWith(() => ({
            httpReferer: "https://platform.example",
            appTitle: "Platform migrations",
            appCategories: ["cli-agent", "programming-app"],
            transformClient: HttpClient.mapRequest(HttpClientRequest.setHeader("x-team", "platform"))
          }))
          yield* ws.bulkAddMembers({ id: "fixture", userIds: ["user_0001"] })
          const [request] = yield* requestsOf("bulkAddMembers")
          assert.strictEqual(request!.credential, "managementKey")
          assert.strictEqual(request!.headers["accept"], "application/json")
          assert.match(request!.headers["content-type"]!, /^application\/json/)
          assert.strictEqual(request!.headers["user-agent"], `effect-openrouter-workspaces/${packageVersion}`)
          assert.strictEqual(request!.headers["http-referer"], "https://platform.example")
          assert.strictEqual(request!.headers["x-openrouter-title"], "Platform migrations")
          assert.strictEqual(request!.headers["x-openrouter-categories"], "cli-agent,programming-app")
          assert.strictEqual(request!.headers["x-team"], "platform", "transformClient wraps the client")
          assert.deepStrictEqual(request!.body, { user_ids: ["user_0001"] })
          yield* resetLog
        })
      )

      it.effect("path parameters are URL-encoded", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          yield* resetLog
          yield* Effect.flip(ws.get({ id: "a/b c?d" }))
          const [request] = yield* Effect.flatMap(Emulator.Emulator, (e) => e.requests)
          assert.strictEqual(request!.path, "/api/v1/workspaces/a%2Fb%20c%3Fd")
          yield* resetLog
        })
      )

      it.effect("a base URL that is not https is refused unless its host is loopback", () =>
        Effect.gen(function* () {
          const refused = yield* Effect.flip(clientWith(() => ({ baseUrl: "http://openrouter.ai/api/v1" })))
          assert.strictEqual(refused._tag, "InvalidRequestError")
          assert.strictEqual(refused.field, "baseUrl")
          const lookalike = yield* Effect.flip(clientWith(() => ({ baseUrl: "http://127.evil.example/api/v1" })))
          assert.strictEqual(lookalike._tag, "InvalidRequestError", "a host name that begins with 127. is not loopback")
          yield* Effect.flip(clientWith(() => ({ baseUrl: "http://127.0.0.2:9/api/v1" })).pipe(Effect.flip))
          const loopback = yield* Effect.flip(
            clientWith(() => ({ baseUrl: "http://localhost:9/api/v1" })).pipe(Effect.flip)
          )
          const https = yield* Effect.flip(
            clientWith(() => ({ baseUrl: "https://openrouter.ai/api/v1" })).pipe(Effect.flip)
          )
          assert.isFunction(loopback.get)
          assert.isFunction(https.get)
          const refusals = [
            ["https://user:hunter2@openrouter.ai/api/v1", "must not carry credentials"],
            ["https://openrouter.ai/api/v1?x=1", "must not have a query or a fragment"],
            ["https://openrouter.ai/api/v1#frag", "must not have a query or a fragment"],
            ["not a url hunter2", "is not a URL"]
          ] as const
          for (const [baseUrl, rule] of refusals) {
            const error = yield* Effect.flip(clientWith(() => ({ baseUrl })))
            assert.strictEqual(error._tag, "InvalidRequestError", baseUrl)
            assert.include(error.rule, rule)
            assert.notInclude(error.message, "hunter2", "a password is never echoed")
          }
        })
      )

      it.effect("layerConfig reads the key, base URL and attribution from the environment", () =>
        Effect.gen(function* () {
          const emulator = yield* Emulator.Emulator
          yield* resetLog
          const provider = ConfigProvider.fromMap(
            new Map([
              ["OPENROUTER_API_KEY", Redacted.value(emulator.managementKey)],
              ["OPENROUTER_BASE_URL", emulator.baseUrl],
              ["OPENROUTER_APP_TITLE", "From env"]
            ])
          )
          const page = yield* Effect.flatMap(Workspaces.Workspaces, (ws) => ws.list()).pipe(
            Effect.provide(Workspaces.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))),
            Effect.withConfigProvider(provider)
          )
          assert.isAbove(page.totalCount, 0)
          const [request] = yield* requestsOf("list")
          assert.strictEqual(request!.headers["x-openrouter-title"], "From env")
          yield* resetLog
        })
      )
      it.effect("layerConfig takes Config values for the variables a user chooses", () =>
        Effect.gen(function* () {
          const emulator = yield* Emulator.Emulator
          yield* resetLog
          const provider = ConfigProvider.fromMap(
            new Map([
              ["ORG_KEY", Redacted.value(emulator.managementKey)],
              ["ORG_API", emulator.baseUrl],
              // the defaults' variables are not read when a Config is given
              ["OPENROUTER_BASE_URL", "https://openrouter.invalid/api/v1"]
            ])
          )
          const live = Workspaces.layerConfig({
            apiKey: Config.redacted("ORG_KEY"),
            baseUrl: Config.string("ORG_API"),
            appTitle: Config.succeed("Chosen"),
            retry: false
          })
          const page = yield* Effect.flatMap(Workspaces.Workspaces, (ws) => ws.list()).pipe(
            Effect.provide(live.pipe(Layer.provide(FetchHttpClient.layer))),
            Effect.withConfigProvider(provider)
          )
          assert.isAbove(page.totalCount, 0)
          const [request] = yield* requestsOf("list")
          assert.strictEqual(request!.headers["x-openrouter-title"], "Chosen")
          yield* resetLog
        })
      )

      it.effect("an empty or missing key fails the layer before any request, naming the variable", () =>
        Effect.gen(function* () {
          yield* resetLog
          const build = (entries: ReadonlyArray<readonly [string, string]>) =>
            Effect.flip(
              Effect.flatMap(Workspaces.Workspaces, (ws) => ws.list()).pipe(
                Effect.provide(Workspaces.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))),
                Effect.withConfigProvider(ConfigProvider.fromMap(new Map(entries)))
              )
            )
          for (const entries of [[["OPENROUTER_API_KEY", ""]], [["OPENROUTER_API_KEY", "  "]], []] as const) {
            const error = yield* build(entries)
            assert.isTrue(ConfigError.isConfigError(error), String(error))
            assert.include(String(error), "OPENROUTER_API_KEY")
          }
          assert.include(String(yield* build([["OPENROUTER_API_KEY", ""]])), "must not be empty")
          const direct = yield* Effect.flip(Workspaces.make({ apiKey: Redacted.make("") }))
          assert.strictEqual(direct._tag, "InvalidRequestError")
          assert.strictEqual(direct.field, "apiKey")
          assert.deepStrictEqual(yield* Emulator.Emulator.pipe(Effect.flatMap((e) => e.requests)), [])
        }).pipe(Effect.provide(FetchHttpClient.layer))
      )
    })

    describe("the key stays secret", () => {
      it.effect("spans are named Workspaces.<op> and carry no key", () =>
        Effect.gen(function* () {
          const emulator = yield* Emulator.Emulator
          const secret = Redacted.value(emulator.managementKey)
          const spans = yield* spansOf((ws) =>
            Effect.all([
              ws.get({ id: "fixture" }),
              Effect.flip(ws.get({ id: "missing" })),
              Effect.flip(ws.create({ name: "Dup", slug: "fixture" }, { retry: false }))
            ])
          )
          const names = spans.map((span) => span.name)
          assert.include(names, "Workspaces.get")
          // each operation's span names its operation and the workspace it is about (never the key)
          assert.deepStrictEqual(
            spans
              .filter((span) => span.name.startsWith("Workspaces."))
              .map((span) => [
                span.name,
                span.attributes.get("workspaces.operation"),
                span.attributes.get("workspaces.workspace")
              ]),
            [
              ["Workspaces.get", "get", "fixture"],
              ["Workspaces.get", "get", "missing"],
              ["Workspaces.create", "create", "fixture"]
            ]
          )
          assert.isTrue(
            names.some((name) => name.startsWith("http.client")),
            names.join(", ")
          )
          for (const span of spans) {
            const text = JSON.stringify([span.name, Array.from(span.attributes), String(span.status._tag)])
            assert.notInclude(text, secret)
            assert.notInclude(text, "Bearer sk-")
          }
        })
      )

      const lines: Array<string> = []
      const capture = Logger.replace(
        Logger.defaultLogger,
        Logger.make((options) => {
          lines.push(Logger.logfmtLogger.log(options), Logger.jsonLogger.log(options), Logger.stringLogger.log(options))
        })
      )
      it.effect("absent from error messages, JSON and log output", () =>
        live(
          Effect.gen(function* () {
            const emulator = yield* Emulator.Emulator
            const secret = Redacted.value(emulator.managementKey)
            const ws = yield* clientWith(() => ({
              retry: false,
              transformClient: HttpClient.tapRequest((request) => Effect.log("sending", request))
            }))
            const port = yield* closedPort
            // Emulators listen on 127.0.0.1 only, so nothing answers on 127.0.0.2.
            const closed = yield* clientWith(() => ({ baseUrl: `http://127.0.0.2:${port}/api/v1`, retry: false }))
            yield* setFaults([
              { kind: "status", status: 500, operations: ["listBudgets"], times: 1 },
              { kind: "latency", ms: 300, operations: ["getBudget"], times: 1 }
            ])
            const errors = [
              yield* Effect.flip(ws.get({ id: "missing" })),
              yield* Effect.flip(ws.listBudgets({ id: "fixture" })),
              yield* Effect.flip(ws.setBudget({ id: "fixture", interval: "daily", limitUsd: -1 })),
              yield* Effect.flip(closed.list()),
              yield* Effect.flip(ws.getBudget({ id: "fixture", interval: "monthly" }, { timeout: "50 millis" }))
            ]
            assert.deepStrictEqual(
              errors.map((e) => e._tag),
              [
                "NotFoundResponseError",
                "InternalServerResponseError",
                "InvalidRequestError",
                "ConnectionError",
                "RequestTimeoutError"
              ]
            )
            assert.isFalse((errors[3] as WorkspacesError.ConnectionError).sent, "refused: never reached a server")
            yield* Effect.forEach(errors, (error) => Effect.logError("failed", error))
            yield* Effect.logInfo(emulator.managementKey)
            const texts = [...errors.flatMap((e) => [e.message, String(e), JSON.stringify(e)]), ...lines]
            assert.isAbove(lines.length, 5)
            for (const text of texts) assert.notInclude(text, secret)
            yield* resetLog
          })
        ).pipe(Effect.provide(capture))
      )
    })

    describe("what the speed-ups keep", () => {
      const readOnly = ["list", "get", "listBudgets", "getBudget", "listMembers"] as const

      it.effect("each endpoint's encoders and decoder are compiled once, whatever the calls and clients", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          for (const operation of readOnly) yield* call(ws, operation, validInputs[operation])
          const compiled = codecCount()
          const codecs = readOnly.map((operation) => codecOf(WorkspacesApi.endpoints[operation]))
          const other = yield* clientWith(() => ({ retry: false }))
          for (let round = 0; round < 3; round++) {
            for (const operation of readOnly) {
              yield* call(ws, operation, validInputs[operation])
              yield* call(other, operation, validInputs[operation])
            }
            yield* Effect.flip(ws.get({ id: "missing" }))
            yield* Effect.flip(ws.get({ id: "" }))
          }
          assert.strictEqual(codecCount(), compiled, "no compilation after the first call of each endpoint")
          assert.deepStrictEqual(
            readOnly.map((operation) => codecOf(WorkspacesApi.endpoints[operation])),
            codecs
          )
          for (const codec of codecs) assert.isTrue(codecs.filter((_) => _ === codec).length === 1)
          yield* resetLog
        })
      )

      const assertParented = (spans: ReadonlyArray<Tracer.Span>, operations: ReadonlyArray<string>) => {
        const named = spans.filter((span) => span.name.startsWith("Workspaces."))
        assert.deepStrictEqual(
          named.map((span) => span.name),
          operations.map((operation) => `Workspaces.${operation}`)
        )
        for (const span of named) {
          assert.strictEqual(span.attributes.get("workspaces.operation"), span.name.slice("Workspaces.".length))
          const requests = spans.filter(
            (child) =>
              child.name.startsWith("http.client") && child.parent._tag === "Some" && child.parent.value === span
          )
          assert.strictEqual(requests.length, 1, `one http.client span under ${span.name}`)
        }
      }

      it.effect("every operation is a span Workspaces.<op>, its HTTP request a span under it (wall clock)", () =>
        live(
          Effect.gen(function* () {
            const spans = yield* spansOf((ws) =>
              Effect.forEach(readOnly, (operation) => call(ws, operation, validInputs[operation]))
            )
            assertParented(spans, readOnly)
            yield* resetLog
          })
        )
      )

      it.effect(
        "an attempt's span: method, URL, status and request id, its trace context sent, no header attributes",
        () =>
          live(
            Effect.gen(function* () {
              yield* resetLog
              const emulator = yield* Emulator.Emulator
              const spans = yield* spansOf((ws) => ws.listMembers({ id: "fixture", offset: 0, limit: 5 }))
              const [span, ...others] = spans.filter((span) => span.name.startsWith("http.client"))
              assert.strictEqual(others.length, 0, "one span for one attempt: the platform's own is not made too")
              const url = new URL(emulator.baseUrl)
              const [request] = yield* requestsOf("listMembers")
              assert.strictEqual(span!.name, "http.client GET")
              assert.strictEqual(span!.kind, "client")
              assert.deepStrictEqual(Object.fromEntries(span!.attributes), {
                "http.request.method": "GET",
                "server.address": url.origin,
                "server.port": Number(url.port),
                "url.full": `${emulator.baseUrl}/workspaces/fixture/members?offset=0&limit=5`,
                "url.path": `${url.pathname}/workspaces/fixture/members`,
                "url.scheme": "http",
                "url.query": "offset=0&limit=5",
                "http.response.status_code": 200,
                "http.response.header.x-request-id": request!.requestId
              })
              assert.strictEqual(request!.headers["traceparent"], `00-${span!.traceId}-${span!.spanId}-01`)
              assert.strictEqual(request!.headers["b3"], `${span!.traceId}-${span!.spanId}-1-${spans[0]!.spanId}`)
              assert.strictEqual(spans[0]!.name, "Workspaces.listMembers")
              yield* resetLog
            })
          )
      )

      it.effect(
        "each attempt of a retried call is a span; the platform's settings turn propagation and spans off",
        () =>
          live(
            Effect.gen(function* () {
              yield* resetLog
              yield* setFaults([{ kind: "status", status: 503, times: 1 }])
              const retried = yield* spansOf((ws) => ws.get({ id: "fixture" }, { retry: fastRetry }))
              assert.deepStrictEqual(
                retried.map((span) => [span.name, span.attributes.get("http.response.status_code")]),
                [
                  ["Workspaces.get", undefined],
                  ["http.client GET", 503],
                  ["http.client GET", 200]
                ]
              )
              yield* resetLog
              const unpropagated = yield* spansOf((ws) =>
                ws.get({ id: "fixture" }).pipe(Effect.locally(HttpClient.currentTracerPropagation, false))
              )
              assert.strictEqual(unpropagated.filter((span) => span.name === "http.client GET").length, 1)
              const [request] = yield* requestsOf("get")
              assert.isUndefined(request!.headers["traceparent"])
              assert.isUndefined(request!.headers["b3"])
              const untraced = yield* spansOf((ws) =>
                ws.get({ id: "fixture" }).pipe(Effect.locally(HttpClient.currentTracerDisabledWhen, () => true))
              )
              assert.deepStrictEqual(
                untraced.map((span) => span.name),
                ["Workspaces.get"]
              )
              // the same settings made on the client by transformClient, which wraps the traced client
              yield* resetLog
              const quiet = yield* clientWith(() => ({ transformClient: HttpClient.withTracerPropagation(false) }))
              const quietSpans = yield* spansOf(() => quiet.get({ id: "fixture" }))
              assert.strictEqual(quietSpans.filter((span) => span.name === "http.client GET").length, 1)
              assert.isUndefined((yield* requestsOf("get"))[0]!.headers["traceparent"])
              const dark = yield* clientWith(() => ({
                transformClient: (client) => HttpClient.withTracerDisabledWhen(client, () => true)
              }))
              assert.deepStrictEqual(
                (yield* spansOf(() => dark.get({ id: "fixture" }))).map((span) => span.name),
                ["Workspaces.get"]
              )
              yield* resetLog
            })
          )
      )

      it.effect("the same under a TestClock, where the timeout runs on Effect.timeoutFail", () =>
        Effect.gen(function* () {
          const spans = yield* spansOf((ws) =>
            Effect.forEach(readOnly, (operation) => call(ws, operation, validInputs[operation]))
          )
          assertParented(spans, readOnly)
          yield* resetLog
        })
      )

      it.effect("under a TestClock, a hung attempt is cut when the clock passes its timeout", () =>
        Effect.gen(function* () {
          yield* resetLog
          const answered = yield* Ref.make(0)
          const ws = yield* clientWith(() => ({
            retry: false,
            transformClient: HttpClient.tap(() => Ref.update(answered, (n) => n + 1))
          }))
          yield* setFaults([{ kind: "latency", ms: 1500, operations: ["get"], times: 1 }])
          const fiber = yield* Effect.fork(Effect.flip(ws.get({ id: "fixture" }, { timeout: "1 second" })))
          // the request reaches the emulator, which holds it; then the test clock passes the timeout
          yield* live(Effect.sleep("100 millis"))
          yield* TestClock.adjust("1 second")
          const error = yield* Fiber.join(fiber)
          assert.strictEqual(error._tag, "RequestTimeoutError")
          assert.strictEqual(yield* Ref.get(answered), 0, "cut before the answer came")
          yield* resetLog
        })
      )

      it.effect("on the wall clock, a hung attempt is cut at its timeout, long before the answer", () =>
        live(
          Effect.gen(function* () {
            yield* resetLog
            const answered = yield* Ref.make(0)
            const ws = yield* clientWith(() => ({
              retry: false,
              transformClient: HttpClient.tap(() => Ref.update(answered, (n) => n + 1))
            }))
            yield* setFaults([{ kind: "latency", ms: 1500, operations: ["listMembers"], times: 1 }])
            const error = yield* Effect.flip(ws.listMembers({ id: "fixture" }, { timeout: "100 millis" }))
            assert.strictEqual(error._tag, "RequestTimeoutError")
            assert.strictEqual((error as WorkspacesError.RequestTimeoutError).timeoutMs, 100)
            assert.strictEqual(yield* Ref.get(answered), 0, "cut before the answer came")
            // the next call on the same client is not held by the cut one
            yield* ws.listMembers({ id: "fixture" }, { timeout: "1 second" })
            yield* resetLog
          })
        )
      )
    })
  })
})

describe("error bodies from other servers", () => {
  it.effect("a string code, metadata and a request id are kept; a non-JSON error body still decodes", () =>
    Effect.gen(function* () {
      const bodies = [
        [404, JSON.stringify({ error: { code: "not_found", message: "no such workspace", metadata: { hint: 1 } } })],
        [502, "<html>bad gateway</html>"]
      ] as const
      let served = 0
      const server = yield* Effect.acquireRelease(
        Effect.async<ReturnType<typeof createHttpServer>>((resume) => {
          const created = createHttpServer((_, response) => {
            const [status, body] = bodies[served++ % bodies.length]!
            response.writeHead(status, { "content-type": "application/json", "x-request-id": `req_${served}` })
            response.end(body)
          }).listen(0, "127.0.0.1", () => resume(Effect.succeed(created)))
        }),
        (created) => Effect.async<void>((resume) => void created.close(() => resume(Effect.void)))
      )
      const { port } = server.address() as AddressInfo
      const ws = yield* Workspaces.make({
        apiKey: Redacted.make("sk-or-v1-test"),
        baseUrl: `http://127.0.0.1:${port}/api/v1`,
        retry: false
      }).pipe(Effect.provide(FetchHttpClient.layer))
      const notFound = yield* Effect.flip(ws.get({ id: "x" }))
      assert.strictEqual(notFound._tag, "NotFoundResponseError")
      const typed = notFound as WorkspacesError.NotFoundResponseError
      assert.strictEqual(typed.code, "not_found")
      assert.strictEqual(typed.detail, "no such workspace")
      assert.deepStrictEqual(typed.metadata, { hint: 1 })
      assert.strictEqual(typed.requestId, "req_1")
      assert.include(typed.message, "[request req_1]")
      const gateway = yield* Effect.flip(ws.get({ id: "x" }))
      assert.strictEqual(gateway._tag, "OpenRouterDefaultError")
      assert.strictEqual((gateway as WorkspacesError.OpenRouterDefaultError).detail, "HTTP 502")
    }).pipe(Effect.scoped, TestServices.provideLive)
  )
})

/**
 * A server that holds every request until the test releases it, so a test can act while an attempt is
 * in flight without guessing how long it takes: `received` yields one release per request, in order.
 */
const heldServer = Effect.gen(function* () {
  const received = yield* Queue.unbounded<Effect.Effect<void>>()
  const server = yield* Effect.acquireRelease(
    Effect.async<ReturnType<typeof createHttpServer>>((resume) => {
      const created = createHttpServer((_, response) => {
        const release = Effect.sync(() => {
          response.writeHead(503, { "content-type": "application/json" })
          response.end(JSON.stringify({ error: { code: 503, message: "held, then unavailable" } }))
        })
        Queue.unsafeOffer(received, release)
      }).listen(0, "127.0.0.1", () => resume(Effect.succeed(created)))
    }),
    (created) =>
      Effect.async<void>((resume) => {
        created.closeAllConnections()
        created.close(() => resume(Effect.void))
      })
  )
  const { port } = server.address() as AddressInfo
  const answered = yield* Ref.make(0)
  const ws = yield* Workspaces.make({
    apiKey: Redacted.make("sk-or-v1-test"),
    baseUrl: `http://127.0.0.1:${port}/api/v1`,
    retry: fastRetry,
    transformClient: HttpClient.tap(() => Ref.update(answered, (n) => n + 1))
  }).pipe(Effect.provide(FetchHttpClient.layer))
  return { ws, received, answered }
})

describe("interrupting a call", () => {
  it.scoped("uninterruptibleAttempts lets the attempt in flight finish, then stops", () =>
    Effect.gen(function* () {
      const { answered, received, ws } = yield* heldServer
      const guarded = yield* Effect.fork(Workspaces.uninterruptibleAttempts(ws.get({ id: "fixture" })))
      const release = yield* Queue.take(received)
      const interrupting = yield* Effect.fork(Fiber.interrupt(guarded))
      yield* Effect.yieldNow()
      assert.isTrue(Option.isNone(yield* Fiber.poll(interrupting)), "the interruption waits for the attempt")
      yield* release
      const exit = yield* Fiber.join(interrupting)
      assert.isTrue(Exit.isInterrupted(exit), "the call stopped instead of retrying the 503")
      assert.strictEqual(yield* Ref.get(answered), 1, "the attempt in flight was answered before the stop")
      assert.strictEqual(yield* Queue.size(received), 0, "and no further attempt went out")
    })
  )

  it.scoped("without it, the attempt in flight is abandoned at once", () =>
    Effect.gen(function* () {
      const { answered, received, ws } = yield* heldServer
      const plain = yield* Effect.fork(ws.get({ id: "fixture" }))
      const release = yield* Queue.take(received)
      const exit = yield* Fiber.interrupt(plain)
      assert.isTrue(Exit.isInterrupted(exit))
      assert.strictEqual(yield* Ref.get(answered), 0, "stopped before the server answered")
      yield* release
      assert.strictEqual(yield* Queue.size(received), 0)
    })
  )

  it.scoped("inside uninterruptibleAttempts, the per-attempt timeout still cuts a hung attempt", () =>
    Effect.gen(function* () {
      const { answered, received, ws } = yield* heldServer
      const call = yield* Effect.fork(
        Workspaces.uninterruptibleAttempts(ws.get({ id: "fixture" }, { timeout: "100 millis", retry: false }))
      )
      yield* Queue.take(received)
      // the server never answers: on the TestClock, 100 ms pass only when the test says so
      yield* TestClock.adjust("100 millis")
      const error = yield* Effect.flip(Fiber.join(call))
      assert.strictEqual(error._tag, "RequestTimeoutError")
      assert.strictEqual(yield* Ref.get(answered), 0, "the attempt was cut, not waited for")
    })
  )
})

/** A full page of 100 members whose `total_count` says `totalCount`. */
const fullPage = (totalCount: number) =>
  JSON.stringify({
    data: Array.from({ length: 100 }, (_, i) => ({
      id: `m${i}`,
      workspace_id: "w",
      user_id: `user_${i}`,
      role: "member",
      created_at: "2026-01-01T00:00:00Z"
    })),
    total_count: totalCount
  })

/**
 * A server on 127.0.0.1 that answers the n-th request (from 0) with `answer(n)`, or holds it when
 * that is undefined; and a client of it that never retries.
 */
const localServer = (answer: (n: number) => string | undefined) =>
  Effect.gen(function* () {
    let served = 0
    const server = yield* Effect.acquireRelease(
      Effect.async<ReturnType<typeof createHttpServer>>((resume) => {
        const created = createHttpServer((_, response) => {
          const body = answer(served++)
          if (body === undefined) return
          response.writeHead(200, { "content-type": "application/json" })
          response.end(body)
        }).listen(0, "127.0.0.1", () => resume(Effect.succeed(created)))
      }),
      (created) =>
        Effect.async<void>((resume) => {
          created.closeAllConnections()
          created.close(() => resume(Effect.void))
        })
    )
    const { port } = server.address() as AddressInfo
    const ws = yield* Workspaces.make({
      apiKey: Redacted.make("sk-or-v1-test"),
      baseUrl: `http://127.0.0.1:${port}/api/v1`,
      retry: false
    }).pipe(Effect.provide(FetchHttpClient.layer))
    return { ws, served: () => served }
  })

describe("a server that lies about total_count", () => {
  it.effect("announcing a billion members with full pages: the stream stops at once with a typed error", () =>
    Effect.gen(function* () {
      const page = fullPage(1_000_000_000)
      const { served, ws } = yield* localServer(() => page)
      const error = yield* Effect.flip(Stream.runCollect(ws.streamMembers({ id: "x" })))
      assert.strictEqual(error._tag, "ResponseValidationError")
      assert.include(error.message, "total_count 1000000000 is more than maxItems 1000000")
      assert.strictEqual(served(), 1)
    }).pipe(Effect.scoped, TestServices.provideLive)
  )
})

describe("a stream as a whole", () => {
  it.layer(emulatorWithClient({ seed }))((it) => {
    it.effect("is a span Workspaces.<stream> naming its workspace, which holds every page's call", () =>
      Effect.gen(function* () {
        let read = 0
        const spans = yield* spansOf((ws) =>
          Stream.runForEach(ws.streamMembers({ id: "big", pageSize: 100 }), () => Effect.sync(() => void read++))
        )
        assert.strictEqual(read, 1050)
        const [stream, ...others] = spans.filter((span) => span.name === "Workspaces.streamMembers")
        assert.isDefined(stream)
        assert.deepStrictEqual(others, [])
        assert.strictEqual(stream!.attributes.get("workspaces.workspace"), "big")
        assert.strictEqual(stream!.attributes.get("workspaces.operation"), "streamMembers")
        const pages = spans.filter((span) => span.name === "Workspaces.listMembers")
        assert.strictEqual(pages.length, 11)
        for (const page of pages) {
          assert.isTrue(
            page.parent._tag === "Some" && page.parent.value === stream,
            "a page's span is the stream's child"
          )
        }
      })
    )
  })

  it.effect("streamDeadline bounds the whole stream: a page that never comes fails it, typed", () =>
    Effect.gen(function* () {
      // answers the first page, then holds every other request without answering
      const first = fullPage(300)
      const { served, ws } = yield* localServer((n) => (n === 0 ? first : undefined))
      const running = yield* Effect.fork(
        Stream.runCollect(ws.streamMembers({ id: "x", concurrency: 1, streamDeadline: "10 seconds" }))
      )
      // the first page has come and the second is asked for; the test clock then passes the stream's
      // deadline, long before the page's own 30 s timeout
      while (served() < 2) yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
      yield* TestClock.adjust("11 seconds")
      const exit = yield* Fiber.await(running)
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined
      assert.strictEqual(error?._tag, "RequestTimeoutError")
      assert.include(error?.message ?? "", "streamDeadline")
      const bad = yield* Effect.flip(
        Stream.runDrain(ws.streamMembers({ id: "x", streamDeadline: "never" as unknown as Duration.DurationInput }))
      )
      assert.strictEqual(bad._tag, "InvalidRequestError")
    }).pipe(Effect.scoped)
  )
})
