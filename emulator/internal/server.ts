/**
 * The HTTP server: one route per endpoint description of `WorkspacesApi`, served by one generic
 * function (authenticate, decode with the endpoint's schemas, run the operation's handler, encode
 * with `endpoint.response`), plus the admin routes under `/__emulator`. It is a plain `node:http`
 * request listener: a request is read, processed and answered in a few synchronous steps, with no
 * fiber, router or response object of its own, so that the emulator is never the bottleneck of a
 * client's benchmark (well under 1 ms of CPU for a page or a bulk call of 100).
 *
 * @internal
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import type * as Schema from "effect/Schema"
import * as Endpoint from "../../src/Endpoint.js"
import * as WireCodec from "../../src/internal/wireCodec.js"
import type { OperationName } from "../../src/WorkspacesApi.js"
import { endpoints } from "../../src/WorkspacesApi.js"
import type { FaultInjector, FaultRule, TerminalFault } from "./faults.js"
import { FaultRules } from "./faults.js"
import type { Caller, Handler } from "./handlers.js"
import { adminOnly, handlers, Rejection } from "./handlers.js"
import type { Organization } from "./organization.js"
import type { CredentialKind, LogEntry, RequestLog } from "./requestLog.js"

/** @internal */
export const apiPrefix = "/api/v1"

/** @internal */
export const adminPrefix = "/__emulator"

/** What the app serves from. @internal */
export interface ServerEnv {
  readonly organization: Organization
  readonly faults: FaultInjector
  readonly log: RequestLog
  /** Whether the admin routes require a management key of an organization admin (Bearer). */
  readonly adminAuth: boolean
}

interface Outcome {
  readonly status: number
  readonly body: unknown
  readonly headers?: Readonly<Record<string, string>>
}

type Body =
  | { readonly _tag: "None" }
  | { readonly _tag: "Json"; readonly value: unknown }
  | { readonly _tag: "Invalid"; readonly text: string }

const errorBody = (status: number, message: string, metadata?: Readonly<Record<string, unknown>>) => ({
  error: metadata === undefined ? { code: status, message } : { code: status, message, metadata }
})

const failure = (rejection: Rejection): Outcome => ({
  status: rejection.status,
  body: errorBody(rejection.status, rejection.message, rejection.metadata)
})

/** Sends a JSON answer; every answer of the API carries the id its request has in the log. */
const send = (response: ServerResponse, outcome: Outcome, requestId?: string, text = JSON.stringify(outcome.body)) => {
  if (response.destroyed) return
  const body = Buffer.from(text)
  const headers: Record<string, string | number> = {
    ...outcome.headers,
    "content-type": "application/json",
    "content-length": body.length
  }
  if (requestId !== undefined) headers["x-request-id"] = requestId
  response.writeHead(outcome.status, headers)
  response.end(body)
}

const bearerToken = (headers: { readonly authorization?: string | undefined }): string | undefined => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers["authorization"] ?? "")
  return match?.[1]
}

const credentialKind = (organization: Organization, token: string | undefined): CredentialKind => {
  if (token === undefined) return "none"
  const credential = organization.authenticate(token)
  if (credential === undefined) return "unknown"
  if (credential.kind === "management") return "managementKey"
  return credential.key.disabled ? "disabledApiKey" : "apiKey"
}

const loggedBody = (body: Body): unknown =>
  body._tag === "Json" ? body.value : body._tag === "Invalid" ? body.text : undefined

/** The most a request body may hold, as `@effect/platform`'s server allows by default. */
const maxBodyBytes = 10 * 1024 * 1024

const parseBody = (text: string): Body => {
  if (text.trim() === "") return { _tag: "None" }
  try {
    return { _tag: "Json", value: JSON.parse(text) }
  } catch {
    return { _tag: "Invalid", text }
  }
}

