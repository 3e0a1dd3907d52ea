/**
 * Revision 2 of the API over real HTTP against the emulator: the organization's members, its API
 * keys, the default workspace's deletion and `disabled_server_tools`. Each documented status of the
 * two new endpoints is decoded to its tag here; `test/EmulatorSpec.test.ts` checks the emulator's
 * answers against the spec's schemas.
 */
import { FetchHttpClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Redacted, Stream, TestServices } from "effect"
import * as Fs from "node:fs"
import { createServer, type Server } from "node:http"
import * as Os from "node:os"
import * as Path from "node:path"
import type { AddressInfo } from "node:net"
import { Emulator } from "../emulator/index.js"
import { Manifest, Plan, Workspaces } from "../src/index.js"
import { emulatorWithClient } from "./support/layers.js"

const pad = (i: number) => String(i).padStart(4, "0")
const people = Array.from({ length: 230 }, (_, i) => ({
  id: `user_${pad(i)}`,
  role: "member" as const,
  email: `person${i}@acme.example`,
  firstName: `Person${i}`,
  lastName: i % 2 === 0 ? "Even" : null
}))

const seed: Emulator.Seed = {
  users: [
    { id: "user_admin", role: "admin", email: "admin@acme.example", firstName: "Ada", lastName: "Admin" },
    ...people
  ],
  managementKeys: [
    { key: "sk-or-v1-admin-management", userId: "user_admin" },
    // the key of someone who has left the organization: it is associated with none
    { key: "sk-or-v1-outsider-management", userId: "user_gone" }
  ],
  workspaces: [
    { slug: "research", name: "Research", members: ["user_0000", "user_0001"], budgets: { monthly: 100 } },
    { slug: "quiet", name: "Quiet" }
  ],
  apiKeys: [
    { userId: "user_admin", workspace: "default", name: "prod", usage: 12.5, limit: 100 },
    { userId: "user_admin", workspace: "default", name: "ci" },
    ...Array.from({ length: 5 }, (_, i) => ({ userId: "user_0000", workspace: "research", name: `r${i}` })),
    { userId: "user_0001", workspace: "research", name: "retired", disabled: true }
  ]
}

const requestsOf = (operation: string) =>
  Effect.flatMap(Emulator.Emulator, (emulator) => emulator.requests).pipe(
    Effect.map((requests) => requests.filter((request) => request.operation === operation))
  )

const clearLog = Effect.flatMap(Emulator.Emulator, (emulator) =>
  Effect.zipRight(emulator.setFaults([]), emulator.clearRequests)
)

/** A second client on the same emulator, with another key or settings. */
const clientWith = (options: (emulator: Emulator.Emulator["Type"]) => Partial<Workspaces.Options>) =>
  Effect.gen(function* () {
    const emulator = yield* Emulator.Emulator
    return yield* Workspaces.make({ apiKey: emulator.managementKey, baseUrl: emulator.baseUrl, ...options(emulator) })
  }).pipe(Effect.provide(FetchHttpClient.layer))

const researchId = Effect.flatMap(Workspaces.Workspaces, (ws) => ws.get({ id: "research" })).pipe(
  Effect.map((workspace) => workspace.id)
)

