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
import * as Endpoint from "../../src/Endpoint.js"
import type { OperationName } from "../../src/WorkspacesApi.js"
import { endpoints } from "../../src/WorkspacesApi.js"
import type { AdminEnv } from "./admin.js"
import { adminPrefix, adminRoutes, json } from "./admin.js"
import { authorize, bearerToken, credentialKind, isAdminCaller } from "./auth.js"
import type { Codec, Received } from "./decode.js"
import { codecOf, decodeInput, loggedBody, readBody, searchOf } from "./decode.js"
import type { TerminalFault } from "./faults.js"
import type { Handler } from "./handlers.js"
import { errorBody, handlers, Rejection } from "./handlers.js"
import type { Organization } from "./organization.js"
import { isLoopbackHostHeader } from "../../src/internal/loopback.js"
import type { RateLimiter } from "./rateLimit.js"
import type { LogEntry } from "./requestLog.js"
import type { Journal } from "./stateFile.js"

/** @internal */
export const apiPrefix = "/api/v1"

/** What the app serves from. @internal */
export interface ServerEnv extends AdminEnv {
  /** The rate limit per credential, when the emulator has one. */
  readonly rateLimiter?: RateLimiter | undefined
  /** Whether the admin routes require a management key of an organization admin (Bearer). */
  readonly adminAuth: boolean
  /** The state file's journal, when there is one: an answer waits until the changes are on disk. */
  readonly journal?: Pick<Journal, "whenDurable"> | undefined
}

interface Outcome {
  readonly status: number
  readonly body: unknown
  readonly headers?: Readonly<Record<string, string>>
}

const failed = (rejection: Rejection): Outcome => ({
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

// --- the generic endpoint ------------------------------------------------------------------------

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
    if (Either.isLeft(result)) return failed(result.left)
    const encoded = codec.response(result.right)
    if (Either.isLeft(encoded)) return failed(new Rejection(500, `Internal Server Error: ${encoded.left.message}`))
    return { status: endpoint.successStatus, body: encoded.right }
  } catch (cause) {
    return failed(new Rejection(500, `Internal Server Error: ${String(cause)}`))
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
      let waiting = false
      try {
        waiting = answerWith(request, response, entry, plan.terminal, { ...received, requestSeq: entry.seq })
      } finally {
        if (!waiting) env.log.finish()
      }
    }
    if (plan.latencyMs > 0) setTimeout(answer, plan.latencyMs)
    else answer()
  }
  /** Answers the request; whether the answer waits for the journal (which then finishes the log entry). */
  const answerWith = (
    request: IncomingMessage,
    response: ServerResponse,
    entry: LogEntry,
    fault: TerminalFault | undefined,
    received: Received
  ): boolean => {
    if (fault?.kind === "status") {
      const outcome = statusFault(fault)
      entry.status = outcome.status
      send(response, outcome, entry.requestId)
      return false
    }
    if (fault?.kind === "reset") {
      dropConnection(request)
      return false
    }
    const admission = env.rateLimiter?.admit(received.token ?? "", Date.now())
    if (admission?.allowed === false) {
      entry.status = 429
      send(
        response,
        { ...failed(new Rejection(429, "Rate limit exceeded")), headers: admission.headers },
        entry.requestId
      )
      return false
    }
    const processed = processRequest(name, endpoint, codec, handler, env.organization, received)
    const outcome = admission === undefined ? processed : { ...processed, headers: admission.headers }
    if (fault?.kind === "lostResponse") {
      entry.discardedStatus = outcome.status
      dropConnection(request)
      return false
    }
    const { journal } = env
    if (journal === undefined) {
      reply(response, entry, fault, outcome)
      return false
    }
    // no answer before every change made so far, this request's and those it may show, is on disk
    journal.whenDurable((failure) => {
      try {
        const saved = failure === undefined ? outcome : failed(new Rejection(500, `Internal Server Error: ${failure}`))
        reply(response, entry, fault, saved)
      } finally {
        env.log.finish()
      }
    })
    return true
  }
  const reply = (response: ServerResponse, entry: LogEntry, fault: TerminalFault | undefined, outcome: Outcome) => {
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

// --- the listener --------------------------------------------------------------------------------

/**
 * Why an admin request is refused, if it is. Beyond loopback the routes need an admin's management
 * key. On loopback they need none, so they answer only to a loopback `Host` (a page that rebinds
 * its DNS name to 127.0.0.1 sends its own name) and a write must be JSON (a cross-origin form or
 * `text/plain` POST is sent without a preflight; `application/json` is not).
 */
const adminRefusal = (request: IncomingMessage, env: ServerEnv, token: string | undefined): Outcome | undefined => {
  if (env.adminAuth) {
    if (isAdminCaller(env.organization, token)) return undefined
    const message = "The emulator's admin routes require a management key of an organization admin"
    return json(errorBody(401, message), 401)
  }
  if (!isLoopbackHostHeader(request.headers.host)) {
    const message = `The emulator's admin routes answer only to a loopback Host (127.0.0.1, localhost, [::1]), not ${JSON.stringify(request.headers.host ?? "")}`
    return json(errorBody(403, message), 403)
  }
  const type = (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase()
  if (request.method === "POST" && type !== "application/json") {
    return json(errorBody(415, "The emulator's admin writes take Content-Type: application/json"), 415)
  }
  return undefined
}

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
  /**
   * A path that is no operation: 404, once the caller is authenticated. Authentication comes first,
   * as for the operations: without a valid key the answer is 401, whatever the path.
   */
  const notFound = (request: IncomingMessage, response: ServerResponse, path: string, token: string | undefined) => {
    if (path.startsWith(adminPrefix)) {
      return send(response, json(errorBody(404, `No route for ${request.method} ${path}`), 404))
    }
    const credential = credentialKind(env.organization, token)
    const authenticated = credential === "managementKey" || credential === "apiKey"
    const status = authenticated ? 404 : 401
    const message = authenticated
      ? `No route for ${request.method} ${path}`
      : credential === "none"
        ? "Missing Authentication header"
        : credential === "disabledApiKey"
          ? "API key is disabled"
          : "Invalid API key"
    const outcome = json(errorBody(status, message), status)
    readBody(request, (body) => {
      const entry = env.log.start({
        method: request.method ?? "GET",
        url: request.url ?? "/",
        headers: request.headers,
        body: loggedBody(body),
        credential,
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
          const refusal = adminRefusal(request, env, token)
          if (refusal !== undefined) {
            request.resume()
            return send(response, refusal)
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