/** Reads the whole body, then calls `done`; a body over the limit or a failed read counts as none. */
const readBody = (request: IncomingMessage, done: (body: Body) => void) => {
  const chunks: Array<Buffer> = []
  let size = 0
  request.on("data", (chunk: Buffer) => {
    size += chunk.length
    if (size <= maxBodyBytes) chunks.push(chunk)
  })
  request.once("end", () => done(size > maxBodyBytes ? { _tag: "None" } : parseBody(Buffer.concat(chunks).toString())))
  request.once("error", () => done({ _tag: "None" }))
}

// --- decoding -------------------------------------------------------------------------------------

/**
 * One message per field, e.g. `limit_usd: must be greater than 0`. A failed union (a literal such
 * as `interval`) yields one issue per member: they are merged into one `Expected a | b, actual x`.
 */
const describeIssues = (error: ParseResult.ParseError): string => {
  const byPath = new Map<string, Array<string>>()
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    const path = issue.path.length === 0 ? "body" : issue.path.join(".")
    const messages = byPath.get(path) ?? []
    if (!messages.includes(issue.message)) messages.push(issue.message)
    byPath.set(path, messages)
  }
  return Array.from(byPath, ([path, messages]) => {
    const expected = messages.map((message) => /^Expected (.+), actual (.+)$/s.exec(message))
    const merged = expected.every((match) => match !== null && match[2] === expected[0]![2])
      ? `Expected ${expected.map((match) => match![1]).join(" | ")}, actual ${expected[0]![2]}`
      : messages.join("; ")
    return `${path}: ${merged}`
  }).join("; ")
}

/** A decoder compiled once, whose errors are described as the API words them. */
const decoderOf = <A>(schema: Schema.Schema<A, any>): ((input: unknown) => Either.Either<A, string>) => {
  const decode = WireCodec.decodeUnknownEither(schema, { errors: "all" })
  return (input) => Either.mapLeft(decode(input), describeIssues)
}

/** What is compiled once per endpoint: the decoders of its request's parts and its response's encoder. */
interface Codec {
  readonly params: (input: unknown) => Either.Either<object, string>
  readonly query: (input: unknown) => Either.Either<object, string>
  readonly body: (input: unknown) => Either.Either<object, string>
  readonly response: (value: unknown) => Either.Either<unknown, ParseResult.ParseError>
}

const codecOf = (endpoint: Endpoint.Any): Codec => ({
  params: decoderOf(endpoint.params),
  query: decoderOf(endpoint.query),
  body: decoderOf(endpoint.body),
  response: WireCodec.encodeTrusted(endpoint.response)
})

/**
 * Paging for the operations that document no 400 (`list`, `listMembers`): a `limit` outside 1..100
 * is clamped into it, a negative `offset` becomes 0, and a value that is not an integer is ignored
 * (so the default applies).
 */
const lenientPaging = (search: Readonly<Record<string, string | ReadonlyArray<string>>>): Record<string, string> => {
  const normalized: Record<string, string> = {}
  for (const key of ["limit", "offset"] as const) {
    const raw = search[key]
    const value = typeof raw === "string" ? raw : raw?.[0]
    if (value === undefined || value.trim() === "" || !Number.isInteger(Number(value))) continue
    const number = Number(value)
    normalized[key] = String(key === "limit" ? Math.min(100, Math.max(1, number)) : Math.max(0, number))
  }
  return normalized
}

// --- the generic endpoint ------------------------------------------------------------------------

const unauthorized = (message: string) => new Rejection(401, message)

const authorize = (
  name: OperationName,
  endpoint: Endpoint.Any,
  organization: Organization,
  token: string | undefined
): Either.Either<Caller, Rejection> => {
  if (token === undefined) return Either.left(unauthorized("Missing Authentication header"))
  const credential = organization.authenticate(token)
  if (credential === undefined) return Either.left(unauthorized("Invalid API key"))
  if (credential.kind === "api") {
    if (credential.key.disabled) return Either.left(unauthorized("API key is disabled"))
    // a valid key that is not a management key: 403 where the operation documents it, else 401
    const status = endpoint.errors.includes(403) ? 403 : 401
    return Either.left(new Rejection(status, "Only management keys can perform this operation"))
  }
  const caller = {
    userId: credential.key.userId,
    isAdmin: organization.state.users.get(credential.key.userId)?.role === "admin"
  }
  if (adminOnly.has(name) && !caller.isAdmin) {
    return Either.left(new Rejection(403, "Only organization admins can create and delete workspaces"))
  }
  return Either.right(caller)
}