describe("revision 2", () => {
  it.layer(emulatorWithClient({ seed, keysPageSize: 2 }))((it) => {
    describe("organization members", () => {
      it.effect("streamOrganizationMembers reads every member across pages, with names and org roles", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          yield* clearLog
          const members = Chunk.toReadonlyArray(yield* Stream.runCollect(ws.streamOrganizationMembers()))
          assert.strictEqual(members.length, 231)
          assert.deepStrictEqual(members[0], {
            id: "user_admin",
            email: "admin@acme.example",
            firstName: "Ada",
            lastName: "Admin",
            role: "org:admin"
          })
          assert.deepStrictEqual(members[2], {
            id: "user_0001",
            email: "person1@acme.example",
            firstName: "Person1",
            lastName: null,
            role: "org:member"
          })
          assert.strictEqual(new Set(members.map((_) => _.id)).size, 231)
          const pages = yield* requestsOf("listOrganizationMembers")
          assert.deepStrictEqual(pages.map((request) => request.query["offset"]).sort(), ["0", "100", "200"])
          const page = yield* ws.listOrganizationMembers({ offset: 229, limit: 5 })
          assert.deepStrictEqual(
            page.data.map((_) => _.id),
            ["user_0228", "user_0229"]
          )
          assert.strictEqual(page.totalCount, 231)
        })
      )

      it.effect("its documented statuses decode to their tags: 401, 404, 500 (and 429, common to all)", () =>
        Effect.gen(function* () {
          const emulator = yield* Emulator.Emulator
          const unknown = yield* clientWith(() => ({ apiKey: Redacted.make("sk-or-v1-not-a-key"), retry: false }))
          assert.strictEqual((yield* Effect.flip(unknown.listOrganizationMembers()))._tag, "UnauthorizedResponseError")
          const inference = yield* clientWith((emulator) => ({ apiKey: emulator.keys.inferenceKey, retry: false }))
          assert.strictEqual(
            (yield* Effect.flip(inference.listOrganizationMembers()))._tag,
            "UnauthorizedResponseError"
          )
          const outsider = yield* clientWith(() => ({ apiKey: Redacted.make("sk-or-v1-outsider-management") }))
          const none = yield* Effect.flip(outsider.listOrganizationMembers())
          assert.strictEqual(none._tag, "NotFoundResponseError")
          const ws = yield* Workspaces.Workspaces
          yield* emulator.setFaults([{ kind: "status", status: 500, times: 1, message: "boom" }])
          const failed = yield* Effect.flip(ws.listOrganizationMembers({}, { retry: false }))
          assert.strictEqual(failed._tag, "InternalServerResponseError")
          yield* emulator.setFaults([{ kind: "status", status: 429, times: 1, retryAfter: 3 }])
          // a client of its own: after this 429 its calls wait 3 s (the layer-wide gate)
          const gated = yield* clientWith(() => ({ retry: false }))
          const limited = yield* Effect.flip(gated.listOrganizationMembers({}))
          assert.strictEqual(limited._tag, "TooManyRequestsResponseError")
          yield* clearLog
        })
      )

      it.effect("a limit outside 1..100 is refused before anything is sent", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          yield* clearLog
          const error = yield* Effect.flip(ws.listOrganizationMembers({ limit: 500 }))
          assert.strictEqual(error._tag, "InvalidRequestError")
          assert.include(error.message, "limit")
          assert.deepStrictEqual(yield* requestsOf("listOrganizationMembers"), [])
        })
      )
    })

    describe("API keys", () => {
      it.effect("listApiKeys: the default workspace's active keys unless told otherwise, never a secret", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          const emulator = yield* Emulator.Emulator
          const defaults = yield* ws.listApiKeys()
          assert.deepStrictEqual(
            defaults.data.map((key) => key.name),
            ["prod", "ci"]
          )
          const [prod] = defaults.data
          assert.strictEqual(prod!.creatorUserId, "user_admin")
          assert.strictEqual(prod!.usage, 12.5)
          assert.strictEqual(prod!.limitRemaining, 87.5)
          assert.match(prod!.hash, /^[0-9a-f]{64}$/)
          const secrets = Array.from((yield* emulator.snapshot).apiKeys, (key) => key.key)
          for (const secret of secrets) assert.notInclude(JSON.stringify(defaults), secret)

          const research = yield* researchId
          const firstPage = yield* ws.listApiKeys({ workspaceId: research })
          assert.strictEqual(firstPage.data.length, 2, "the emulator's page size (keysPageSize)")
          const past = yield* ws.listApiKeys({ workspaceId: research, offset: 100 })
          assert.deepStrictEqual(past.data, [])
        })
      )

      it.effect("streamApiKeys pages by offset until an empty page; includeDisabled adds the disabled ones", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          const research = yield* researchId
          yield* clearLog
          const active = Chunk.toReadonlyArray(yield* Stream.runCollect(ws.streamApiKeys({ workspaceId: research })))
          assert.deepStrictEqual(
            active.map((key) => key.name),
            ["r0", "r1", "r2", "r3", "r4"]
          )
          assert.isTrue(active.every((key) => key.workspaceId === research && !key.disabled))
          const requests = yield* requestsOf("listApiKeys")
          assert.deepStrictEqual(
            requests.map((request) => request.query["offset"]),
            ["0", "2", "4", "5"]
          )
          const all = Chunk.toReadonlyArray(
            yield* Stream.runCollect(ws.streamApiKeys({ workspaceId: research, includeDisabled: true }))
          )
          assert.deepStrictEqual(
            all.filter((key) => key.disabled).map((key) => key.name),
            ["retired"]
          )
          assert.strictEqual(all.length, 6)
        })
      )

      it.effect("a workspaceId that is not a UUID is refused before anything is sent", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          yield* clearLog
          const error = yield* Effect.flip(ws.listApiKeys({ workspaceId: "research" }))
          assert.strictEqual(error._tag, "InvalidRequestError")
          assert.include(error.message, "workspaceId")
          const streamed = yield* Effect.flip(Stream.runDrain(ws.streamApiKeys({ workspaceId: "research" })))
          assert.strictEqual(streamed._tag, "InvalidRequestError")
          assert.deepStrictEqual(yield* requestsOf("listApiKeys"), [])
        })
      )

      it.effect("its documented statuses decode to their tags: 400, 401, 429, 500", () =>
        Effect.gen(function* () {
          const emulator = yield* Emulator.Emulator
          const ws = yield* Workspaces.Workspaces
          // Rewrites the flag after the client's own check, so that the server sees a bad one.
          const raw = yield* clientWith(() => ({
            retry: false,
            transformClient: HttpClient.mapRequest((request) =>
              HttpClientRequest.setUrlParam(request, "include_disabled", "perhaps")
            )
          }))
          const bad = yield* Effect.flip(raw.listApiKeys({ includeDisabled: true }))
          assert.strictEqual(bad._tag, "BadRequestResponseError")
          const unknown = yield* clientWith(() => ({ apiKey: Redacted.make("sk-or-v1-not-a-key"), retry: false }))
          assert.strictEqual((yield* Effect.flip(unknown.listApiKeys()))._tag, "UnauthorizedResponseError")
          yield* emulator.setFaults([{ kind: "status", status: 429, times: 1, retryAfter: 4 }])
          const gated = yield* clientWith(() => ({ retry: false }))
          const limited = yield* Effect.flip(gated.listApiKeys({}))
          assert.strictEqual(limited._tag, "TooManyRequestsResponseError")
          assert.strictEqual(limited._tag === "TooManyRequestsResponseError" && limited.retryAfterMs, 4000)
          yield* emulator.setFaults([{ kind: "status", status: 500, times: 1 }])
          const failed = yield* Effect.flip(ws.listApiKeys({}, { retry: false }))
          assert.strictEqual(failed._tag, "InternalServerResponseError")
          yield* clearLog
        })
      )
    })

    describe("disabled server tools", () => {
      it.effect("created, read back, cleared by [] or null; unknown tools are kept, never rejected", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          const created = yield* ws.create({
            name: "Tools",
            slug: "tools",
            disabledServerTools: ["openrouter:web_search", "openrouter:teleport"]
          })
          assert.deepStrictEqual(created.disabledServerTools, ["openrouter:web_search", "openrouter:teleport"])
          assert.deepStrictEqual((yield* ws.get({ id: "tools" })).disabledServerTools, [
            "openrouter:web_search",
            "openrouter:teleport"
          ])
          const renamed = yield* ws.update({ id: "tools", name: "Tools!" })
          assert.deepStrictEqual(renamed.disabledServerTools, ["openrouter:web_search", "openrouter:teleport"])
          assert.isNull((yield* ws.update({ id: "tools", disabledServerTools: [] })).disabledServerTools)
          yield* ws.update({ id: "tools", disabledServerTools: ["openrouter:bash"] })
          assert.isNull((yield* ws.update({ id: "tools", disabledServerTools: null })).disabledServerTools)
          assert.isNull((yield* ws.get({ id: "quiet" })).disabledServerTools)
          yield* ws.delete({ id: "tools" })
        })
      )

      it.effect("a tool that is not a string is refused before anything is sent", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          yield* clearLog
          const error = yield* Effect.flip(ws.update({ id: "quiet", disabledServerTools: [42 as unknown as string] }))
          assert.strictEqual(error._tag, "InvalidRequestError")
          assert.include(error.message, "disabledServerTools")
          assert.deepStrictEqual(yield* requestsOf("update"), [])
        })
      )
    })
  })

  describe("deleting the default workspace", () => {
    it.layer(emulatorWithClient({ seed }))((it) => {
      it.effect("is refused without the confirmation; with it, its keys are disabled and its budgets go", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          const emulator = yield* Emulator.Emulator
          const defaultWorkspace = yield* ws.get({ id: "default" })
          yield* ws.setBudget({ id: "default", interval: "monthly", limitUsd: 10 })

          const refused = yield* Effect.flip(ws.delete({ id: "default" }))
          assert.strictEqual(refused._tag, "BadRequestResponseError")
          assert.deepStrictEqual(refused._tag === "BadRequestResponseError" && refused.metadata, {
            reason: "confirmation_required"
          })
          const stillThere = yield* Effect.flip(ws.delete({ id: "default", confirmDefaultWorkspaceDeletion: false }))
          assert.strictEqual(stillThere._tag, "BadRequestResponseError")
          assert.strictEqual((yield* ws.get({ id: "default" })).id, defaultWorkspace.id)

          yield* ws.delete({ id: "default", confirmDefaultWorkspaceDeletion: true })
          const [logged] = (yield* requestsOf("delete")).slice(-1)
          assert.deepStrictEqual(logged!.query, { confirm_default_workspace_deletion: "true" })
          assert.strictEqual((yield* Effect.flip(ws.get({ id: "default" })))._tag, "NotFoundResponseError")
          const keys = yield* ws.listApiKeys({ workspaceId: defaultWorkspace.id, includeDisabled: true })
          assert.deepStrictEqual(
            keys.data.map((key) => [key.name, key.disabled]),
            [
              ["prod", true],
              ["ci", true]
            ]
          )
          assert.deepStrictEqual((yield* ws.listApiKeys()).data, [], "no default workspace, no keys listed")
          const state = yield* emulator.snapshot
          assert.deepStrictEqual(
            state.budgets.filter((budget) => budget.workspaceId === defaultWorkspace.id),
            []
          )
          // the confirmation is ignored for any other workspace: active keys still block it
          const keyed = yield* Effect.flip(ws.delete({ id: "research", confirmDefaultWorkspaceDeletion: true }))
          assert.strictEqual(keyed._tag, "BadRequestResponseError")
        })
      )
    })

    it.layer(emulatorWithClient({ seed, defaultWorkspaceDeletion: "unavailable" }))((it) => {
      it.effect("an organization the capability has not reached gets 403, confirmation or not", () =>
        Effect.gen(function* () {
          const ws = yield* Workspaces.Workspaces
          const error = yield* Effect.flip(ws.delete({ id: "default", confirmDefaultWorkspaceDeletion: true }))
          assert.strictEqual(error._tag, "ForbiddenResponseError")
          assert.include(error.message, "not generally available")
          assert.strictEqual((yield* ws.get({ id: "default" })).slug, "default")
        })
      )
    })
  })
})

