import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Emulator } from "../emulator/index.js"
import type { OperationName } from "../src/WorkspacesApi.js"
import { endpoints } from "../src/WorkspacesApi.js"
import * as Fs from "node:fs"
import { callOperation, documentedStatuses, sharedSpecPath, specPath } from "./support/emulatorContract.js"

const seed: Emulator.Seed = {
  users: [
    { id: "user_admin", role: "admin", email: "admin@acme.example", firstName: "Ada", lastName: null },
    { id: "user_member", role: "member" },
    { id: "user_scim", role: "member", scim: true },
    { id: "user_1", role: "member" },
    { id: "user_2", role: "admin" }
  ],
  managementKeys: [
    { key: "sk-or-v1-admin", userId: "user_admin" },
    { key: "sk-or-v1-member", userId: "user_member" },
    // the key of someone who has left the organization
    { key: "sk-or-v1-outsider", userId: "user_gone" }
  ],
  apiKeys: [
    { userId: "user_1", workspace: "keyed", key: "sk-or-v1-inference" },
    { userId: "user_2", workspace: "alpha", key: "sk-or-v1-disabled", disabled: true, name: "old" },
    { userId: "user_admin", workspace: "default", key: "sk-or-v1-default-1", name: "prod", usage: 12.5, limit: 100 },
    { userId: "user_admin", workspace: "default", key: "sk-or-v1-default-2", name: "ci" }
  ],
  workspaces: [
    {
      slug: "alpha",
      name: "Alpha",
      members: ["user_1", "user_2", "user_scim"],
      budgets: { lifetime: 100, monthly: 50 }
    },
    { slug: "keyed", name: "Keyed", members: ["user_1"] }
  ]
}

type Options = Parameters<typeof callOperation>[2]

/** Calls an operation and checks the reply against the spec and the expected status; returns the body. */
type Expect = (operation: OperationName, status: number, options?: Options) => Effect.Effect<any, Error>

const inference = "sk-or-v1-inference"
const member = "sk-or-v1-member"

/**
 * One scenario per operation, covering every status the spec documents for it. They run in this
 * order, against one emulator: each test below runs its own, and the coverage test runs them all
 * against an emulator of its own, so any test passes alone (e.g. under `-t`).
 */