interface Received {
  readonly token: string | undefined
  readonly params: Readonly<Record<string, string | undefined>>
  readonly search: Readonly<Record<string, string | ReadonlyArray<string>>>
  readonly body: Body
  readonly requestSeq: number
}

const decodeInput = (endpoint: Endpoint.Any, codec: Codec, received: Received): Either.Either<object, Rejection> => {
  const documents400 = endpoint.errors.includes(400)
  const params = codec.params(received.params)
  if (Either.isLeft(params)) {
    return Either.left(
      documents400 ? new Rejection(400, `Invalid path parameter: ${params.left}`) : new Rejection(404, "Not found")
    )
  }
  let query = codec.query(received.search)
  if (Either.isLeft(query)) {
    if (documents400) return Either.left(new Rejection(400, `Invalid query parameter: ${query.left}`))
    query = Either.orElse(codec.query(lenientPaging(received.search)), () => codec.query({}))
    if (Either.isLeft(query)) return Either.left(new Rejection(404, "Not found"))
  }
  let body: Either.Either<object, Rejection> = Either.right({})
  if (Endpoint.hasBody(endpoint)) {
    // every operation with a body documents 400
    body =
      received.body._tag === "Invalid"
        ? Either.left(new Rejection(400, "Invalid request body: not valid JSON"))
        : Either.mapLeft(
            codec.body(received.body._tag === "Json" ? received.body.value : undefined),
            (message) => new Rejection(400, `Invalid request body: ${message}`)
          )
  }
  return Either.map(body, (body) => ({ ...params.right, ...query.right, ...body }))
}

/** Processes a request whole, synchronously: no other request runs in between. */
const processRequest = (
  name: OperationName,
  endpoint: Endpoint.Any,
  codec: Codec,
  handler: Handler<Endpoint.Any>,
  organization: Organization,
  received: Received
): Outcome => {
  try {
    const result = Either.flatMap(authorize(name, endpoint, organization, received.token), (caller) =>
      Either.flatMap(decodeInput(endpoint, codec, received), (input) =>
        handler(input, { organization, caller, requestSeq: received.requestSeq })
      )
    )
    if (Either.isLeft(result)) return failure(result.left)
    const encoded = codec.response(result.right)
    if (Either.isLeft(encoded)) return failure(new Rejection(500, `Internal Server Error: ${encoded.left.message}`))
    return { status: endpoint.successStatus, body: encoded.right }
  } catch (cause) {
    return failure(new Rejection(500, `Internal Server Error: ${String(cause)}`))
  }
}

const statusFault = (fault: Extract<TerminalFault, { readonly kind: "status" }>): Outcome => {
  const headers: Record<string, string> = {}
  const retryAfter = fault.retryAfter === undefined ? (fault.status === 429 ? 1 : undefined) : fault.retryAfter
  if (retryAfter !== undefined && retryAfter !== null) headers["retry-after"] = String(retryAfter)
  if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs)
  if (fault.rateLimitHeaders ?? fault.status === 429) {
    const resetAfterMs = fault.resetAfterMs ?? (typeof retryAfter === "number" ? retryAfter * 1000 : 1000)
    headers["x-ratelimit-limit"] = "60"
    headers["x-ratelimit-remaining"] = "0"
    headers["x-ratelimit-reset"] = String(Date.now() + resetAfterMs)
  }
  const message =
    fault.message ??
    {
      408: "Request Timeout",
      429: "Rate limit exceeded",
      500: "Internal Server Error",
      502: "Bad Gateway",
      503: "Service Unavailable",
      504: "Gateway Timeout"
    }[fault.status]
  return { status: fault.status, body: errorBody(fault.status, message), headers }
}

// --- routing -------------------------------------------------------------------------------------

type Search = Record<string, string | Array<string>>

