import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Redacted } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Yaml from "yaml"
import { Emulator } from "../emulator/index.js"
import { Workspaces } from "../src/index.js"
import { budgetIntervals } from "../src/Model.js"
import { Bounded } from "../emulator/internal/bounded.js"
import * as StateFile from "../emulator/internal/stateFile.js"
import { type Reply, send } from "./support/emulatorContract.js"

const pad = (i: number) => String(i).padStart(3, "0")
const crowd = Array.from({ length: 150 }, (_, i) => `user_${pad(i)}`)

const seed: Emulator.Seed = {
  users: [
    { id: "user_admin", role: "admin", email: "admin@acme.example" },
    { id: "user_member", role: "member" },
    { id: "user_boss", role: "admin" },
    { id: "user_scim", role: "member", scim: true },
    ...crowd.map((id) => ({ id, role: "member" as const }))
  ],
  apiKeys: [
    { userId: "user_000", workspace: "keyed" },
    { userId: "user_001", workspace: "keyed", disabled: true, key: "sk-or-v1-disabled" }
  ],
  workspaces: [
    { slug: "crowd", name: "Crowd", members: crowd },
    { slug: "keyed", name: "Keyed", members: ["user_000", "user_001", "user_scim"] },
    { slug: "budgeted", name: "Budgeted" },
    { slug: "byok", name: "BYOK", budgets: { monthly: 100 } }
  ]
}

const isoTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

const checked = <E, R>(reply: Effect.Effect<Reply, E, R>) =>
  Effect.tap(reply, (reply) => assert.deepStrictEqual(reply.problems, [], reply.text))

/** Sends a request; every reply of an operation must match the spec (documented status, schema). */
const call = (options: Parameters<typeof send>[1]) =>
  Effect.flatMap(Emulator.Emulator, (emulator) => checked(send(emulator, options)))

const get = (path: string, query?: Record<string, string>) =>
  call({ method: "GET", path, ...(query === undefined ? {} : { query }) })
const post = (path: string, body: unknown) => call({ method: "POST", path, body })
const put = (path: string, body: unknown) => call({ method: "PUT", path, body })
const patch = (path: string, body: unknown) => call({ method: "PATCH", path, body })
const del = (path: string) => call({ method: "DELETE", path })

const memberIds = (slug: string) =>
  Effect.map(get(`/workspaces/${slug}/members`, { limit: "100" }), (reply) =>
    (reply.body.data as Array<{ user_id: string }>).map((_) => _.user_id)
  )

