/**
 * The HTTP app: one route per endpoint description of `WorkspacesApi`, served by one generic
 * function (authenticate, decode with the endpoint's schemas, run the operation's handler, encode
 * with `endpoint.response`), plus the admin routes under `/__emulator`.
 *
 * @internal
 */
import type * as HttpMethod from "@effect/platform/HttpMethod"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Endpoint from "../../src/Endpoint.js"
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

const respond = (outcome: Outcome) =>
  HttpServerResponse.text(JSON.stringify(outcome.body), {
    status: outcome.status,
    contentType: "application/json",
    ...(outcome.headers === undefined ? {} : { headers: outcome.headers })
  })

/** Every response of the API carries the id its request has in the log. */
const withRequestId = (response: HttpServerResponse.HttpServerResponse, requestId: string) =>
  HttpServerResponse.setHeader(response, "x-request-id", requestId)

const bearerToken = (headers: Readonly<Record<string, string | undefined>>): string | undefined => {
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

const readBody = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<Body> =>
  Effect.map(
    Effect.orElseSucceed(request.text, () => ""),
    (text): Body => {
      if (text.trim() === "") return { _tag: "None" }
      try {
        return { _tag: "Json", value: JSON.parse(text) }
      } catch {
        return { _tag: "Invalid", text }
      }
    }
  )

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

const decode = <A>(schema: Schema.Schema<A, any>, input: unknown): Either.Either<A, string> =>
  Either.mapLeft(Schema.decodeUnknownEither(schema, { errors: "all" })(input), describeIssues)

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

const decodeInput = (endpoint: Endpoint.Any, received: Received): Either.Either<object, Rejection> => {
  const documents400 = endpoint.errors.includes(400)
  const params = decode(endpoint.params, received.params)
  if (Either.isLeft(params)) {
    return Either.left(
      documents400 ? new Rejection(400, `Invalid path parameter: ${params.left}`) : new Rejection(404, "Not found")
    )
  }
  let query = decode(endpoint.query, received.search)
  if (Either.isLeft(query)) {
    if (documents400) return Either.left(new Rejection(400, `Invalid query parameter: ${query.left}`))
    query = Either.orElse(decode(endpoint.query, lenientPaging(received.search)), () => decode(endpoint.query, {}))
    if (Either.isLeft(query)) return Either.left(new Rejection(404, "Not found"))
  }
  let body: Either.Either<object, Rejection> = Either.right({})
  if (Endpoint.hasBody(endpoint)) {
    // every operation with a body documents 400
    body =
      received.body._tag === "Invalid"
        ? Either.left(new Rejection(400, "Invalid request body: not valid JSON"))
        : Either.mapLeft(
            decode(endpoint.body, received.body._tag === "Json" ? received.body.value : undefined),
            (message) => new Rejection(400, `Invalid request body: ${message}`)
          )
  }
  return Either.map(body, (body) => ({ ...params.right, ...query.right, ...body }))
}

/** Processes a request whole, synchronously: no other request runs in between. */
const processRequest = (
  name: OperationName,
  endpoint: Endpoint.Any,
  handler: Handler<Endpoint.Any>,
  organization: Organization,
  received: Received
): Outcome => {
  try {
    const result = Either.flatMap(authorize(name, endpoint, organization, received.token), (caller) =>
      Either.flatMap(decodeInput(endpoint, received), (input) =>
        handler(input, { organization, caller, requestSeq: received.requestSeq })
      )
    )
    if (Either.isLeft(result)) return failure(result.left)
    const encoded = Schema.encodeEither(endpoint.response)(result.right)
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

/** Destroys the connection: the client sees a reset socket and no response. */
const dropConnection = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.zipRight(
    Effect.sync(() => NodeHttpServerRequest.toIncomingMessage(request).socket.destroy()),
    Effect.interrupt
  )

const serveEndpoint = (name: OperationName, env: ServerEnv) => {
  const endpoint: Endpoint.Any = endpoints[name]
  const handler = handlers[name] as Handler<Endpoint.Any>
  const answer = (request: HttpServerRequest.HttpServerRequest, entry: LogEntry, received: Received) =>
    Effect.gen(function* () {
      const plan = env.faults.decide(name)
      if (plan.label !== undefined) entry.fault = plan.label
      if (plan.latencyMs > 0) yield* Effect.sleep(Duration.millis(plan.latencyMs))

      const fault = plan.terminal
      if (fault?.kind === "status") {
        const outcome = statusFault(fault)
        entry.status = outcome.status
        return withRequestId(respond(outcome), entry.requestId)
      }
      if (fault?.kind === "reset") return yield* dropConnection(request)

      const outcome = processRequest(name, endpoint, handler, env.organization, received)
      if (fault?.kind === "lostResponse") {
        entry.discardedStatus = outcome.status
        return yield* dropConnection(request)
      }
      if (fault?.kind === "malformed") {
        const text = JSON.stringify(outcome.body)
        entry.status = 200
        return withRequestId(
          HttpServerResponse.text(fault.body ?? text.slice(0, Math.floor(text.length / 2)), {
            status: 200,
            contentType: "application/json"
          }),
          entry.requestId
        )
      }
      entry.status = outcome.status
      return withRequestId(respond(outcome), entry.requestId)
    })
  return Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const { params } = yield* HttpRouter.RouteContext
    const search = yield* HttpServerRequest.ParsedSearchParams
    const body = Endpoint.hasBody(endpoint) ? yield* readBody(request) : ({ _tag: "None" } as const)
    const token = bearerToken(request.headers)
    const entry = env.log.start({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: loggedBody(body),
      credential: credentialKind(env.organization, token),
      operation: name
    })
    const received = { token, params, search, body, requestSeq: entry.seq }
    return yield* answer(request, entry, received).pipe(Effect.ensuring(Effect.sync(() => env.log.finish())))
    // Like a real server, it finishes a request whose client went away (a client-side timeout).
  }).pipe(Effect.uninterruptible)
}

// --- admin routes --------------------------------------------------------------------------------

const json = (body: unknown, status = 200) => respond({ status, body })

/**
 * The admin routes read and change everything (`/state` holds every key): when the emulator is
 * reachable beyond loopback they answer only to a management key of an organization admin.
 */
const guarded = <E, R>(
  env: ServerEnv,
  route: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
  env.adminAuth
    ? Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
        const token = bearerToken(request.headers)
        const credential = token === undefined ? undefined : env.organization.authenticate(token)
        const isAdmin =
          credential?.kind === "management" && env.organization.state.users.get(credential.key.userId)?.role === "admin"
        return isAdmin
          ? route
          : Effect.succeed(
              json(errorBody(401, "The emulator's admin routes require a management key of an organization admin"), 401)
            )
      })
    : route