/** The query parameters; a repeated one as an array, as `@effect/platform`'s server gives them. */
const searchOf = (query: string): Search => {
  const search: Search = {}
  if (query === "") return search
  for (const [key, value] of new URLSearchParams(query)) {
    const seen = search[key]
    search[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value]
  }
  return search
}

interface Route {
  readonly name: OperationName
  readonly method: string
  /** The path's segments under the API prefix; a parameter's is its name in braces. */
  readonly segments: ReadonlyArray<string>
  readonly serve: (request: IncomingMessage, response: ServerResponse, received: Omit<Received, "requestSeq">) => void
}

/** Matches the path's segments against a route's; the path parameters, URL-decoded, or undefined. */
const match = (route: Route, segments: ReadonlyArray<string>): Record<string, string> | undefined => {
  if (route.segments.length !== segments.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < segments.length; i++) {
    const expected = route.segments[i]!
    const actual = segments[i]!
    if (expected.startsWith("{")) {
      if (actual === "") return undefined
      try {
        params[expected.slice(1, -1)] = decodeURIComponent(actual)
      } catch {
        params[expected.slice(1, -1)] = actual
      }
    } else if (expected !== actual) return undefined
  }
  return params
}

/** Destroys the connection: the client sees a reset socket and no response. */
const dropConnection = (request: IncomingMessage) => request.socket.destroy()

const routeOf = (name: OperationName, env: ServerEnv): Route => {
  const endpoint: Endpoint.Any = endpoints[name]
  const handler = handlers[name] as Handler<Endpoint.Any>
  const codec = codecOf(endpoint)
  const serve = (request: IncomingMessage, response: ServerResponse, received: Omit<Received, "requestSeq">) => {
    const entry = env.log.start({
      method: request.method ?? "GET",
      url: request.url ?? "/",
      headers: request.headers,
      body: loggedBody(received.body),
      credential: credentialKind(env.organization, received.token),
      operation: name
    })
    const plan = env.faults.decide(name)
    if (plan.label !== undefined) entry.fault = plan.label
    // Like a real server, it finishes a request whose client went away (a client-side timeout).
    const answer = () => {
      try {
        answerWith(request, response, entry, plan.terminal, { ...received, requestSeq: entry.seq })
      } finally {
        env.log.finish()
      }
    }
    if (plan.latencyMs > 0) setTimeout(answer, plan.latencyMs)
    else answer()
  }
  const answerWith = (
    request: IncomingMessage,
    response: ServerResponse,
    entry: LogEntry,
    fault: TerminalFault | undefined,
    received: Received
  ) => {
    if (fault?.kind === "status") {
      const outcome = statusFault(fault)
      entry.status = outcome.status
      return send(response, outcome, entry.requestId)
    }
    if (fault?.kind === "reset") return dropConnection(request)
    const outcome = processRequest(name, endpoint, codec, handler, env.organization, received)
    if (fault?.kind === "lostResponse") {
      entry.discardedStatus = outcome.status
      return dropConnection(request)
    }
    const text = JSON.stringify(outcome.body)
    if (fault?.kind === "malformed") {
      entry.status = 200
      return send(
        response,
        { status: 200, body: undefined },
        entry.requestId,
        fault.body ?? text.slice(0, Math.floor(text.length / 2))
      )
    }
    entry.status = outcome.status
    return send(response, outcome, entry.requestId, text)
  }
  return {
    name,
    method: endpoint.method,
    segments: endpoint.path.split("/").slice(1),
    serve
  }
}

// --- admin routes --------------------------------------------------------------------------------

const json = (body: unknown, status = 200): Outcome => ({ status, body })

const isAdminCaller = (env: ServerEnv, token: string | undefined) => {
  const credential = token === undefined ? undefined : env.organization.authenticate(token)
  return credential?.kind === "management" && env.organization.state.users.get(credential.key.userId)?.role === "admin"
}

const decodeFaultRules = decoderOf(FaultRules)