const scenarios: {
  readonly [K in OperationName]: (
    expect: Expect,
    expect500: (operation: OperationName, options?: Options) => Effect.Effect<void, Error>,
    expectInjected: (operation: OperationName, status: 429 | 500, options?: Options) => Effect.Effect<void, Error>
  ) => Effect.Effect<void, Error>
} = {
  list: (expect, expect500) =>
    Effect.gen(function* () {
      const page = yield* expect("list", 200)
      assert.strictEqual(page.total_count, 3)
      assert.deepStrictEqual(
        page.data.map((_: { slug: string }) => _.slug),
        ["default", "alpha", "keyed"]
      )
      yield* expect("list", 200, { query: { limit: "1", offset: "1" } })
      yield* expect("list", 401, { key: null })
      yield* expect("list", 401, { key: "sk-or-v1-unknown" })
      yield* expect("list", 401, { key: inference })
      yield* expect500("list")
    }),

  create: (expect, expect500) =>
    Effect.gen(function* () {
      const created = yield* expect("create", 201, {
        body: { name: "Production", slug: "production", description: "Prod", default_text_model: "openai/gpt-4o" }
      })
      assert.strictEqual(created.data.slug, "production")
      assert.strictEqual(created.data.created_by, "user_admin")
      assert.strictEqual(created.data.updated_at, null)
      yield* expect("create", 400, { body: { name: "Again", slug: "production" } })
      yield* expect("create", 400, { body: { name: "Bad", slug: "Not A Slug" } })
      yield* expect("create", 400, { raw: "{not json" })
      yield* expect("create", 401, { key: null, body: { name: "X", slug: "x" } })
      yield* expect("create", 403, { key: inference, body: { name: "X", slug: "x" } })
      yield* expect("create", 403, { key: member, body: { name: "X", slug: "x" } })
      yield* expect500("create", { body: { name: "X", slug: "x" } })
    }),

  get: (expect, expect500) =>
    Effect.gen(function* () {
      const bySlug = yield* expect("get", 200, { params: { id: "alpha" } })
      const byId = yield* expect("get", 200, { params: { id: bySlug.data.id } })
      assert.deepStrictEqual(byId, bySlug)
      yield* expect("get", 401, { params: { id: "alpha" }, key: null })
      yield* expect("get", 401, { params: { id: "alpha" }, key: inference })
      yield* expect("get", 404, { params: { id: "nope" } })
      yield* expect500("get", { params: { id: "alpha" } })
    }),

  update: (expect, expect500) =>
    Effect.gen(function* () {
      const updated = yield* expect("update", 200, {
        params: { id: "alpha" },
        body: {
          description: null,
          io_logging_sampling_rate: 0.5,
          disabled_server_tools: ["openrouter:web_search", "openrouter:not_yet_known"]
        }
      })
      assert.strictEqual(updated.data.description, null)
      assert.deepStrictEqual(updated.data.disabled_server_tools, ["openrouter:web_search", "openrouter:not_yet_known"])
      yield* expect("update", 400, { params: { id: "alpha" }, body: { disabled_server_tools: [1] } })
      yield* expect("update", 400, { params: { id: "alpha" }, body: { disabled_server_tools: "openrouter:bash" } })
      const cleared = yield* expect("update", 200, { params: { id: "alpha" }, body: { disabled_server_tools: [] } })
      assert.isNull(cleared.data.disabled_server_tools)
      assert.isString(updated.data.updated_at)
      yield* expect("update", 400, { params: { id: "alpha" }, body: { slug: "keyed" } })
      // the default workspace is known by its slug: it keeps it (its name and settings may change)
      const reslugged = yield* expect("update", 400, { params: { id: "default" }, body: { slug: "main" } })
      assert.deepStrictEqual(reslugged.error.metadata, { reason: "default_workspace" })
      yield* expect("update", 200, { params: { id: "default" }, body: { slug: "default", name: "Default" } })
      yield* expect("update", 400, { params: { id: "alpha" }, body: { io_logging_sampling_rate: 2 } })
      yield* expect("update", 401, { params: { id: "alpha" }, body: {}, key: null })
      yield* expect("update", 403, { params: { id: "alpha" }, body: {}, key: inference })
      yield* expect("update", 404, { params: { id: "nope" }, body: { name: "X" } })
      yield* expect500("update", { params: { id: "alpha" }, body: {} })
    }),

  delete: (expect, expect500) =>
    Effect.gen(function* () {
      yield* expect("create", 201, { body: { name: "Temp", slug: "temp" } })
      yield* expect("delete", 200, { params: { id: "temp" } })
      yield* expect("delete", 400, { params: { id: "keyed" } })
      // revision 2: the default workspace goes only with the confirmation (see test/Revision2.test.ts)
      const unconfirmed = yield* expect("delete", 400, { params: { id: "default" } })
      assert.deepStrictEqual(unconfirmed.error.metadata, { reason: "confirmation_required" })
      yield* expect("delete", 400, {
        params: { id: "default" },
        query: { confirm_default_workspace_deletion: "maybe" }
      })
      yield* expect("delete", 403, { params: { id: "alpha" }, key: member })
      yield* expect("delete", 403, { params: { id: "alpha" }, key: inference })
      yield* expect("delete", 401, { params: { id: "alpha" }, key: null })
      yield* expect("delete", 404, { params: { id: "temp" } })
      yield* expect500("delete", { params: { id: "alpha" } })
    }),

  listBudgets: (expect, expect500) =>
    Effect.gen(function* () {
      const budgets = yield* expect("listBudgets", 200, { params: { workspace_ref: "alpha" } })
      assert.deepStrictEqual(
        budgets.data.map((_: { reset_interval: string | null }) => _.reset_interval),
        [null, "monthly"]
      )
      assert.strictEqual(budgets.include_byok_in_budgets, false)
      yield* expect("listBudgets", 401, { params: { workspace_ref: "alpha" }, key: inference })
      yield* expect("listBudgets", 404, { params: { workspace_ref: "nope" } })
      yield* expect500("listBudgets", { params: { workspace_ref: "alpha" } })
    }),

  getBudget: (expect, expect500) =>
    Effect.gen(function* () {
      const lifetime = yield* expect("getBudget", 200, { params: { workspace_ref: "alpha", interval: "lifetime" } })
      assert.strictEqual(lifetime.data.reset_interval, null)
      yield* expect("getBudget", 400, { params: { workspace_ref: "alpha", interval: "yearly" } })
      yield* expect("getBudget", 401, { params: { workspace_ref: "alpha", interval: "monthly" }, key: null })
      yield* expect("getBudget", 404, { params: { workspace_ref: "alpha", interval: "daily" } })
      yield* expect("getBudget", 404, { params: { workspace_ref: "nope", interval: "monthly" } })
      yield* expect500("getBudget", { params: { workspace_ref: "alpha", interval: "monthly" } })
    }),

  setBudget: (expect, expect500) =>
    Effect.gen(function* () {
      const set = yield* expect("setBudget", 200, {
        params: { workspace_ref: "alpha", interval: "weekly" },
        body: { limit_usd: 20, include_byok_in_budgets: true }
      })
      assert.strictEqual(set.data.reset_interval, "weekly")
      assert.strictEqual(set.include_byok_in_budgets, true)
      yield* expect("setBudget", 400, {
        params: { workspace_ref: "alpha", interval: "daily" },
        body: { limit_usd: 20 }
      })
      yield* expect("setBudget", 400, { params: { workspace_ref: "alpha", interval: "daily" }, body: { limit_usd: 0 } })
      yield* expect("setBudget", 400, {
        params: { workspace_ref: "alpha", interval: "hourly" },
        body: { limit_usd: 1 }
      })
      yield* expect("setBudget", 401, {
        params: { workspace_ref: "alpha", interval: "daily" },
        body: { limit_usd: 1 },
        key: null
      })
      yield* expect("setBudget", 404, { params: { workspace_ref: "nope", interval: "daily" }, body: { limit_usd: 1 } })
      yield* expect500("setBudget", { params: { workspace_ref: "alpha", interval: "daily" }, body: { limit_usd: 1 } })
    }),

  deleteBudget: (expect, expect500) =>
    Effect.gen(function* () {
      yield* expect("deleteBudget", 200, { params: { workspace_ref: "alpha", interval: "weekly" } })
      // "Confirmation that the budget was deleted (or did not exist)"
      const again = yield* expect("deleteBudget", 200, { params: { workspace_ref: "alpha", interval: "weekly" } })
      assert.deepStrictEqual(again, { deleted: true })
      yield* expect("deleteBudget", 400, { params: { workspace_ref: "alpha", interval: "yearly" } })
      yield* expect("deleteBudget", 401, { params: { workspace_ref: "alpha", interval: "daily" }, key: inference })
      yield* expect("deleteBudget", 404, { params: { workspace_ref: "nope", interval: "daily" } })
      yield* expect500("deleteBudget", { params: { workspace_ref: "alpha", interval: "daily" } })
    }),

  listMembers: (expect, expect500) =>
    Effect.gen(function* () {
      const everyone = yield* expect("listMembers", 200, { params: { id: "default" } })
      assert.strictEqual(everyone.total_count, 5)
      yield* expect("listMembers", 200, { params: { id: "alpha" }, query: { limit: "1", offset: "2" } })
      yield* expect("listMembers", 401, { params: { id: "alpha" }, key: null })
      yield* expect("listMembers", 403, { params: { id: "alpha" }, key: inference })
      yield* expect("listMembers", 404, { params: { id: "nope" } })
      yield* expect500("listMembers", { params: { id: "alpha" } })
    }),

  bulkAddMembers: (expect, expect500) =>
    Effect.gen(function* () {
      const added = yield* expect("bulkAddMembers", 200, {
        params: { id: "keyed" },
        body: { user_ids: ["user_member", "user_1"] }
      })
      assert.strictEqual(added.added_count, 1)
      yield* expect("bulkAddMembers", 400, { params: { id: "keyed" }, body: { user_ids: ["user_ghost"] } })
      yield* expect("bulkAddMembers", 400, { params: { id: "keyed" }, body: { user_ids: [] } })
      yield* expect("bulkAddMembers", 400, { params: { id: "default" }, body: { user_ids: ["user_1"] } })
      yield* expect("bulkAddMembers", 401, { params: { id: "keyed" }, body: { user_ids: ["user_1"] }, key: null })
      yield* expect("bulkAddMembers", 403, {
        params: { id: "keyed" },
        body: { user_ids: ["user_1"] },
        key: inference
      })
      yield* expect("bulkAddMembers", 404, { params: { id: "nope" }, body: { user_ids: ["user_1"] } })
      yield* expect500("bulkAddMembers", { params: { id: "keyed" }, body: { user_ids: ["user_1"] } })
    }),

  bulkRemoveMembers: (expect, expect500) =>
    Effect.gen(function* () {
      // a member to remove, whether or not bulkAddMembers ran first
      yield* expect("bulkAddMembers", 200, { params: { id: "keyed" }, body: { user_ids: ["user_member"] } })
      const removed = yield* expect("bulkRemoveMembers", 200, {
        params: { id: "keyed" },
        body: { user_ids: ["user_member", "user_ghost"] }
      })
      assert.strictEqual(removed.removed_count, 1)
      yield* expect("bulkRemoveMembers", 400, { params: { id: "keyed" }, body: { user_ids: ["user_1"] } })
      yield* expect("bulkRemoveMembers", 400, { params: { id: "default" }, body: { user_ids: ["user_1"] } })
      yield* expect("bulkRemoveMembers", 403, { params: { id: "alpha" }, body: { user_ids: ["user_scim"] } })
      yield* expect("bulkRemoveMembers", 403, {
        params: { id: "alpha" },
        body: { user_ids: ["user_2"] },
        key: inference
      })
      yield* expect("bulkRemoveMembers", 401, { params: { id: "alpha" }, body: { user_ids: ["user_2"] }, key: null })
      yield* expect("bulkRemoveMembers", 404, { params: { id: "nope" }, body: { user_ids: ["user_2"] } })
      yield* expect500("bulkRemoveMembers", { params: { id: "alpha" }, body: { user_ids: ["user_2"] } })
    }),

  listOrganizationMembers: (expect, expect500) =>
    Effect.gen(function* () {
      const everyone = yield* expect("listOrganizationMembers", 200)
      assert.strictEqual(everyone.total_count, 5)
      assert.deepStrictEqual(everyone.data[0], {
        id: "user_admin",
        email: "admin@acme.example",
        first_name: "Ada",
        last_name: null,
        role: "org:admin"
      })
      assert.strictEqual(everyone.data[1].role, "org:member")
      const second = yield* expect("listOrganizationMembers", 200, { query: { limit: "2", offset: "2" } })
      assert.deepStrictEqual(
        second.data.map((_: { id: string }) => _.id),
        ["user_scim", "user_1"]
      )
      yield* expect("listOrganizationMembers", 401, { key: null })
      yield* expect("listOrganizationMembers", 401, { key: inference })
      yield* expect("listOrganizationMembers", 404, { key: "sk-or-v1-outsider" })
      yield* expect500("listOrganizationMembers")
    }),

  listApiKeys: (expect, expect500, expectInjected) =>
    Effect.gen(function* () {
      // the default workspace's by default, active ones only
      const defaults = yield* expect("listApiKeys", 200)
      assert.deepStrictEqual(
        defaults.data.map((_: { name: string }) => _.name),
        ["prod", "ci"]
      )
      const [prod] = defaults.data
      assert.strictEqual(prod.creator_user_id, "user_admin")
      assert.strictEqual(prod.usage, 12.5)
      assert.strictEqual(prod.limit_remaining, 87.5)
      assert.match(prod.hash, /^[0-9a-f]{64}$/)
      assert.notInclude(JSON.stringify(defaults), "sk-or-v1-default")
      const alpha = (yield* expect("get", 200, { params: { id: "alpha" } })).data.id
      const active = yield* expect("listApiKeys", 200, { query: { workspace_id: alpha } })
      assert.deepStrictEqual(active.data, [])
      const all = yield* expect("listApiKeys", 200, { query: { workspace_id: alpha, include_disabled: "true" } })
      assert.deepStrictEqual(
        all.data.map((_: { name: string; disabled: boolean }) => [_.name, _.disabled]),
        [["old", true]]
      )
      const past = yield* expect("listApiKeys", 200, { query: { offset: "2" } })
      assert.deepStrictEqual(past.data, [])
      yield* expect("listApiKeys", 400, { query: { workspace_id: "alpha" } })
      yield* expect("listApiKeys", 400, { query: { include_disabled: "yes" } })
      yield* expect("listApiKeys", 401, { key: null })
      yield* expect("listApiKeys", 401, { key: inference })
      // rate limited: the one status of GET /keys that only a fault produces
      yield* expectInjected("listApiKeys", 429)
      yield* expect500("listApiKeys")
    })
}

