/**
 * The request side of the contract, checked against the vendored spec. Each endpoint description of
 * `WorkspacesApi` is turned into JSON Schemas with `effect/JSONSchema`: the body from its encoded
 * (snake_case) side with its refinements kept (`encodedBoundSchema`; `encodedSchema` would drop the
 * bounds), the path and query parameters from their decoded side, since on the wire they are strings
 * and the spec describes the value they carry. Both sides are then flattened into `key: value` facts
 * (`body.name.maxLength: 100`), so that every difference reads as one line.
 */
import { assert, describe, it } from "@effect/vitest"
import { JSONSchema, Schema } from "effect"
import * as Fs from "node:fs"
import * as Yaml from "yaml"
import * as Endpoint from "../src/Endpoint.js"
import { endpoints } from "../src/WorkspacesApi.js"
import { specPath } from "./support/emulatorContract.js"

type JsonObject = { readonly [key: string]: any }

/** What one side says about one operation: `key` → value, e.g. `query.limit.maximum` → `100`. */
type Facts = Map<string, string>

/**
 * Where the project differs from the spec on purpose. An entry must match a difference exactly, and
 * one that no longer matches fails too, so any other difference, or a change on either side of these,
 * fails the test.
 */
const deliberate: ReadonlyArray<{
  readonly operations: ReadonlyArray<string>
  readonly key: string
  readonly spec: string | undefined
  readonly ours: string | undefined
  readonly why: string
}> = [
  {
    operations: ["list", "listMembers", "listOrganizationMembers", "listApiKeys"],
    key: "query.offset.type",
    spec: "integer|null",
    ours: "integer",
    why: "a query string cannot carry JSON null: leaving offset out is how a request says null"
  },
  {
    operations: ["create", "update"],
    key: "body.io_logging_sampling_rate.minimum",
    spec: undefined,
    ours: "0.0001",
    why: "the spec states the range only in prose ('Sampling rate for I/O logging (0.0001-1)'); the client checks it"
  },
  {
    operations: ["create", "update"],
    key: "body.io_logging_sampling_rate.maximum",
    spec: undefined,
    ours: "1",
    why: "as above: the upper end of the range the spec states in prose"
  },
  {
    operations: ["setBudget"],
    key: "body.limit_usd.exclusiveMinimum",
    spec: undefined,
    ours: "0",
    why: "the spec states the rule only in prose ('Must be greater than 0.'); the client checks it"
  },
  {
    operations: ["delete", "get", "update", "listMembers", "bulkAddMembers", "bulkRemoveMembers"],
    key: "path.id.maxLength",
    spec: undefined,
    ours: "256",
    why:
      "the spec bounds no id, and servers answer an id of 100,000 characters with an undocumented 431: " +
      "the client refuses ids over 256 characters (a UUID has 36, a slug at most 50) before sending"
  },
  {
    operations: ["listBudgets", "getBudget", "deleteBudget", "setBudget"],
    key: "path.workspace_ref.maxLength",
    spec: undefined,
    ours: "256",
    why: "as above: the budget paths name the workspace workspace_ref"
  },
  {
    operations: ["bulkAddMembers", "bulkRemoveMembers"],
    key: "body.user_ids[].maxLength",
    spec: undefined,
    ours: "256",
    why: "as above, for user ids: bounded at 256 characters so that an absurd one fails before it is sent"
  },
  {
    operations: ["listApiKeys"],
    key: "query.include_disabled.type",
    spec: "string",
    ours: "boolean",
    why: "the spec types the query string and says what it carries with x-openrouter-type: boolean; ours describes the value"
  },
  {
    operations: ["listApiKeys"],
    key: "query.include_disabled.x-openrouter-type",
    spec: "boolean",
    ours: undefined,
    why: "as above: the value is a boolean, sent as true or false"
  },
  {
    operations: ["listApiKeys"],
    key: "query.workspace_id.pattern",
    spec: undefined,
    ours: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    why: "the spec says format: uuid; the client checks that form (Schema.UUID) before sending"
  },
  {
    operations: ["bulkAddMembers", "bulkRemoveMembers"],
    key: "body.user_ids[].minLength",
    spec: undefined,
    ours: "1",
    why: "an empty string names no user: the client refuses it before sending (README: userIds 1..100 non-empty)"
  }
]

// ---------------------------------------------------------------------------------------------
// JSON Schema → facts
// ---------------------------------------------------------------------------------------------

const show = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value))