const setFaults = (env: ServerEnv, body: Body): Outcome => {
  if (body._tag !== "Json") return json(errorBody(400, "Expected a JSON body: [rules] or { rules, seed? }"), 400)
  const decoded = decodeFaultRules(body.value)
  if (Either.isLeft(decoded)) return json(errorBody(400, `Invalid fault rules: ${decoded.left}`), 400)
  const value = decoded.right
  if (Array.isArray(value)) env.faults.set(value as ReadonlyArray<FaultRule>)
  else {
    const { rules, seed } = value as { readonly rules: ReadonlyArray<FaultRule>; readonly seed?: number }
    env.faults.set(rules, seed)
  }
  return json({ rules: env.faults.current })
}

/** The admin routes, by `METHOD path` under the admin prefix. */
const adminRoutes = (env: ServerEnv): ReadonlyMap<string, (body: Body) => Outcome> =>
  new Map<string, (body: Body) => Outcome>([
    ["GET /requests", () => json(env.log.all)],
    [
      "DELETE /requests",
      () => {
        env.log.clear()
        return json({ cleared: true })
      }
    ],
    ["GET /faults", () => json({ rules: env.faults.current })],
    ["POST /faults", (body) => setFaults(env, body)],
    [
      "DELETE /faults",
      () => {
        env.faults.set([])
        return json({ rules: [] })
      }
    ],
    ["GET /history", () => json(env.organization.history)],
    ["GET /state", () => json(env.organization.snapshot())]
  ])

// --- the listener --------------------------------------------------------------------------------

/**
 * The whole server as a `node:http` request listener: the twelve endpoints under `/api/v1`, the
 * admin routes, and a JSON 404 for anything else. The admin routes read and change everything
 * (`/state` holds every key): when the emulator is reachable beyond loopback they answer only to a
 * management key of an organization admin.
 *
 * @internal
 */
export const makeListener = (env: ServerEnv): ((request: IncomingMessage, response: ServerResponse) => void) => {
  const routes = (Object.keys(endpoints) as Array<OperationName>).map((name) => routeOf(name, env))
  const admin = adminRoutes(env)
  const notFound = (request: IncomingMessage, response: ServerResponse, path: string, token: string | undefined) => {
    const status = 404
    const outcome = json(errorBody(status, `No route for ${request.method} ${path}`), status)
    if (path.startsWith(adminPrefix)) return send(response, outcome)
    readBody(request, (body) => {
      const entry = env.log.start({
        method: request.method ?? "GET",
        url: request.url ?? "/",
        headers: request.headers,
        body: loggedBody(body),
        credential: credentialKind(env.organization, token),
        operation: undefined
      })
      entry.status = status
      env.log.finish()
      send(response, outcome, entry.requestId)
    })
  }
  return (request, response) => {
    try {
      const url = request.url ?? "/"
      const queryAt = url.indexOf("?")
      const path = queryAt < 0 ? url : url.slice(0, queryAt)
      const token = bearerToken(request.headers)
      if (path.startsWith(apiPrefix + "/")) {
        const segments = path.slice(apiPrefix.length + 1).split("/")
        for (const route of routes) {
          if (route.method !== request.method) continue
          const params = match(route, segments)
          if (params === undefined) continue
          const search = queryAt < 0 ? {} : searchOf(url.slice(queryAt + 1))
          if (!Endpoint.hasBody(endpoints[route.name])) {
            request.resume()
            return route.serve(request, response, { token, params, search, body: { _tag: "None" } })
          }
          return readBody(request, (body) => route.serve(request, response, { token, params, search, body }))
        }
      } else if (path.startsWith(adminPrefix + "/")) {
        const route = admin.get(`${request.method} ${path.slice(adminPrefix.length)}`)
        if (route !== undefined) {
          if (env.adminAuth && !isAdminCaller(env, token)) {
            request.resume()
            const message = "The emulator's admin routes require a management key of an organization admin"
            return send(response, json(errorBody(401, message), 401))
          }
          return readBody(request, (body) => send(response, route(body)))
        }
      }
      return notFound(request, response, path, token)
    } catch (cause) {
      send(response, json(errorBody(500, `Internal Server Error: ${String(cause)}`), 500))
    }
  }
}