const adminRoutes = (env: ServerEnv) => {
  const setFaults = Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const body = yield* readBody(request)
    if (body._tag !== "Json") return json(errorBody(400, "Expected a JSON body: [rules] or { rules, seed? }"), 400)
    const decoded = decode(FaultRules, body.value)
    if (Either.isLeft(decoded)) return json(errorBody(400, `Invalid fault rules: ${decoded.left}`), 400)
    const value = decoded.right
    if (Array.isArray(value)) env.faults.set(value as ReadonlyArray<FaultRule>)
    else {
      const { rules, seed } = value as { readonly rules: ReadonlyArray<FaultRule>; readonly seed?: number }
      env.faults.set(rules, seed)
    }
    return json({ rules: env.faults.current })
  })
  const routes: ReadonlyArray<
    readonly [
      HttpMethod.HttpMethod,
      string,
      Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest>
    ]
  > = [
    ["GET", "/requests", Effect.sync(() => json(env.log.all))],
    [
      "DELETE",
      "/requests",
      Effect.sync(() => {
        env.log.clear()
        return json({ cleared: true })
      })
    ],
    ["GET", "/faults", Effect.sync(() => json({ rules: env.faults.current }))],
    ["POST", "/faults", setFaults],
    [
      "DELETE",
      "/faults",
      Effect.sync(() => {
        env.faults.set([])
        return json({ rules: [] })
      })
    ],
    ["GET", "/history", Effect.sync(() => json(env.organization.history))],
    ["GET", "/state", Effect.sync(() => json(env.organization.snapshot()))]
  ]
  return routes.map(([method, path, route]) =>
    HttpRouter.makeRoute(method, `${adminPrefix}${path}` as HttpRouter.PathInput, guarded(env, route))
  )
}

/**
 * The whole app: the twelve endpoints under `/api/v1`, the admin routes, and a JSON 404 for
 * anything else.
 *
 * @internal
 */
export const makeApp = (env: ServerEnv) => {
  const apiRoutes = (Object.keys(endpoints) as Array<OperationName>).map((name) =>
    HttpRouter.makeRoute(
      endpoints[name].method,
      `${apiPrefix}${endpoints[name].path.replace(/\{(\w+)\}/g, ":$1")}` as HttpRouter.PathInput,
      serveEndpoint(name, env)
    )
  )
  return HttpRouter.fromIterable([...apiRoutes, ...adminRoutes(env)]).pipe(
    Effect.catchTag("RouteNotFound", ({ request }) =>
      Effect.gen(function* () {
        const status = 404
        const response = json(errorBody(status, `No route for ${request.method} ${request.url.split("?")[0]}`), status)
        if (request.url.startsWith(adminPrefix)) return response
        const body = yield* readBody(request)
        const entry = env.log.start({
          method: request.method,
          url: request.url,
          headers: request.headers,
          body: loggedBody(body),
          credential: credentialKind(env.organization, bearerToken(request.headers)),
          operation: undefined
        })
        entry.status = status
        env.log.finish()
        return withRequestId(response, entry.requestId)
      })
    )
  )
}