/** A server on 127.0.0.1 that answers every request with `answer(n)` for the n-th request. */
const hostile = (answer: (n: number) => unknown) =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: Server; readonly served: () => number }>((resume) => {
      let served = 0
      const server = createServer((_, response) => {
        const body = JSON.stringify(answer(served++))
        response.writeHead(200, { "content-type": "application/json" })
        response.end(body)
      }).listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, served: () => served })))
    }),
    ({ server }) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
  )

const key = (hash: string) => ({
  hash,
  name: hash,
  label: "sk-or-v1-abc...1234",
  disabled: false,
  limit: null,
  limit_remaining: null,
  limit_reset: null,
  include_byok_in_limit: false,
  usage: 0,
  usage_daily: 0,
  usage_weekly: 0,
  usage_monthly: 0,
  byok_usage: 0,
  byok_usage_daily: 0,
  byok_usage_weekly: 0,
  byok_usage_monthly: 0,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: null,
  creator_user_id: "user_1",
  workspace_id: "0df9e665-d932-5740-b2c7-b52af166bc11"
})

const clientOf = (port: number) =>
  Workspaces.make({
    apiKey: Redacted.make("sk-or-v1-test"),
    baseUrl: `http://127.0.0.1:${port}/api/v1`,
    retry: false
  }).pipe(Effect.provide(FetchHttpClient.layer))