const pointer = (root: unknown, ref: string): unknown => {
  if (!ref.startsWith("#/")) throw new Error(`only local $refs are supported, not ${ref}`)
  return ref
    .slice(2)
    .split("/")
    .map((token) => token.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((node: any, token) => {
      if (node?.[token] === undefined) throw new Error(`unresolved $ref ${ref}`)
      return node[token]
    }, root)
}

/** Replaces every `$ref` by what it points to; siblings of a `$ref` apply too (an `allOf` of both). */
const resolve = (root: unknown, node: unknown, seen: ReadonlySet<string> = new Set()): any => {
  if (Array.isArray(node)) return node.map((item) => resolve(root, item, seen))
  if (node === null || typeof node !== "object") return node
  const { $ref, ...rest } = node as JsonObject
  const siblings = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, resolve(root, value, seen)]))
  if (typeof $ref !== "string") return siblings
  if (seen.has($ref)) throw new Error(`recursive $ref ${$ref}`)
  const target = resolve(root, pointer(root, $ref), new Set([...seen, $ref]))
  return Object.keys(siblings).length === 0 ? target : { allOf: [target, siblings] }
}

const lower = ["minimum", "exclusiveMinimum", "minLength", "minItems"]
const upper = ["maximum", "exclusiveMaximum", "maxLength", "maxItems"]
/**
 * The keywords that say nothing a request must satisfy; any other (the bounds, `pattern`, `format`, a
 * keyword this test does not know) is a fact compared as it is. `additionalProperties`: Effect writes `false`
 * for every struct and the spec leaves objects open; both the client and the emulator drop unknown
 * keys when decoding, which is what an open object allows.
 */
const ignored = new Set([
  "$schema",
  "$defs",
  "$id",
  "$comment",
  "title",
  "description",
  "example",
  "examples",
  "default",
  "additionalProperties"
])

/** Folds an `allOf` into one schema: the stricter of two bounds, the common types, all required keys. */
const flatten = (schema: JsonObject): JsonObject => {
  if (!Array.isArray(schema.allOf)) return schema
  const { allOf, ...rest } = schema
  return [rest, ...allOf.map(flatten)].reduce((merged: Record<string, any>, part: JsonObject) => {
    for (const [key, value] of Object.entries(part)) {
      const current = merged[key]
      if (current === undefined) merged[key] = value
      else if (lower.includes(key)) merged[key] = Math.max(current, value)
      else if (upper.includes(key)) merged[key] = Math.min(current, value)
      else if (key === "required") merged[key] = [...new Set([...current, ...value])]
      else if (key === "properties") merged[key] = { ...current, ...value }
      else if (key === "type") {
        const types = (v: unknown) => (Array.isArray(v) ? v : [v])
        merged[key] = types(current).filter((type) => types(value).includes(type))
      } else if (show(current) !== show(value)) merged[key] = [current, value]
    }
    return merged
  }, {})
}

const isNull = (schema: JsonObject) =>
  schema.type === "null" && Object.keys(schema).every((key) => key === "type" || ignored.has(key))

/** Writes the facts of a (resolved) JSON Schema under `at`. */
const describeSchema = (node: JsonObject, at: string, facts: Facts): void => {
  let schema = flatten(node)
  let nullable = false
  // `NullOr(X)` comes out of Effect as `anyOf: [X, { type: "null" }]`; the spec writes `type: [x, "null"]`.
  const union: ReadonlyArray<JsonObject> | undefined = schema.anyOf ?? schema.oneOf
  if (union !== undefined) {
    const branches = union.map(flatten)
    const others = branches.filter((branch) => !isNull(branch))
    if (others.length === 1) {
      const { anyOf: _anyOf, oneOf: _oneOf, ...rest } = schema
      schema = flatten({ allOf: [rest, others[0]!] })
      nullable = others.length < branches.length
    }
  }
  const types = new Set<string>(
    schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type]
  )
  if (nullable) types.add("null")
  facts.set(`${at}.type`, types.size === 0 ? "any" : [...types].sort().join("|"))
  const values: ReadonlyArray<unknown> | undefined = "const" in schema ? [schema.const] : schema.enum
  if (values !== undefined) {
    if (values.includes(null) && !types.has("null")) facts.set(`${at}.type`, [...types, "null"].sort().join("|"))
    facts.set(`${at}.enum`, show(values.filter((value) => value !== null).sort()))
  }
  const required = new Set<string>(schema.required ?? [])
  for (const [key, value] of Object.entries(schema)) {
    if (ignored.has(key) || ["type", "enum", "const", "required"].includes(key)) continue
    if (key === "format" && (value === "double" || value === "float")) continue // any JSON number
    if (key === "items") describeSchema(value, `${at}[]`, facts)
    else if (key === "properties") {
      for (const name of Object.keys(value).sort()) {
        facts.set(`${at}.${name}`, required.has(name) ? "required" : "optional")
        describeSchema(value[name], `${at}.${name}`, facts)
      }
    } else facts.set(`${at}.${key}`, show(value)) // a bound, or a keyword this test does not know: compared as is
  }
  for (const name of required) {
    if (schema.properties?.[name] === undefined) facts.set(`${at}.${name}`, "required, not described")
  }
}

