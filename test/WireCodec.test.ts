import { assert, describe, it } from "@effect/vitest"
import { Arbitrary, Either, FastCheck as fc, ParseResult, Schema } from "effect"
import type * as Endpoint from "../src/Endpoint.js"
import * as WireCodec from "../src/internal/wireCodec.js"
import { WorkspacesApi } from "../src/index.js"
import { bodies, userIds, workspace } from "../bench/internal/fixtures.js"

/**
 * A value, or its issues: their kinds and paths, and their messages but for the names of struct
 * types, which the wire side spells `Struct (Encoded side)` where Schema's own decoder uses the
 * identifier (`Workspace`).
 */
const issues = (result: Either.Either<unknown, ParseResult.ParseError>) =>
  Either.isLeft(result)
    ? ParseResult.ArrayFormatter.formatErrorSync(result.left).map((issue) => ({
        ...issue,
        message: /^Expected .*(Struct|Workspace|OrganizationMember|ApiKey|\{)/.test(issue.message)
          ? "Expected a struct"
          : issue.message
      }))
    : result.right

/** The same result as Schema's own function. */
const assertSame = (
  fast: Either.Either<unknown, ParseResult.ParseError>,
  own: Either.Either<unknown, ParseResult.ParseError>
) => {
  assert.strictEqual(fast._tag, own._tag)
  assert.deepStrictEqual(issues(fast), issues(own))
}

const endpoints: ReadonlyArray<Endpoint.Any> = Object.values(WorkspacesApi.endpoints)

const member = JSON.parse(bodies.listMembers).data[0]
const budget = {
  id: "b",
  workspace_id: "w",
  limit_usd: 10,
  reset_interval: null,
  created_at: "2025-01-06T09:00:00.000Z",
  updated_at: "2025-01-06T09:00:00.000Z"
}

/** Success bodies, valid and not, for every response schema. */
const responses: ReadonlyArray<unknown> = [
  JSON.parse(bodies.get),
  JSON.parse(bodies.listMembers),
  JSON.parse(bodies.bulkAddMembers),
  { data: [workspace, { ...workspace, include_byok_in_budgets: undefined }], total_count: 2 },
  { data: [workspace], total_count: 1, extra: "ignored" },
  { data: { ...workspace, extra: 1 } },
  { data: [budget], include_byok_in_budgets: true },
  { data: budget },
  { data: { ...budget, reset_interval: "monthly" }, include_byok_in_budgets: false },
  { deleted: true },
  { removed_count: 3 },
  { data: [member], added_count: 1 },
  // not valid
  { data: [{ ...member, role: "owner" }], total_count: 1 },
  { data: [member], total_count: 1.5 },
  { data: [{ ...member, user_id: undefined }], total_count: 1 },
  { data: { ...workspace, io_logging_api_key_ids: [1, "2"] } },
  { data: { ...workspace, name: 5 } },
  { data: { ...budget, reset_interval: "hourly" } },
  { data: "no", total_count: 0 },
  { deleted: false },
  null,
  "text",
  []
]

/** Inputs, valid and not, for every request schema (path parameters, query, body). */
const inputs: ReadonlyArray<unknown> = [
  { id: "engineering" },
  { id: "engineering", userIds },
  { id: "engineering", userIds: ["user_1"], extra: true },
  { name: "Made", slug: "made", description: null, defaultTextModel: "openai/gpt-4o", ioLoggingSamplingRate: 0.5 },
  { id: "w", name: "Renamed", ioLoggingApiKeyIds: [1, 2], isDataDiscountLoggingEnabled: false },
  { id: "w", interval: "monthly", limitUsd: 50, includeByokInBudgets: true },
  { id: "w", interval: "daily", limitUsd: 5 },
  { offset: 100, limit: 100 },
  {},
  // not valid
  { id: "" },
  { id: "w", userIds: [] },
  { id: "w", userIds: [...userIds, "one more"] },
  { id: "w", userIds: ["ok", ""] },
  { name: "", slug: "Bad Slug" },
  { id: "w", interval: "hourly", limitUsd: -1 },
  { id: "w", ioLoggingSamplingRate: 2 },
  { limit: 0 },
  null
]

describe("WireCodec", () => {
  it("the wire schemas of every endpoint are renaming-only, so they take the fast path", () => {
    for (const endpoint of endpoints) {
      // `{ deleted: true }` renames nothing: Schema's own decoder is one validation already
      if (endpoint === WorkspacesApi.del || endpoint === WorkspacesApi.deleteBudget) continue
      assert.isTrue(WireCodec.isRenamingOnly(endpoint.response), `${endpoint.name} response`)
    }
    assert.isTrue(WireCodec.isRenamingOnly(WorkspacesApi.bulkAddMembers.body))
    assert.isTrue(WireCodec.isRenamingOnly(WorkspacesApi.setBudget.body))
    // NumberFromString is a real transformation: the query keeps Schema's own encoder
    assert.isFalse(WireCodec.isRenamingOnly(WorkspacesApi.listMembers.query))
  })

  it("decodes every response as Schema.decodeUnknownEither does, valid or not", () => {
    for (const endpoint of endpoints) {
      const fast = WireCodec.decodeUnknownEither(endpoint.response)
      const own = Schema.decodeUnknownEither(endpoint.response)
      for (const body of responses) assertSame(fast(body), own(body))
    }
  })

  it("encodes every part of every request as Schema.encodeUnknownEither does, valid or not", () => {
    for (const endpoint of endpoints) {
      for (const part of [endpoint.params, endpoint.query, endpoint.body]) {
        const fast = WireCodec.encodeUnknownEither(part)
        const own = Schema.encodeUnknownEither(part)
        for (const input of inputs) assertSame(fast(input), own(input))
      }
    }
  })

  it("encodes a value already of the type as Schema.encodeEither does, and leaves it as it was", () => {
    for (const endpoint of endpoints) {
      const decode = Schema.decodeUnknownEither(endpoint.response)
      const trusted = WireCodec.encodeTrusted(endpoint.response)
      const own = Schema.encodeEither(endpoint.response)
      for (const body of responses) {
        const decoded = decode(body)
        if (Either.isLeft(decoded)) continue
        const before = structuredClone(decoded.right)
        assertSame(trusted(decoded.right), own(decoded.right))
        assert.deepStrictEqual(decoded.right, before)
      }
    }
  })

  /**
   * Values near the schema's own: valid ones (its encoded side's arbitrary), and the same with one
   * key, somewhere inside, removed or given any JSON value.
   */
  const nearly = (schema: Schema.Schema.Any) => {
    const valid = Arbitrary.make(Schema.encodedSchema(schema)) as fc.Arbitrary<unknown>
    const paths = (value: unknown): Array<ReadonlyArray<PropertyKey>> =>
      typeof value === "object" && value !== null
        ? Object.keys(value).flatMap((key) => [
            [key],
            ...paths((value as Record<string, unknown>)[key]).map((path) => [key, ...path])
          ])
        : []
    const broken = valid.chain((value) => {
      const all = paths(value)
      if (all.length === 0) return fc.constant(value)
      return fc.tuple(fc.constantFrom(...all), fc.option(fc.jsonValue(), { nil: undefined })).map(([path, other]) => {
        const copy = structuredClone(value) as Record<PropertyKey, unknown>
        let at = copy
        for (const key of path.slice(0, -1)) at = at[key] as Record<PropertyKey, unknown>
        if (other === undefined) delete at[path.at(-1)!]
        else at[path.at(-1)!] = other
        return copy
      })
    })
    return fc.oneof(valid, broken, fc.jsonValue())
  }

  it("decodes and encodes as Schema does for any value near a wire schema's, valid or not (property)", () => {
    for (const endpoint of endpoints) {
      const fast = WireCodec.decodeUnknownEither(endpoint.response)
      const own = Schema.decodeUnknownEither(endpoint.response)
      fc.assert(
        fc.property(nearly(endpoint.response), (body) => assertSame(fast(body), own(body))),
        { numRuns: 150 }
      )
      for (const part of [endpoint.params, endpoint.body]) {
        if (!Schema.isSchema(part)) continue
        const encode = WireCodec.encodeUnknownEither(part)
        const encodeOwn = Schema.encodeUnknownEither(part)
        const typeSide = Arbitrary.make(Schema.typeSchema(part)) as fc.Arbitrary<unknown>
        fc.assert(
          fc.property(fc.oneof(typeSide, fc.jsonValue()), (input) => assertSame(encode(input), encodeOwn(input))),
          { numRuns: 150 }
        )
      }
    }
  })

  it("the renamed value is a fresh copy: the input is left as it was", () => {
    const input = { id: "w", userIds: ["a", "b"] }
    const encoded = Either.getOrThrow(WireCodec.encodeUnknownEither(WorkspacesApi.bulkAddMembers.body)(input))
    assert.deepStrictEqual(encoded, { user_ids: ["a", "b"] })
    assert.notStrictEqual((encoded as { user_ids: unknown }).user_ids, input.userIds)
    assert.deepStrictEqual(input, { id: "w", userIds: ["a", "b"] })
  })

  it("keeps Schema's own functions for what it does not rename: transformations, refinements above renames", () => {
    const Trimmed = Schema.Struct({ name: Schema.Trim })
    const Checked = Schema.Struct({
      userId: Schema.propertySignature(Schema.String).pipe(Schema.fromKey("user_id"))
    }).pipe(Schema.filter((value) => value.userId !== "root" || "not root"))
    const schemas: ReadonlyArray<Schema.Schema<any, any>> = [Trimmed, Checked]
    for (const schema of schemas) {
      assert.isFalse(WireCodec.isRenamingOnly(schema))
      for (const value of [{ name: " x " }, { user_id: "root" }, { user_id: "u" }]) {
        assertSame(WireCodec.decodeUnknownEither(schema)(value), Schema.decodeUnknownEither(schema)(value))
      }
    }
  })
})
