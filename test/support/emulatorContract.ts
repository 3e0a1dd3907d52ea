/**
 * Test support for the emulator tests: plain `fetch` calls over loopback, and a validator that
 * checks a response against the spec's own JSON Schemas (the status must be one the spec documents
 * for the operation, and the body must match that status's schema).
 */
import { Ajv2020 } from "ajv/dist/2020.js"
import { Effect, Redacted } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Yaml from "yaml"
import type { Emulator } from "../../emulator/index.js"
import { endpoints, type OperationName } from "../../src/WorkspacesApi.js"

const repoRoot = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")
/** A copy of `../shared/openapi/management.openapi.yaml`, so a clone is self-contained (see `specMatchesShared`). */
export const specPath = Path.resolve(repoRoot, "spec/management.openapi.yaml")
/** Where the wire contract is kept beside this repository, when it is. */
export const sharedSpecPath = Path.resolve(repoRoot, "../shared/openapi/management.openapi.yaml")
const specId = "https://openrouter.local/management.openapi.json"

interface SpecDocument {
  readonly paths: Record<string, Record<string, { responses: Record<string, any> }>>
}

const spec = Yaml.parse(Fs.readFileSync(specPath, "utf8")) as SpecDocument
const ajv = new Ajv2020({ strict: false, allErrors: true })
ajv.addFormat("uuid", /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i)
ajv.addFormat("double", true)
ajv.addSchema(spec as object, specId)

/** The statuses the spec documents for an operation. */
export const documentedStatuses = (operation: OperationName): ReadonlyArray<number> => {
  const endpoint = endpoints[operation]
  return Object.keys(spec.paths[endpoint.path]![endpoint.method.toLowerCase()]!.responses).map(Number)
}

const schemaFor = (name: string) => {
  const validate = ajv.getSchema(`${specId}#/components/schemas/${name}`)
  if (validate === undefined) throw new Error(`no schema ${name}`)
  return validate
}

/**
 * The problems of a response of `operation`: an undocumented status, or a body that does not match
 * the documented schema. Statuses only faults produce (429, 502, 503, 504) are checked against the
 * generic error schemas.
 */
export const contractProblems = (operation: OperationName, status: number, body: unknown): ReadonlyArray<string> => {
  const endpoint = endpoints[operation]
  const responses = spec.paths[endpoint.path]![endpoint.method.toLowerCase()]!.responses
  const documented = responses[String(status)]
  let validate
  if (documented !== undefined) {
    // the schema where the spec writes it: a $ref to a component, or inline (GET /keys, GET /organization/members)
    const at = ["paths", endpoint.path, endpoint.method.toLowerCase(), "responses", String(status), "content"]
    const pointer = [...at, "application/json", "schema"].map((_) => _.replace(/~/g, "~0").replace(/\//g, "~1"))
    validate = ajv.getSchema(`${specId}#/${pointer.join("/")}`)
    if (validate === undefined) throw new Error(`no schema for ${operation} ${status}`)
  } else if (status === 429) {
    validate = schemaFor("TooManyRequestsResponse")
  } else if (status >= 500) {
    validate = schemaFor("InternalServerResponse")
  } else {
    return [`${operation}: status ${status} is not documented (documented: ${Object.keys(responses).join(", ")})`]
  }
  const problems: Array<string> = []
  if (!validate(body)) {
    problems.push(
      `${operation} ${status}: ${ajv.errorsText(validate.errors)} in ${String(JSON.stringify(body)).slice(0, 300)}`
    )
  }
  if (status >= 400 && (body as any)?.error?.code !== status) {
    problems.push(`${operation} ${status}: error.code is ${(body as any)?.error?.code}`)
  }
  return problems
}

const routes = (Object.keys(endpoints) as Array<OperationName>).map((operation) => ({
  operation,
  method: endpoints[operation].method,
  pattern: new RegExp(`^${endpoints[operation].path.replace(/\{\w+\}/g, "[^/]+")}$`)
}))

/** The operation a method and path (under the base URL) address, if any. */
export const operationOf = (method: string, path: string): OperationName | undefined =>
  routes.find((route) => route.method === method && route.pattern.test(path.split("?")[0]!))?.operation

export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  /** The parsed body, `undefined` when it was not JSON. */
  readonly body: any
  /** For an operation's reply: how it departs from the spec (undocumented status, body not matching). */
  readonly problems: ReadonlyArray<string>
}

export interface Call {
  readonly method: string
  /** Under the base URL (`/workspaces/x`), or absolute from the origin when `admin` is set. */
  readonly path: string
  readonly query?: Record<string, string>
  readonly body?: unknown
  /** A raw body, sent as is. */
  readonly raw?: string
  /** The bearer key; `null` sends none; the admin's management key by default. */
  readonly key?: Redacted.Redacted<string> | string | null
  readonly admin?: boolean
}

/** Sends one request with `fetch`; fails when the connection breaks. */
export const send = (emulator: Emulator.Service, call: Call): Effect.Effect<Reply, Error> =>
  Effect.tryPromise({
    try: async () => {
      const url = new URL((call.admin === true ? emulator.origin : emulator.baseUrl) + call.path)
      for (const [key, value] of Object.entries(call.query ?? {})) url.searchParams.set(key, value)
      const key = call.key === undefined ? emulator.managementKey : call.key
      const headers: Record<string, string> = {}
      if (key !== null) headers["authorization"] = `Bearer ${typeof key === "string" ? key : Redacted.value(key)}`
      const body = call.raw ?? (call.body === undefined ? undefined : JSON.stringify(call.body))
      if (body !== undefined) headers["content-type"] = "application/json"
      const response = await fetch(url, { method: call.method, headers, ...(body === undefined ? {} : { body }) })
      const text = await response.text()
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        parsed = undefined
      }
      const operation = call.admin === true ? undefined : operationOf(call.method, call.path)
      const problems = operation === undefined ? [] : contractProblems(operation, response.status, parsed)
      return { status: response.status, headers: response.headers, text, body: parsed, problems }
    },
    catch: (cause) => (cause instanceof Error ? cause : new Error(String(cause)))
  })

/** Sends a request of an operation built from its endpoint description. */
export const callOperation = (
  emulator: Emulator.Service,
  operation: OperationName,
  options: {
    readonly params?: Record<string, string>
    readonly query?: Record<string, string>
    readonly body?: unknown
    readonly raw?: string
    readonly key?: Redacted.Redacted<string> | string | null
  } = {}
): Effect.Effect<Reply, Error> => {
  const endpoint = endpoints[operation]
  const path = endpoint.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(options.params![name]!))
  return send(emulator, { method: endpoint.method, path, ...options })
}