const statusFacts = (facts: Facts, success: ReadonlyArray<number | string>, errors: ReadonlyArray<number | string>) => {
  const set = (statuses: ReadonlyArray<number | string>) => [...new Set(statuses.map(String))].sort().join(" ")
  facts.set("statuses.success", set(success))
  facts.set("statuses.errors", set(errors))
}

const describeParameters = (place: string, schema: JsonObject, facts: Facts): void => {
  const required = new Set<string>(schema.required ?? [])
  for (const [name, parameter] of Object.entries<JsonObject>(schema.properties ?? {})) {
    facts.set(`${place}.${name}`, required.has(name) ? "required" : "optional")
    describeSchema(parameter, `${place}.${name}`, facts)
  }
}

// ---------------------------------------------------------------------------------------------
// The spec's side
// ---------------------------------------------------------------------------------------------

const spec = Yaml.parse(Fs.readFileSync(specPath, "utf8")) as JsonObject
const methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

/** The spec's operations by route (`GET /keys`): two of them are named `list`. */
const specOperations = new Map<string, Facts>()
for (const [path, item] of Object.entries<JsonObject>(spec.paths)) {
  for (const method of methods.filter((method) => item[method] !== undefined)) {
    const operation = resolve(spec, item[method]) as JsonObject
    const route = `${method.toUpperCase()} ${path}`
    const facts: Facts = new Map([["route", route]])
    // operation-level parameters override path-level ones of the same name and place
    const parameters = new Map<string, JsonObject>()
    for (const parameter of [...resolve(spec, item.parameters ?? []), ...(operation.parameters ?? [])]) {
      parameters.set(`${parameter.in}.${parameter.name}`, parameter)
    }
    for (const [key, parameter] of parameters) {
      facts.set(key, parameter.required === true ? "required" : "optional")
      describeSchema(parameter.schema ?? {}, key, facts)
    }
    if (operation.requestBody !== undefined) {
      const content: JsonObject = operation.requestBody.content ?? {}
      facts.set("body", operation.requestBody.required === true ? "required" : "optional")
      facts.set("body.content", Object.keys(content).sort().join(" "))
      describeSchema(content["application/json"]?.schema ?? {}, "body", facts)
    }
    const statuses = Object.keys(operation.responses)
    statusFacts(
      facts,
      statuses.filter((status) => status.startsWith("2")),
      statuses.filter((status) => !status.startsWith("2"))
    )
    specOperations.set(route, facts)
  }
}

// ---------------------------------------------------------------------------------------------
// The project's side
// ---------------------------------------------------------------------------------------------

const jsonSchema = (schema: Schema.Schema.Any): JsonObject => {
  const document = JSONSchema.make(schema as Schema.Schema<any, any, never>) as JsonObject
  return resolve(document, document)
}

const keysOf = (schema: Schema.Schema.Any): string => Object.keys(jsonSchema(schema).properties ?? {}).join(", ")

/** The wire name of each renamed property of a struct (`Model.wire`, `Model.optionalWire`), by its type-side name. */
const wireNames = (part: Endpoint.Part): ReadonlyMap<string, string> => {
  const ast = part.ast
  if (ast._tag !== "Transformation" || ast.transformation._tag !== "TypeLiteralTransformation") return new Map()
  return new Map(ast.transformation.propertySignatureTransformations.map((_) => [String(_.to), String(_.from)]))
}

