import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Endpoint from "../Endpoint.js"
import * as WorkspacesError from "../WorkspacesError.js"

/** The settings every call of one client shares. */
export interface Transport {
  readonly client: HttpClient.HttpClient
  readonly baseUrl: string
}

const ErrorBody = Schema.Struct({
  error: Schema.Struct({
    code: Schema.optional(Schema.Union(Schema.Number, Schema.String)),
    message: Schema.optional(Schema.String),
    metadata: Schema.optional(Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })))
  })
})
const decodeErrorBody = Schema.decodeUnknownEither(Schema.parseJson(ErrorBody))

const firstIssue = (error: ParseResult.ParseError) => {
  const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
  return issue === undefined
    ? { field: "input", rule: error.message }
    : { field: issue.path.length === 0 ? "input" : issue.path.join("."), rule: issue.message }
}

/** Encodes one part of the input (path, query or body) to its wire form, or names the rule it broke. */
const encodePart = (operation: string, part: Endpoint.Part, input: unknown) =>
  (part === Endpoint.none ? Effect.succeed({}) : Schema.encodeUnknown(part)(input)).pipe(
    Effect.mapError((error) => new WorkspacesError.InvalidRequestError({ operation, ...firstIssue(error) }))
  )

const notSentCodes = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL"])

/** The error codes found along a transport error's cause chain (fetch and undici wrap them). */
const causeCodes = (cause: unknown, depth = 0): ReadonlyArray<string> => {
  if (depth > 5 || typeof cause !== "object" || cause === null) return []
  const own = "code" in cause && typeof cause.code === "string" ? [cause.code] : []
  const nested = "errors" in cause && Array.isArray(cause.errors) ? cause.errors : []
  return [
    ...own,
    ...("cause" in cause ? causeCodes(cause.cause, depth + 1) : []),
    ...nested.flatMap((e) => causeCodes(e, depth + 1))
  ]
}

const fromHttpClientError = (
  operation: string,
  error: HttpClientError.HttpClientError
): WorkspacesError.WorkspacesError => {
  if (error._tag === "RequestError" && error.reason !== "Transport") {
    return new WorkspacesError.InvalidRequestError({ operation, field: "request", rule: error.message })
  }
  const codes = causeCodes(error.cause)
  const sent = error._tag === "ResponseError" || !codes.some((code) => notSentCodes.has(code))
  return new WorkspacesError.ConnectionError({ operation, sent, reason: codes[0] ?? error.reason })
}

/**
 * The least wait the server asked for, in ms: `retry-after-ms`, then `Retry-After` (seconds or an
 * HTTP date), then `X-RateLimit-Reset` (an epoch timestamp in seconds or milliseconds).
 */
export const retryAfterMs = (headers: Readonly<Record<string, string>>, now: number): number | undefined => {
  const ms = Number(headers["retry-after-ms"])
  if (headers["retry-after-ms"] !== undefined && Number.isFinite(ms) && ms >= 0) return ms
  const retryAfter = headers["retry-after"]
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter)
    if (retryAfter.trim() !== "" && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
    const date = Date.parse(retryAfter)
    if (!Number.isNaN(date)) return Math.max(0, date - now)
  }
  const reset = Number(headers["x-ratelimit-reset"])
  if (headers["x-ratelimit-reset"] !== undefined && Number.isFinite(reset) && reset > 0) {
    return Math.max(0, (reset > 1e12 ? reset : reset * 1000) - now)
  }
  return undefined
}

const statusError = (
  endpoint: Endpoint.Any,
  operation: string,
  response: HttpClientResponse.HttpClientResponse,
  text: string,
  now: number
): WorkspacesError.ResponseError => {
  const body = Either.getOrUndefined(decodeErrorBody(text))?.error
  const requestId = response.headers["x-request-id"] ?? response.headers["cf-ray"]
  const retryAfter = retryAfterMs(response.headers, now)
  const fields = {
    operation,
    status: response.status,
    detail: body?.message ?? `HTTP ${response.status}`,
    ...(body?.code === undefined ? {} : { code: body.code }),
    ...(body?.metadata == null ? {} : { metadata: body.metadata }),
    ...(requestId === undefined ? {} : { requestId }),
    ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter })
  }
  const status = response.status as Endpoint.DocumentedStatus
  if (status in WorkspacesError.DocumentedStatusErrors && endpoint.errors.includes(status)) {
    return new WorkspacesError.DocumentedStatusErrors[status](fields)
  }
  return response.status === 429
    ? new WorkspacesError.TooManyRequestsResponseError(fields)
    : new WorkspacesError.OpenRouterDefaultError(fields)
}

const decodeSuccess = (endpoint: Endpoint.Any, operation: string, status: number, text: string) =>
  Schema.decodeUnknown(Schema.parseJson(endpoint.response))(text).pipe(
    Effect.mapError(
      (error) =>
        new WorkspacesError.ResponseValidationError({
          operation,
          status,
          issue: firstIssue(error).field + ": " + firstIssue(error).rule,
          excerpt: text.slice(0, 200)
        })
    )
  )

/**
 * One attempt of an endpoint's request: validate and encode the input, send it, and decode the
 * answer into the endpoint's result or into the error its status names.
 */
export const attempt = <E extends Endpoint.Any>(
  endpoint: E,
  transport: Transport,
  input: Endpoint.Input<E>,
  timeout: Duration.Duration
): Effect.Effect<Endpoint.Result<E>, WorkspacesError.ErrorForEndpoint<E>> => {
  const operation = `Workspaces.${endpoint.name}`
  return Effect.gen(function* () {
    const params = yield* encodePart(operation, endpoint.params, input)
    const query = yield* encodePart(operation, endpoint.query, input)
    const body = yield* encodePart(operation, endpoint.body, input)
    let request = HttpClientRequest.make(endpoint.method)(transport.baseUrl + Endpoint.renderPath(endpoint, params), {
      urlParams: query
    })
    if (Endpoint.hasBody(endpoint)) request = HttpClientRequest.bodyUnsafeJson(request, body)
    const [response, text] = yield* transport.client.execute(request).pipe(
      Effect.flatMap((response) => Effect.map(response.text, (text) => [response, text] as const)),
      Effect.mapError((error) => fromHttpClientError(operation, error)),
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () => new WorkspacesError.RequestTimeoutError({ operation, timeoutMs: Duration.toMillis(timeout) })
      })
    )
    if (response.status >= 200 && response.status < 300) {
      return endpoint.result(yield* decodeSuccess(endpoint, operation, response.status, text))
    }
    return yield* Effect.fail(statusError(endpoint, operation, response, text, yield* Clock.currentTimeMillis))
  }) as Effect.Effect<Endpoint.Result<E>, WorkspacesError.ErrorForEndpoint<E>>
}