describe("Emulator", () => {
  it.layer(Emulator.layer({ seed }))((it) => {
    describe("authentication", () => {
      it.effect("missing, unknown and disabled keys are 401", () =>
        Effect.gen(function* () {
          const missing = yield* call({ method: "GET", path: "/workspaces", key: null })
          assert.strictEqual(missing.status, 401)
          assert.deepStrictEqual(missing.body, { error: { code: 401, message: "Missing Authentication header" } })
          assert.strictEqual((yield* call({ method: "GET", path: "/workspaces", key: "sk-or-v1-nope" })).status, 401)
          const disabled = yield* call({ method: "GET", path: "/workspaces/crowd/members", key: "sk-or-v1-disabled" })
          assert.strictEqual(disabled.status, 401)
        })
      )

      it.effect("an API key that is not a management key: 403 where documented, else 401", () =>
        Effect.gen(function* () {
          const emulator = yield* Emulator.Emulator
          const key = emulator.keys.inferenceKey
          assert.strictEqual((yield* call({ method: "GET", path: "/workspaces", key })).status, 401)
          assert.strictEqual((yield* call({ method: "GET", path: "/workspaces/crowd", key })).status, 401)
          assert.strictEqual((yield* call({ method: "GET", path: "/workspaces/crowd/members", key })).status, 403)
          const create = yield* call({ method: "POST", path: "/workspaces", key, body: { name: "N", slug: "n" } })
          assert.strictEqual(create.status, 403)
        })
      )

      it.effect("only organization admins create and delete workspaces", () =>
        Effect.gen(function* () {
          const emulator = yield* Emulator.Emulator
          const key = emulator.keys.memberManagementKey
          const create = yield* call({
            method: "POST",
            path: "/workspaces",
            key,
            body: { name: "M", slug: "by-member" }
          })
          assert.strictEqual(create.status, 403)
          assert.strictEqual((yield* call({ method: "DELETE", path: "/workspaces/budgeted", key })).status, 403)
          // a non-admin management key may still read and update
          assert.strictEqual((yield* call({ method: "GET", path: "/workspaces", key })).status, 200)
          const update = yield* call({ method: "PATCH", path: "/workspaces/budgeted", key, body: { name: "Budgeted" } })
          assert.strictEqual(update.status, 200)
        })
      )
    })

    describe("validation", () => {
      it.effect("a 400 names the field", () =>
        Effect.gen(function* () {
          const slug = yield* post("/workspaces", { name: "Bad", slug: "-bad-" })
          assert.strictEqual(slug.status, 400)
          assert.match(slug.body.error.message, /slug: must be lowercase/)
          const name = yield* post("/workspaces", { name: "x".repeat(101), slug: "long" })
          assert.match(name.body.error.message, /name: must have 1 to 100 characters/)
          const missing = yield* post("/workspaces", { name: "No slug" })
          assert.match(missing.body.error.message, /slug: is missing/)
          const limit = yield* put("/workspaces/budgeted/budgets/daily", { limit_usd: -1 })
          assert.match(limit.body.error.message, /limit_usd: must be greater than 0/)
          const interval = yield* get("/workspaces/budgeted/budgets/yearly")
          assert.strictEqual(interval.status, 400)
          assert.match(interval.body.error.message, /interval: must be one of daily, weekly, monthly, lifetime/)
          const many = yield* post("/workspaces/crowd/members/add", { user_ids: [...crowd.slice(0, 101)] })
          assert.match(many.body.error.message, /user_ids: must hold 1 to 100 user ids/)
          const notJson = yield* call({ method: "POST", path: "/workspaces", raw: "{" })
          assert.match(notJson.body.error.message, /not valid JSON/)
          const empty = yield* call({ method: "PATCH", path: "/workspaces/budgeted" })
          assert.strictEqual(empty.status, 400)
        })
      )

      it.effect("paging: limit clamped to 1..100, offset >= 0, non-integers ignored (no 400 documented)", () =>
        Effect.gen(function* () {
          const big = yield* get("/workspaces/crowd/members", { limit: "500" })
          assert.strictEqual(big.status, 200)
          assert.strictEqual(big.body.data.length, 100)
          assert.strictEqual(big.body.total_count, 150)
          assert.strictEqual((yield* get("/workspaces/crowd/members", { limit: "0" })).body.data.length, 1)
          assert.strictEqual((yield* get("/workspaces/crowd/members", { limit: "abc" })).body.data.length, 50)
          const negative = yield* get("/workspaces/crowd/members", { offset: "-3", limit: "2" })
          assert.deepStrictEqual(
            negative.body.data.map((_: { user_id: string }) => _.user_id),
            ["user_000", "user_001"]
          )
          const tail = yield* get("/workspaces/crowd/members", { offset: "140" })
          assert.strictEqual(tail.body.data.length, 10)
          assert.strictEqual(tail.body.data[9].user_id, "user_149")
          const past = yield* get("/workspaces/crowd/members", { offset: "1000" })
          assert.deepStrictEqual(past.body, { data: [], total_count: 150 })
        })
      )
    })

    describe("workspaces", () => {
      it.effect(
        "wire format: UUID ids, ISO timestamps, deterministic default_guardrail_id, the default workspace",
        () =>
          Effect.gen(function* () {
            const list = yield* get("/workspaces")
            assert.match(list.headers.get("content-type") ?? "", /^application\/json/)
            assert.strictEqual(list.body.total_count, 5)
            const [first] = list.body.data
            assert.strictEqual(first.slug, "default")
            assert.strictEqual(first.name, "Default")
            for (const workspace of list.body.data) {
              assert.match(workspace.id, /^[0-9a-f-]{36}$/)
              assert.match(workspace.default_guardrail_id, /^[0-9a-f-]{36}$/)
              assert.notStrictEqual(workspace.default_guardrail_id, workspace.id)
              assert.match(workspace.created_at, isoTimestamp)
            }
            const again = yield* get(`/workspaces/${first.id}`)
            assert.strictEqual(again.body.data.default_guardrail_id, first.default_guardrail_id)
          })
      )

      it.effect("slugs are unique on create and update; a renamed slug no longer resolves", () =>
        Effect.gen(function* () {
          const created = yield* post("/workspaces", { name: "Ops", slug: "ops" })
          assert.strictEqual(created.status, 201)
          assert.strictEqual(created.body.data.created_by, "user_admin")
          assert.match(created.body.data.created_at, isoTimestamp)
          const duplicate = yield* post("/workspaces", { name: "Ops 2", slug: "ops" })
          assert.strictEqual(duplicate.status, 400)
          assert.match(duplicate.body.error.message, /slug/)
          assert.strictEqual((yield* patch("/workspaces/ops", { slug: "crowd" })).status, 400)
          assert.strictEqual((yield* patch("/workspaces/ops", { slug: "ops" })).status, 200)
          const renamed = yield* patch(`/workspaces/${created.body.data.id}`, {
            slug: "platform-ops",
            name: "Platform"
          })
          assert.strictEqual(renamed.body.data.slug, "platform-ops")
          assert.match(renamed.body.data.updated_at, isoTimestamp)
          assert.strictEqual((yield* get("/workspaces/ops")).status, 404)
          assert.strictEqual((yield* get("/workspaces/platform-ops")).body.data.id, created.body.data.id)
        })
      )

      it.effect("the default workspace keeps its slug; its name and settings can change", () =>
        Effect.gen(function* () {
          const before = yield* get("/workspaces/default")
          const reslugged = yield* patch("/workspaces/default", { slug: "main" })
          assert.strictEqual(reslugged.status, 400)
          assert.deepStrictEqual(reslugged.body.error, {
            code: 400,
            message: "The default workspace's slug cannot be changed",
            metadata: { reason: "default_workspace" }
          })
          const byId = yield* patch(`/workspaces/${before.body.data.id}`, { slug: "main", name: "Main" })
          assert.strictEqual(byId.status, 400, "nothing of a refused update is applied")
          const after = yield* get("/workspaces/default")
          assert.strictEqual(after.status, 200)
          assert.deepStrictEqual(after.body, before.body)
          assert.strictEqual((yield* get("/workspaces/main")).status, 404)
          assert.strictEqual((yield* post("/workspaces", { name: "Imposter", slug: "default" })).status, 400)

          // same slug: not a change; the name and settings may change
          const renamed = yield* patch("/workspaces/default", {
            slug: "default",
            name: "Main",
            description: "All of us"
          })
          assert.strictEqual(renamed.status, 200)
          assert.deepStrictEqual(
            [renamed.body.data.slug, renamed.body.data.name, renamed.body.data.description],
            ["default", "Main", "All of us"]
          )
          const restored = yield* patch("/workspaces/default", { name: "Default", description: null })
          assert.strictEqual(restored.body.data.name, "Default")
        })
      )

      it.effect("update: null clears a field, an omitted key leaves it", () =>
        Effect.gen(function* () {
          yield* post("/workspaces", { name: "Docs", slug: "docs", description: "d", default_text_model: "m" })
          const cleared = yield* patch("/workspaces/docs", { description: null })
          assert.strictEqual(cleared.body.data.description, null)
          assert.strictEqual(cleared.body.data.default_text_model, "m")
        })
      )

      it.effect("delete: the default workspace needs the confirmation, active API keys are 400, then it goes", () =>
        Effect.gen(function* () {
          const emulator = yield* Emulator.Emulator
          const defaultWorkspace = yield* del("/workspaces/default")
          assert.strictEqual(defaultWorkspace.status, 400)
          assert.deepStrictEqual(defaultWorkspace.body.error.metadata, { reason: "confirmation_required" })
          const keyed = yield* del("/workspaces/keyed")
          assert.strictEqual(keyed.status, 400)
          assert.deepStrictEqual(keyed.body.error.metadata, { reason: "active_api_keys", api_key_count: 1 })

          const made = yield* post("/workspaces", { name: "Doomed", slug: "doomed" })
          yield* post("/workspaces/doomed/members/add", { user_ids: ["user_010"] })
          yield* put("/workspaces/doomed/budgets/monthly", { limit_usd: 5 })
          yield* emulator.mutate((state) => {
            state.apiKeys.set("key-doomed", {
              id: "key-doomed",
              key: "sk-or-v1-doomed",
              userId: "user_010",
              workspaceId: made.body.data.id,
              disabled: false,
              name: "doomed",
              createdAt: "2025-01-06T09:00:00.000Z",
              usage: 0,
              limit: null
            })
          })
          assert.strictEqual((yield* del("/workspaces/doomed")).status, 400)
          yield* emulator.mutate((state) => {
            state.apiKeys.get("key-doomed")!.disabled = true
          })
          assert.deepStrictEqual((yield* del("/workspaces/doomed")).body, { deleted: true })
          assert.strictEqual((yield* get("/workspaces/doomed")).status, 404)
          const snapshot = yield* emulator.snapshot
          assert.isFalse(snapshot.memberships.some((_) => _.workspaceId === made.body.data.id))
          assert.isFalse(snapshot.budgets.some((_) => _.workspaceId === made.body.data.id))
        })
      )
    })

    describe("members", () => {
      it.effect("the default workspace lists every organization member with their organization role", () =>
        Effect.gen(function* () {
          const page = yield* get("/workspaces/default/members", { limit: "3" })
          assert.strictEqual(page.body.total_count, seed.users.length)
          assert.deepStrictEqual(
            page.body.data.map((_: { user_id: string; role: string }) => [_.user_id, _.role]),
            [
              ["user_admin", "admin"],
              ["user_member", "member"],
              ["user_boss", "admin"]
            ]
          )
        })
      )

      it.effect("bulk add and remove on the default workspace are 400", () =>
        Effect.gen(function* () {
          const add = yield* post("/workspaces/default/members/add", { user_ids: ["user_000"] })
          assert.strictEqual(add.status, 400)
          assert.strictEqual(add.body.error.metadata.reason, "default_workspace")
          assert.strictEqual(
            (yield* post("/workspaces/default/members/remove", { user_ids: ["user_000"] })).status,
            400
          )
        })
      )

      it.effect("only organization members can be added; they get their organization role; adding is idempotent", () =>
        Effect.gen(function* () {
          const unknown = yield* post("/workspaces/budgeted/members/add", {
            user_ids: ["user_000", "user_x", "user_y"]
          })
          assert.strictEqual(unknown.status, 400)
          assert.deepStrictEqual(unknown.body.error.metadata, {
            user_ids: ["user_x", "user_y"],
            reason: "not_organization_members"
          })
          assert.deepStrictEqual(yield* memberIds("budgeted"), [], "nothing was added")

          const first = yield* post("/workspaces/budgeted/members/add", { user_ids: ["user_boss", "user_000"] })
          assert.strictEqual(first.body.added_count, 2)
          assert.deepStrictEqual(
            first.body.data.map((_: { user_id: string; role: string }) => [_.user_id, _.role]),
            [
              ["user_boss", "admin"],
              ["user_000", "member"]
            ]
          )
          const again = yield* post("/workspaces/budgeted/members/add", {
            user_ids: ["user_000", "user_000", "user_002"]
          })
          assert.strictEqual(again.body.added_count, 1)
          assert.strictEqual(again.body.data.length, 2)
          assert.strictEqual(again.body.data[0].id, first.body.data[1].id, "the existing membership is returned")
          const list = yield* get("/workspaces/budgeted/members")
          assert.strictEqual(list.body.total_count, 3)
        })
      )

      it.effect(
        "remove: non-members are a no-op; SCIM-managed members are 403 and active keys 400, for the whole call",
        () =>
          Effect.gen(function* () {
            const emulator = yield* Emulator.Emulator
            const noop = yield* post("/workspaces/keyed/members/remove", { user_ids: ["user_100", "user_ghost"] })
            assert.deepStrictEqual(noop.body, { removed_count: 0 })

            const scim = yield* post("/workspaces/keyed/members/remove", { user_ids: ["user_001", "user_scim"] })
            assert.strictEqual(scim.status, 403)
            assert.deepStrictEqual(scim.body.error.metadata, { user_ids: ["user_scim"], reason: "scim_managed" })

            const keys = yield* post("/workspaces/keyed/members/remove", { user_ids: ["user_001", "user_000"] })
            assert.strictEqual(keys.status, 400)
            assert.deepStrictEqual(keys.body.error.metadata, { user_ids: ["user_000"], reason: "active_api_keys" })
            assert.deepStrictEqual(
              yield* memberIds("keyed"),
              ["user_000", "user_001", "user_scim"],
              "nothing was removed"
            )

            // user_001's key in the workspace is disabled: removable
            const removed = yield* post("/workspaces/keyed/members/remove", { user_ids: ["user_001", "user_001"] })
            assert.deepStrictEqual(removed.body, { removed_count: 1 })

            yield* emulator.mutate((state) => {
              state.users.get("user_scim")!.scim = false
            })
            const nowFree = yield* post("/workspaces/keyed/members/remove", { user_ids: ["user_scim"] })
            assert.deepStrictEqual(nowFree.body, { removed_count: 1 })
            assert.deepStrictEqual(yield* memberIds("keyed"), ["user_000"])
          })
      )
    })

    describe("budgets", () => {
      it.effect("limits strictly decrease as the interval narrows", () =>
        Effect.gen(function* () {
          assert.strictEqual((yield* put("/workspaces/budgeted/budgets/monthly", { limit_usd: 100 })).status, 200)
          const equal = yield* put("/workspaces/budgeted/budgets/weekly", { limit_usd: 100 })
          assert.strictEqual(equal.status, 400)
          assert.match(equal.body.error.message, /limit_usd: the weekly limit \(100\) must be less than the monthly/)
          assert.strictEqual((yield* put("/workspaces/budgeted/budgets/daily", { limit_usd: 150 })).status, 400)
          assert.strictEqual((yield* put("/workspaces/budgeted/budgets/lifetime", { limit_usd: 99 })).status, 400)
          assert.strictEqual((yield* put("/workspaces/budgeted/budgets/daily", { limit_usd: 10 })).status, 200)
          assert.strictEqual((yield* put("/workspaces/budgeted/budgets/weekly", { limit_usd: 10 })).status, 400)
          assert.strictEqual((yield* put("/workspaces/budgeted/budgets/weekly", { limit_usd: 50 })).status, 200)
          const lifetime = yield* put("/workspaces/budgeted/budgets/lifetime", { limit_usd: 1000 })
          assert.strictEqual(lifetime.body.data.reset_interval, null)
          // updating an interval keeps its id and checks against the others
          const before = yield* get("/workspaces/budgeted/budgets/monthly")
          const raised = yield* put("/workspaces/budgeted/budgets/monthly", { limit_usd: 200 })
          assert.strictEqual(raised.body.data.id, before.body.data.id)
          assert.strictEqual((yield* put("/workspaces/budgeted/budgets/monthly", { limit_usd: 1000 })).status, 400)
          const list = yield* get("/workspaces/budgeted/budgets")
          assert.deepStrictEqual(
            list.body.data.map((_: { reset_interval: string | null; limit_usd: number }) => [
              _.reset_interval,
              _.limit_usd
            ]),
            [
              [null, 1000],
              ["monthly", 200],
              ["weekly", 50],
              ["daily", 10]
            ]
          )
        })
      )

      it.effect("include_byok_in_budgets is workspace-wide", () =>
        Effect.gen(function* () {
          const set = yield* put("/workspaces/byok/budgets/daily", { limit_usd: 1, include_byok_in_budgets: true })
          assert.strictEqual(set.body.include_byok_in_budgets, true)
          assert.strictEqual((yield* get("/workspaces/byok/budgets/monthly")).body.include_byok_in_budgets, true)
          assert.strictEqual((yield* get("/workspaces/byok/budgets")).body.include_byok_in_budgets, true)
          assert.strictEqual((yield* get("/workspaces/byok")).body.data.include_byok_in_budgets, true)
          // omitted: unchanged
          const omitted = yield* put("/workspaces/byok/budgets/daily", { limit_usd: 2 })
          assert.strictEqual(omitted.body.include_byok_in_budgets, true)
        })
      )

      it.effect("an unset interval: get is 404, delete is 200", () =>
        Effect.gen(function* () {
          assert.strictEqual((yield* get("/workspaces/byok/budgets/weekly")).status, 404)
          assert.deepStrictEqual((yield* del("/workspaces/byok/budgets/weekly")).body, { deleted: true })
          assert.deepStrictEqual((yield* del("/workspaces/byok/budgets/daily")).body, { deleted: true })
          assert.strictEqual((yield* get("/workspaces/byok/budgets/daily")).status, 404)
        })
      )
    })

    describe("request log and history", () => {
      it.effect("the log holds method, path, query, body, operation, status, never the key", () =>
        Effect.gen(function* () {
          const emulator = yield* Emulator.Emulator
          yield* emulator.clearRequests
          yield* get("/workspaces/crowd/members", { limit: "5", offset: "10" })
          yield* post("/workspaces/crowd/members/add", { user_ids: ["user_000"] })
          yield* call({ method: "GET", path: "/workspaces", key: null })
          yield* call({ method: "GET", path: "/nowhere" })
          const requests = yield* emulator.requests
          assert.strictEqual(requests.length, 4)
          const [members, add, anonymous, nowhere] = requests
          assert.deepStrictEqual(
            [members!.method, members!.path, members!.query, members!.operation, members!.status],
            ["GET", "/api/v1/workspaces/crowd/members", { limit: "5", offset: "10" }, "listMembers", 200]
          )
          assert.deepStrictEqual(add!.body, { user_ids: ["user_000"] })
          assert.strictEqual(add!.operation, "bulkAddMembers")
          assert.strictEqual(add!.credential, "managementKey")
          assert.strictEqual(anonymous!.credential, "none")
          assert.strictEqual(anonymous!.status, 401)
          assert.strictEqual(nowhere!.operation, undefined)
          assert.strictEqual(nowhere!.status, 404)
          assert.isTrue(requests.every((request, index) => request.seq === requests[0]!.seq + index))
          const secret = Redacted.value(emulator.managementKey)
          assert.notInclude(JSON.stringify(requests), secret)
          const overHttp = yield* call({ method: "GET", path: "/__emulator/requests", admin: true })
          assert.notInclude(overHttp.text, secret)
          assert.strictEqual(overHttp.body.length, 4)
          yield* call({ method: "DELETE", path: "/__emulator/requests", admin: true })
          assert.strictEqual((yield* emulator.requests).length, 0)
        })
      )

      it.effect("every API response carries x-request-id, the id its request has in the log", () =>
        Effect.gen(function* () {
          const emulator = yield* Emulator.Emulator
          yield* emulator.clearRequests
          const replies = [
            yield* get("/workspaces/crowd"),
            yield* call({ method: "GET", path: "/workspaces", key: null }),
            yield* get("/workspaces/nope"),
            yield* call({ method: "POST", path: "/workspaces", raw: "{not json" }),
            yield* call({ method: "GET", path: "/nowhere" })
          ]
          yield* emulator.setFaults([
            { kind: "status", status: 429, operations: ["get"], times: 1 },
            { kind: "status", status: 503, operations: ["list"], times: 1 },
            { kind: "malformed", operations: ["listBudgets"], times: 1 }
          ])
          replies.push(yield* get("/workspaces/crowd"))
          replies.push(yield* get("/workspaces"))
          // not JSON, so not checked against the spec
          replies.push(yield* send(emulator, { method: "GET", path: "/workspaces/byok/budgets" }))
          yield* emulator.setFaults([])
          assert.deepStrictEqual(
            replies.map((reply) => reply.status),
            [200, 401, 404, 400, 404, 429, 503, 200]
          )
          assert.isUndefined(replies[7]!.body, "the malformed body")
          const requests = yield* emulator.requests
          assert.strictEqual(requests.length, replies.length)
          replies.forEach((reply, index) => {
            const logged = requests[index]!
            assert.strictEqual(logged.requestId, `req_${logged.seq}`)
            assert.strictEqual(reply.headers.get("x-request-id"), logged.requestId, `reply ${index}`)
          })
          assert.strictEqual(new Set(requests.map((_) => _.requestId)).size, requests.length)
          const overHttp = yield* call({ method: "GET", path: "/__emulator/requests", admin: true })
          assert.deepStrictEqual(
            overHttp.body.map((_: { requestId: string }) => _.requestId),
            requests.map((_) => _.requestId)
          )
        })
      )

      it.effect("history: numbered events, linked to requests, that replay to the current state", () =>
        Effect.gen(function* () {
          const emulator = yield* Emulator.Emulator
          const history = yield* emulator.history
          assert.isAbove(history.length, 10)
          assert.isTrue(history.every((event, index) => event.seq === index + 1))
          assert.isTrue(history.every((event) => event.requestSeq !== undefined))
          const types = new Set(history.map((event) => event.type))
          for (const type of ["workspaceCreated", "workspaceUpdated", "workspaceDeleted", "memberAdded"] as const) {
            assert.isTrue(types.has(type), type)
          }
          for (const type of ["memberRemoved", "budgetSet", "budgetDeleted", "includeByokInBudgetsSet"] as const) {
            assert.isTrue(types.has(type), type)
          }

          // replay the budget events from the seed and check the ordering rule after every one
          const limits = new Map<string, Map<string, number>>([
            [(yield* get("/workspaces/byok")).body.data.id, new Map([["monthly", 100]])]
          ])
          for (const event of history) {
            if (event.type === "budgetSet") {
              const budgets = limits.get(event.workspaceId) ?? new Map<string, number>()
              budgets.set(event.interval, event.limitUsd)
              limits.set(event.workspaceId, budgets)
            } else if (event.type === "budgetDeleted") {
              limits.get(event.workspaceId)?.delete(event.interval)
            } else if (event.type === "workspaceDeleted") {
              limits.delete(event.workspaceId)
            } else continue
            for (const budgets of limits.values()) {
              const ordered = budgetIntervals.flatMap((interval) => budgets.get(interval) ?? [])
              assert.isTrue(
                ordered.every((limit, index) => index === 0 || ordered[index - 1]! > limit),
                `after event ${event.seq}`
              )
            }
          }
          const snapshot = yield* emulator.snapshot
          const replayed = Array.from(limits, ([workspaceId, budgets]) =>
            Array.from(budgets, ([interval, limit]) => `${workspaceId}/${interval}=${limit}`)
          )
            .flat()
            .sort()
          const current = snapshot.budgets.map((_) => `${_.workspaceId}/${_.interval}=${_.limitUsd}`).sort()
          assert.deepStrictEqual(replayed, current)
          const overHttp = yield* call({ method: "GET", path: "/__emulator/history", admin: true })
          assert.strictEqual(overHttp.body.length, history.length)
        })
      )

      it.effect("admin routes: state, faults, and a JSON 404 elsewhere", () =>
        Effect.gen(function* () {
          const state = yield* call({ method: "GET", path: "/__emulator/state", admin: true })
          assert.strictEqual(state.status, 200)
          assert.isArray(state.body.workspaces)
          // on loopback they need no key
          const anonymous = yield* call({ method: "GET", path: "/__emulator/state", admin: true, key: null })
          assert.strictEqual(anonymous.status, 200)
          const bad = yield* call({ method: "POST", path: "/__emulator/faults", admin: true, body: [{ kind: "nope" }] })
          assert.strictEqual(bad.status, 400)
          const both = yield* call({
            method: "POST",
            path: "/__emulator/faults",
            admin: true,
            body: [{ kind: "reset", times: 1, rate: 0.5 }]
          })
          assert.match(both.body.error.message, /at most one of times, sequence, rate/)
          const set = yield* call({
            method: "POST",
            path: "/__emulator/faults",
            admin: true,
            body: { rules: [{ kind: "status", status: 503, operations: ["get"], times: 2 }], seed: 7 }
          })
          assert.strictEqual(set.status, 200)
          assert.strictEqual((yield* get("/workspaces/crowd")).status, 503)
          const listed = yield* call({ method: "GET", path: "/__emulator/faults", admin: true })
          assert.strictEqual(listed.body.rules[0].remaining, 1)
          yield* call({ method: "DELETE", path: "/__emulator/faults", admin: true })
          assert.strictEqual((yield* get("/workspaces/crowd")).status, 200)
          const elsewhere = yield* call({ method: "GET", path: "/__emulator/nothing", admin: true })
          assert.strictEqual(elsewhere.status, 404)
          assert.strictEqual(elsewhere.body.error.code, 404)
        })
      )
    })
  })

  describe("seeds and state", () => {
    const temporaryDirectory = () => Fs.mkdtempSync(Path.join(Os.tmpdir(), "emulator-test-"))

    it.live("a seed file, JSON or YAML", () =>
      Effect.gen(function* () {
        const directory = temporaryDirectory()
        const fileSeed: Emulator.Seed = {
          users: [
            { id: "user_a", role: "admin" },
            { id: "user_b", role: "member", scim: true }
          ],
          workspaces: [{ slug: "from-file", name: "From file", members: ["user_b"], budgets: { daily: 3 } }]
        }
        const json = Path.join(directory, "seed.json")
        const yaml = Path.join(directory, "seed.yaml")
        Fs.writeFileSync(json, JSON.stringify(fileSeed))
        Fs.writeFileSync(yaml, Yaml.stringify(fileSeed))
        for (const seedFile of [json, yaml]) {
          const slugs = yield* Effect.scoped(
            Effect.gen(function* () {
              const emulator = yield* Emulator.make({ seedFile })
              const reply = yield* checked(send(emulator, { method: "GET", path: "/workspaces" }))
              return reply.body.data.map((_: { slug: string }) => _.slug)
            })
          )
          assert.deepStrictEqual(slugs, ["default", "from-file"])
        }
        Fs.writeFileSync(yaml, "users:\n  - id: user_a\n    role: owner\n")
        const invalid = yield* Effect.exit(Effect.scoped(Emulator.make({ seedFile: yaml })))
        assert.isTrue(Exit.isFailure(invalid))
        const unknownMember = yield* Effect.exit(
          Effect.scoped(
            Emulator.make({ seed: { users: [], workspaces: [{ slug: "w", name: "W", members: ["user_ghost"] }] } })
          )
        )
        assert.isTrue(Exit.isFailure(unknownMember))
        const badSlug = yield* Effect.exit(
          Effect.scoped(Emulator.make({ seed: { users: [], workspaces: [{ slug: "Not A Slug", name: "W" }] } }))
        )
        assert.isTrue(Exit.isFailure(badSlug))
        const badBudgets = yield* Effect.exit(
          Effect.scoped(
            Emulator.make({
              seed: { users: [], workspaces: [{ slug: "w", name: "W", budgets: { daily: 5, weekly: 5 } }] }
            })
          )
        )
        assert.isTrue(Exit.isFailure(badBudgets))
        Fs.rmSync(directory, { recursive: true })
      })
    )

    it.live("the built-in seed is realistic and deterministic", () =>
      Effect.gen(function* () {
        const builtin = Emulator.builtinSeed()
        assert.deepStrictEqual(builtin, Emulator.builtinSeed())
        assert.deepStrictEqual(
          builtin.workspaces!.map((_) => _.slug),
          ["default", "engineering", "marketing", "data-science", "sandbox"]
        )
        assert.isTrue(builtin.users.some((_) => _.scim === true))
        assert.isAbove(builtin.users.filter((_) => _.role === "admin").length, 1)
        const slugs = yield* Effect.scoped(
          Effect.gen(function* () {
            const emulator = yield* Emulator.make()
            const reply = yield* checked(send(emulator, { method: "GET", path: "/workspaces/engineering/budgets" }))
            assert.strictEqual(reply.body.data.length, 4)
            return (yield* emulator.snapshot).workspaces.map((_) => _.slug)
          })
        )
        assert.strictEqual(slugs.length, 5)
      })
    )

    it.live("a state file is loaded at start, journaled before each answer and rewritten at stop", () =>
      Effect.gen(function* () {
        const directory = temporaryDirectory()
        const stateFile = Path.join(directory, "state.json")
        const first = yield* Effect.scoped(
          Effect.gen(function* () {
            const emulator = yield* Emulator.make({ stateFile, seed })
            yield* checked(
              send(emulator, { method: "POST", path: "/workspaces", body: { name: "Kept", slug: "kept" } })
            )
            yield* checked(
              send(emulator, {
                method: "POST",
                path: "/workspaces/kept/members/add",
                body: { user_ids: ["user_003"] }
              })
            )
            yield* checked(
              send(emulator, { method: "PUT", path: "/workspaces/kept/budgets/daily", body: { limit_usd: 4 } })
            )
            // on disk once answered: in the journal beside the file, until the file is rewritten
            const journal = Fs.readFileSync(`${stateFile}.journal`, "utf8").trimEnd().split("\n")
            const changes = journal.slice(1).flatMap((line) => JSON.parse(line) as Array<{ type: string }>)
            assert.deepStrictEqual(
              changes.map((_) => _.type),
              ["workspaceCreated", "memberAdded", "budgetSet"]
            )
            return Redacted.value(emulator.managementKey)
          })
        )
        assert.deepStrictEqual(Fs.readdirSync(directory), ["state.json"], "no temporary file is left")
        yield* Effect.scoped(
          Effect.gen(function* () {
            const emulator = yield* Emulator.make({ stateFile })
            assert.strictEqual(Redacted.value(emulator.managementKey), first)
            const kept = yield* checked(send(emulator, { method: "GET", path: "/workspaces/kept/members" }))
            assert.deepStrictEqual(
              kept.body.data.map((_: { user_id: string }) => _.user_id),
              ["user_003"]
            )
            const budget = yield* checked(send(emulator, { method: "GET", path: "/workspaces/kept/budgets/daily" }))
            assert.strictEqual(budget.body.data.limit_usd, 4)
            yield* checked(send(emulator, { method: "DELETE", path: "/workspaces/kept/budgets/daily" }))
          })
        )
        // the last change is written when the emulator stops
        const final = JSON.parse(Fs.readFileSync(stateFile, "utf8"))
        assert.isFalse(final.budgets.some((_: { limitUsd: number }) => _.limitUsd === 4))
        Fs.writeFileSync(stateFile, "{ half a file")
        assert.isTrue(Exit.isFailure(yield* Effect.exit(Effect.scoped(Emulator.make({ stateFile })))))
        Fs.rmSync(directory, { recursive: true })
      })
    )

    it.live("the state file is written durably: a failed write leaves the old file and no temporary file", () =>
      Effect.gen(function* () {
        const directory = temporaryDirectory()
        const file = Path.join(directory, "state.json")
        yield* Effect.promise(() => StateFile.writeAtomically(file, "first"))
        yield* Effect.promise(() => StateFile.writeAtomically(file, "second"))
        assert.strictEqual(Fs.readFileSync(file, "utf8"), "second")
        assert.deepStrictEqual(Fs.readdirSync(directory), ["state.json"])
        // renaming a file over a non-empty directory fails: the temporary file goes, the error surfaces
        const occupied = Path.join(directory, "occupied")
        Fs.mkdirSync(occupied)
        Fs.writeFileSync(Path.join(occupied, "keep"), "")
        const failed = yield* Effect.exit(Effect.tryPromise(() => StateFile.writeAtomically(occupied, "lost")))
        assert.isTrue(Exit.isFailure(failed))
        assert.deepStrictEqual(Fs.readdirSync(directory).sort(), ["occupied", "state.json"])
        Fs.rmSync(directory, { recursive: true })
      })
    )

    it.live("many emulators run at once, each on its own port", () =>
      Effect.gen(function* () {
        const ports = yield* Effect.scoped(
          Effect.all([Emulator.make({ seed }), Emulator.make({ seed }), Emulator.make({ seed })], {
            concurrency: "unbounded"
          }).pipe(Effect.map((emulators) => emulators.map((_) => _.port)))
        )
        assert.strictEqual(new Set(ports).size, 3)
      })
    )
  })

  describe("admin routes beyond loopback", () => {
    const admin = (emulator: Emulator.Service, method: string, path: string, key?: string | null) =>
      send(emulator, { method, path: `/__emulator${path}`, admin: true, ...(key === undefined ? {} : { key }) })

    it("loopback hosts", () => {
      for (const host of [
        "127.0.0.1",
        "127.1.2.3",
        "localhost",
        "::1",
        "[::1]",
        "0:0:0:0:0:0:0:1",
        "::ffff:127.0.0.1"
      ]) {
        assert.isTrue(Emulator.isLoopbackHost(host), host)
      }
      for (const host of ["0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "example.com", "::ffff:10.0.0.1"]) {
        assert.isFalse(Emulator.isLoopbackHost(host), host)
      }
    })

    it.live("bound to 0.0.0.0, they answer only to a management key of an organization admin", () =>
      Effect.scoped(
        Effect.gen(function* () {
          const emulator = yield* Emulator.make({ seed, host: "0.0.0.0" })
          const secret = Redacted.value(emulator.managementKey)
          // the API itself is unchanged
          assert.strictEqual((yield* checked(send(emulator, { method: "GET", path: "/workspaces" }))).status, 200)
          for (const key of [null, "sk-or-v1-nope", Redacted.value(emulator.keys.memberManagementKey)]) {
            for (const [method, path] of [
              ["GET", "/state"],
              ["GET", "/requests"],
              ["DELETE", "/requests"],
              ["GET", "/history"],
              ["GET", "/faults"],
              ["POST", "/faults"],
              ["DELETE", "/faults"]
            ] as const) {
              const refused = yield* admin(emulator, method, path, key)
              assert.strictEqual(refused.status, 401, `${method} ${path} with ${key}`)
              assert.strictEqual(refused.body.error.code, 401)
              assert.notInclude(refused.text, secret)
            }
          }
          const inference = yield* admin(emulator, "GET", "/state", Redacted.value(emulator.keys.inferenceKey))
          assert.strictEqual(inference.status, 401)
          // the refused calls changed nothing
          assert.strictEqual((yield* emulator.requests).length, 1)
          assert.deepStrictEqual(yield* emulator.faults, [])
          const state = yield* admin(emulator, "GET", "/state")
          assert.strictEqual(state.status, 200)
          assert.isArray(state.body.managementKeys)
          assert.strictEqual((yield* admin(emulator, "GET", "/requests")).body.length, 1)
        })
      )
    )

    it.live("adminAuth overrides the default either way", () =>
      Effect.scoped(
        Effect.gen(function* () {
          const locked = yield* Emulator.make({ seed, adminAuth: true })
          assert.strictEqual((yield* admin(locked, "GET", "/state", null)).status, 401)
          assert.strictEqual((yield* admin(locked, "GET", "/state")).status, 200)
          const open = yield* Emulator.make({ seed, host: "0.0.0.0", adminAuth: false })
          assert.strictEqual((yield* admin(open, "GET", "/state", null)).status, 200)
        })
      )
    )
  })

  describe("log limit", () => {
    it.live("with logLimit 5, the log and the history keep the last 5 entries; seq keeps counting", () =>
      Effect.scoped(
        Effect.gen(function* () {
          const emulator = yield* Emulator.make({ seed, logLimit: 5 })
          for (let i = 1; i <= 8; i++) {
            const reply = yield* checked(
              send(emulator, { method: "PUT", path: "/workspaces/budgeted/budgets/monthly", body: { limit_usd: i } })
            )
            assert.strictEqual(reply.status, 200)
          }
          const requests = yield* emulator.requests
          assert.deepStrictEqual(
            requests.map((_) => _.seq),
            [4, 5, 6, 7, 8]
          )
          assert.deepStrictEqual(
            requests.map((_) => _.requestId),
            ["req_4", "req_5", "req_6", "req_7", "req_8"]
          )
          const history = yield* emulator.history
          assert.deepStrictEqual(
            history.map((_) => [_.seq, _.requestSeq, _.type === "budgetSet" ? _.limitUsd : undefined]),
            [4, 5, 6, 7, 8].map((n) => [n, n, n])
          )
          const overHttp = yield* send(emulator, { method: "GET", path: "/__emulator/history", admin: true })
          assert.deepStrictEqual(
            overHttp.body.map((_: { seq: number }) => _.seq),
            [4, 5, 6, 7, 8]
          )
          const logged = yield* send(emulator, { method: "GET", path: "/__emulator/requests", admin: true })
          assert.deepStrictEqual(
            logged.body.map((_: { seq: number }) => _.seq),
            [4, 5, 6, 7, 8]
          )
          // after a clear, numbering goes on
          yield* emulator.clearRequests
          yield* checked(send(emulator, { method: "GET", path: "/workspaces" }))
          assert.deepStrictEqual(
            (yield* emulator.requests).map((_) => _.seq),
            [9]
          )
        })
      )
    )

    it.live("an invalid logLimit fails to start", () =>
      Effect.scoped(
        Effect.gen(function* () {
          for (const logLimit of [-1, 1.5, Number.NaN]) {
            const exit = yield* Effect.exit(Emulator.make({ seed, logLimit }))
            assert.isTrue(Exit.isFailure(exit), String(logLimit))
            assert.match(String(exit), /logLimit must be a non-negative integer/)
          }
        })
      )
    )

    it("keeps exactly the last `limit` items across compactions", () => {
      for (const limit of [0, 1, 5, 1500]) {
        const buffer = new Bounded<number>(limit)
        for (let i = 1; i <= 5000; i++) {
          buffer.push(i)
          if (i % 997 === 0 || i === 5000) {
            const kept = Math.min(limit, i)
            assert.strictEqual(buffer.length, kept)
            assert.deepStrictEqual(
              buffer.toArray(),
              Array.from({ length: kept }, (_, k) => i - kept + 1 + k)
            )
          }
        }
      }
      const unbounded = new Bounded<number>(Infinity)
      for (let i = 0; i < 3000; i++) unbounded.push(i)
      assert.strictEqual(unbounded.length, 3000)
    })
  })
})

describe("Emulator.replayHistory", () => {
  it.scopedLive(
    "replays an apply's history: a user moved by removing first was in no workspace, one added first was not",
    () =>
      Effect.gen(function* () {
        const context = yield* Layer.build(
          Emulator.layerWorkspaces({
            seed: {
              users: [
                { id: "user_admin", role: "admin" },
                { id: "user_1", role: "member" },
                { id: "user_2", role: "member" }
              ],
              workspaces: [
                { slug: "from", name: "From", members: ["user_1", "user_2"], budgets: { monthly: 10, daily: 1 } },
                { slug: "to", name: "To" }
              ]
            },
            client: { retry: false }
          })
        )
        const emulator = Context.get(context, Emulator.Emulator)
        const ws = Context.get(context, Workspaces.Workspaces)
        const before = yield* emulator.snapshot
        const seen = (yield* emulator.history).length
        // user_1 the unsafe way round, user_2 the safe way
        yield* ws.bulkRemoveMembers({ id: "from", userIds: ["user_1"] })
        yield* ws.bulkAddMembers({ id: "to", userIds: ["user_1", "user_2"] })
        yield* ws.bulkRemoveMembers({ id: "from", userIds: ["user_2"] })
        yield* ws.setBudget({ id: "from", interval: "weekly", limitUsd: 5 })
        const events = (yield* emulator.history).slice(seen)
        const { broken, state } = Emulator.replayHistory(before, events)
        assert.strictEqual(broken.length, 1, broken.join("\n"))
        assert.match(broken[0]!, /^#\d+: user_1 was in no workspace while moving$/)
        const to = before.workspaces.find((w) => w.slug === "to")!
        assert.deepStrictEqual([...state.members.get(to.id)!].sort(), ["user_1", "user_2"])
        // a rule of the caller's own, asked after every event
        const checked = Emulator.replayHistory(before, events, (s) =>
          s.members.get(to.id)!.size > 1 ? "to has more than one member" : undefined
        )
        assert.isTrue(checked.broken.some((line) => line.endsWith(": to has more than one member")))
        // budgets out of order and a second workspace of one slug, as a broken server would record them
        const from = before.workspaces.find((w) => w.slug === "from")!
        const forged = [
          { ...events.find((e) => e.type === "budgetSet")!, interval: "daily" as const, limitUsd: 50 },
          { seq: 9999, at: "", type: "workspaceCreated" as const, workspace: { ...from, id: "another" } }
        ]
        const bad = Emulator.replayHistory(before, forged as ReadonlyArray<Emulator.HistoryEvent>)
        assert.isTrue(
          bad.broken.some((line) => line.endsWith("budgets of from out of order")),
          bad.broken.join("\n")
        )
        assert.isTrue(bad.broken.some((line) => line.endsWith("a second workspace with slug from")))
      })
  )
})