describe("streamApiKeys against a server that never ends its list", () => {
  it.effect("the same page whatever the offset: a typed error after the second page, not a loop", () =>
    Effect.gen(function* () {
      const { server, served } = yield* hostile(() => ({ data: [key("a"), key("b")] }))
      const ws = yield* clientOf((server.address() as AddressInfo).port)
      const error = yield* Effect.flip(Stream.runDrain(ws.streamApiKeys()))
      assert.strictEqual(error._tag, "ResponseValidationError")
      assert.include(error.message, "the offset is ignored")
      assert.strictEqual(served(), 2)
    }).pipe(Effect.scoped, TestServices.provideLive)
  )

  it.effect("new keys on every page: the stream stops at maxItems with a typed error", () =>
    Effect.gen(function* () {
      const { server, served } = yield* hostile((n) => ({ data: [key(`k${2 * n}`), key(`k${2 * n + 1}`)] }))
      const ws = yield* clientOf((server.address() as AddressInfo).port)
      const error = yield* Effect.flip(Stream.runDrain(ws.streamApiKeys({ maxItems: 9 })))
      assert.strictEqual(error._tag, "ResponseValidationError")
      assert.include(error.message, "maxItems 9")
      assert.strictEqual(served(), 5)
    }).pipe(Effect.scoped, TestServices.provideLive)
  )
})