/** `expect` and `expect500` against one emulator, recording every status seen per operation in `seen`. */
const expecter = (emulator: Emulator.Service, seen: Map<OperationName, Set<number>>) => {
  const expect: Expect = (operation, status, options = {}) =>
    Effect.gen(function* () {
      const reply = yield* callOperation(emulator, operation, options)
      seen.set(operation, (seen.get(operation) ?? new Set()).add(reply.status))
      assert.deepStrictEqual(reply.problems, [], `${operation}: ${reply.text}`)
      assert.strictEqual(reply.status, status, `${operation}: ${reply.text}`)
      return reply.body
    })
  /** A 500 injected once for the operation, then the call. */
  /** A status injected once for the operation, then the call. */
  const expectInjected = (operation: OperationName, status: 429 | 500, options: Options = {}) =>
    Effect.gen(function* () {
      yield* emulator.setFaults([{ kind: "status", status, operations: [operation], times: 1 }])
      yield* expect(operation, status, options)
    })
  const expect500 = (operation: OperationName, options: Options = {}) => expectInjected(operation, 500, options)
  return { expect, expect500, expectInjected }
}

const operations = Object.keys(scenarios) as Array<OperationName>

describe("the vendored spec", () => {
  it.skipIf(!Fs.existsSync(sharedSpecPath))("is the same as the shared wire contract beside the repository", () => {
    assert.strictEqual(Fs.readFileSync(specPath, "utf8"), Fs.readFileSync(sharedSpecPath, "utf8"))
  })
})