/** The parameters' facts: their wire names are the encoded side's, their values the decoded side's. */
const describeUrlPart = (name: string, place: string, part: Endpoint.Part, facts: Facts): void => {
  const typed = jsonSchema(Schema.typeSchema(part))
  const renamed = wireNames(part)
  const onTheWire = (key: string) => renamed.get(key) ?? key
  const wire = {
    ...typed,
    properties: Object.fromEntries(
      Object.entries(typed.properties ?? {}).map(([key, value]) => [onTheWire(key), value])
    ),
    required: (typed.required ?? []).map(onTheWire)
  }
  if (keysOf(Schema.encodedSchema(part)) !== Object.keys(wire.properties).join(", ")) {
    throw new Error(`${name}: the ${place} parameters' wire names cannot be paired with their values`)
  }
  describeParameters(place, wire, facts)
}

const ourOperations = new Map<string, Facts>()
for (const endpoint of Object.values(endpoints) as ReadonlyArray<Endpoint.Any>) {
  const facts: Facts = new Map([["route", `${endpoint.method} ${endpoint.path}`]])
  describeUrlPart(endpoint.name, "path", endpoint.params, facts)
  describeUrlPart(endpoint.name, "query", endpoint.query, facts)
  if (Endpoint.hasBody(endpoint)) {
    facts.set("body", "required")
    facts.set("body.content", "application/json")
    describeSchema(jsonSchema(Schema.encodedBoundSchema(endpoint.body)), "body", facts)
  }
  statusFacts(facts, [endpoint.successStatus], endpoint.errors)
  ourOperations.set(endpoint.name, facts)
}

// ---------------------------------------------------------------------------------------------
// The comparison
// ---------------------------------------------------------------------------------------------

/**
 * One line per differing fact, `create body.name.maxLength: spec 100, ours (none)`. A key present on
 * one side only (a parameter, a property) is one line: its sub-keys are not listed under it.
 */
const differences = (operation: string, theirs: Facts, ours: Facts): ReadonlyArray<string> => {
  const lines: Array<string> = []
  const oneSided: Array<string> = []
  for (const key of [...new Set([...theirs.keys(), ...ours.keys()])].sort()) {
    const [inSpec, inOurs] = [theirs.get(key), ours.get(key)]
    if (inSpec === inOurs) continue
    if (oneSided.some((parent) => key.startsWith(`${parent}.`) || key.startsWith(`${parent}[`))) continue
    if (inSpec === undefined || inOurs === undefined) oneSided.push(key)
    lines.push(`${operation} ${key}: spec ${inSpec ?? "(none)"}, ours ${inOurs ?? "(none)"}`)
  }
  return lines
}

const allowed = (operation: string): ReadonlyArray<string> =>
  deliberate
    .filter((entry) => entry.operations.includes(operation))
    .map((entry) => `${operation} ${entry.key}: spec ${entry.spec ?? "(none)"}, ours ${entry.ours ?? "(none)"}`)

const routeOf = (name: string) => ourOperations.get(name)!.get("route")!

describe("the endpoint descriptions against spec/management.openapi.yaml", () => {
  it("have exactly the spec's operations", () => {
    const ourRoutes = new Set([...ourOperations.keys()].map(routeOf))
    const lines = [
      ...[...specOperations.keys()]
        .filter((route) => !ourRoutes.has(route))
        .map((route) => `${route}: in the spec, not in WorkspacesApi`),
      ...[...ourOperations.keys()]
        .filter((name) => !specOperations.has(routeOf(name)))
        .map((name) => `${name} (${routeOf(name)}): in WorkspacesApi, not in the spec`)
    ]
    assert.deepStrictEqual(lines, [])
  })

  it("reads the bounds on both sides, so the comparison is not vacuous", () => {
    for (const facts of [specOperations.get(routeOf("create"))!, ourOperations.get("create")!]) {
      assert.strictEqual(facts.get("body.name.maxLength"), "100")
      assert.strictEqual(facts.get("body.slug.pattern"), "^[a-z0-9]+(?:-[a-z0-9]+)*$")
      assert.strictEqual(facts.get("body.description.type"), "null|string")
    }
  })

  for (const [name, ours] of ourOperations) {
    it.skipIf(!specOperations.has(routeOf(name)))(
      `${name}: route, parameters, request body and documented statuses as the spec has them`,
      () => {
        const found = differences(name, specOperations.get(routeOf(name))!, ours)
        const expected = allowed(name)
        assert.deepStrictEqual(
          found.filter((line) => !expected.includes(line)),
          [],
          "differences from the spec"
        )
        assert.deepStrictEqual(
          expected.filter((line) => !found.includes(line)),
          [],
          "allow-listed differences that no longer occur"
        )
      }
    )
  }
})