describe("a state file written before revision 2", () => {
  it.effect("still loads: users without names, keys without names, usage or limits", () =>
    Effect.gen(function* () {
      const directory = Fs.mkdtempSync(Path.join(Os.tmpdir(), "orw-state-r1-"))
      const stateFile = Path.join(directory, "state.json")
      const workspace = {
        id: "0df9e665-d932-5740-b2c7-b52af166bc11",
        name: "Default",
        slug: "default",
        description: null,
        defaultTextModel: null,
        defaultImageModel: null,
        defaultProviderSort: null,
        isObservabilityIoLoggingEnabled: false,
        isObservabilityBroadcastEnabled: false,
        isDataDiscountLoggingEnabled: true,
        ioLoggingSamplingRate: 1,
        ioLoggingApiKeyIds: null,
        includeByokInBudgets: false,
        createdAt: "2025-01-06T09:00:00.000Z",
        updatedAt: null,
        createdBy: null,
        isDefault: true
      }
      Fs.writeFileSync(
        stateFile,
        JSON.stringify({
          users: [
            {
              id: "user_old",
              email: "old@acme.example",
              role: "admin",
              scim: false,
              createdAt: "2025-01-06T09:00:00.000Z"
            }
          ],
          apiKeys: [{ id: "k1", key: "sk-or-v1-old", userId: "user_old", workspaceId: workspace.id, disabled: false }],
          managementKeys: [{ id: "m1", key: "sk-or-v1-old-management", userId: "user_old" }],
          workspaces: [workspace],
          memberships: [],
          budgets: []
        })
      )
      const emulator = yield* Emulator.make({ stateFile })
      const ws = yield* Workspaces.make({
        apiKey: Redacted.make("sk-or-v1-old-management"),
        baseUrl: emulator.baseUrl
      }).pipe(Effect.provide(FetchHttpClient.layer))
      const members = yield* ws.listOrganizationMembers()
      assert.deepStrictEqual(members.data, [
        { id: "user_old", email: "old@acme.example", firstName: null, lastName: null, role: "org:admin" }
      ])
      const [key] = (yield* ws.listApiKeys()).data
      assert.deepStrictEqual([key!.name, key!.usage, key!.limit, key!.creatorUserId], ["API key", 0, null, "user_old"])
      assert.isNull((yield* ws.get({ id: "default" })).disabledServerTools)
      Fs.rmSync(directory, { recursive: true, force: true })
    }).pipe(Effect.scoped, TestServices.provideLive)
  )
})