describe("Emulator responses match the spec", () => {
  it.layer(Emulator.layer({ seed }))((it) => {
    for (const operation of operations) {
      it.effect(operation, () =>
        Effect.flatMap(Emulator.Emulator, (emulator) => {
          const { expect, expect500, expectInjected } = expecter(emulator, new Map())
          return scenarios[operation](expect, expect500, expectInjected)
        })
      )
    }
  })

  it.live("every documented status of every operation is exercised", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual([...operations].sort(), Object.keys(endpoints).sort())
      // every scenario, in order, against an emulator of its own: this test depends on no other
      const seen = new Map<OperationName, Set<number>>()
      const emulator = yield* Emulator.make({ seed })
      const { expect, expect500, expectInjected } = expecter(emulator, seen)
      for (const operation of operations) yield* scenarios[operation](expect, expect500, expectInjected)
      for (const operation of operations) {
        const documented = documentedStatuses(operation)
        const exercised = Array.from(seen.get(operation) ?? []).sort()
        assert.deepStrictEqual(exercised, [...documented].sort(), operation)
        assert.deepStrictEqual(
          [...endpoints[operation].errors].sort(),
          documented.filter((status) => status >= 400).sort(),
          `${operation}: the endpoint description lists the spec's error statuses`
        )
      }
    }).pipe(Effect.scoped)
  )
})