describe("disabled server tools in a manifest", () => {
  it.layer(
    emulatorWithClient({
      seed: {
        users: [{ id: "user_admin", role: "admin" }],
        workspaces: [
          { slug: "tools", name: "Tools", disabledServerTools: ["openrouter:web_search", "openrouter:bash"] },
          { slug: "open", name: "Open" }
        ]
      }
    })
  )((it) => {
    it.effect(
      "compared as a set: order and [] versus null change nothing; a new list is planned, applied, converged",
      () =>
        Effect.gen(function* () {
          const same = yield* Plan.make({
            workspaces: [
              { slug: "tools", name: "Tools", disabledServerTools: ["openrouter:bash", "openrouter:web_search"] },
              { slug: "open", name: "Open", disabledServerTools: [] }
            ]
          })
          assert.isTrue(Plan.isEmpty(same), Plan.render(same))

          const manifest: Manifest.Manifest = {
            workspaces: [
              { slug: "tools", name: "Tools", disabledServerTools: null },
              { slug: "open", name: "Open", disabledServerTools: ["openrouter:web_fetch", "openrouter:someday"] }
            ]
          }
          const plan = yield* Plan.make(manifest)
          assert.deepStrictEqual(
            plan.changes.map((change) =>
              change._tag === "UpdateWorkspace"
                ? [change.workspace, change.changes.map((_) => [_.field, _.to])]
                : [change._tag]
            ),
            [
              ["tools", [["disabledServerTools", null]]],
              ["open", [["disabledServerTools", ["openrouter:web_fetch", "openrouter:someday"]]]]
            ]
          )
          yield* Stream.runDrain(Plan.apply(plan))
          const ws = yield* Workspaces.Workspaces
          assert.isNull((yield* ws.get({ id: "tools" })).disabledServerTools)
          assert.deepStrictEqual((yield* ws.get({ id: "open" })).disabledServerTools, [
            "openrouter:web_fetch",
            "openrouter:someday"
          ])
          assert.isTrue(Plan.isEmpty(yield* Plan.make(manifest)))
          const exported = yield* Manifest.exportState()
          const open = exported.workspaces.find((entry) => entry.slug === "open")
          assert.deepStrictEqual(open?.disabledServerTools, ["openrouter:web_fetch", "openrouter:someday"])
          const reparsed = yield* Manifest.parse(yield* Manifest.stringify(exported), "export.yaml")
          assert.isTrue(Plan.isEmpty(yield* Plan.make(reparsed, { prune: true })))
        })
    )
  })
})
