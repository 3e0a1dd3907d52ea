import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpTraceContext from "@effect/platform/HttpTraceContext"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import * as Stream from "effect/Stream"
import type * as Tracer from "effect/Tracer"
import * as Endpoint from "../Endpoint.js"
import * as WorkspacesError from "../WorkspacesError.js"
import { firstIssue } from "./issues.js"
import * as WireCodec from "./wireCodec.js"

/** The settings every call of one client shares. */
export interface Transport {
  /**
   * Sends each request as it is given, its URL whole and its headers set, each a span of this
   * module's (`traced`), within the user's `transformClient`.
   */
  readonly client: HttpClient.HttpClient
  /** The base URL, without a trailing slash, that each endpoint's path is appended to. */
  readonly baseUrl: string
  /** The headers of every request: `Accept`, `User-Agent`, attribution and `Authorization`. */
  readonly headers: Headers.Headers
  /**
   * Told what the server says of its rate limit, on every answer that says it (`X-RateLimit-Remaining`,
   * or a 429): the requests left in its window (0 for a 429), and until when (ms, by that clock) the
   * window lasts, when it said.
   */
  readonly onRateLimit?: (clock: Clock.Clock, remaining: number, untilMs: number | undefined) => void
}

/** The requests the answer says are left in the window (0 for a 429), or undefined when it says nothing. */
const remainingOf = (status: number, headers: Headers.Headers): number | undefined => {
  if (status === 429) return 0
  const header = headers["x-ratelimit-remaining"]
  if (header === undefined) return undefined
  const remaining = Number(header)
  return Number.isFinite(remaining) ? remaining : undefined
}

const ErrorBody = Schema.Struct({
  error: Schema.Struct({
    code: Schema.optional(Schema.Union(Schema.Number, Schema.String)),
    message: Schema.optional(Schema.String),
    metadata: Schema.optional(Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })))
  })
})
const decodeErrorBody = Schema.decodeUnknownEither(Schema.parseJson(ErrorBody))

/** Codes of failures before the request was written: no connection, no address, no route. */
const notSentCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT"
])

interface TransportCause {
  readonly code?: unknown
  readonly message?: unknown
  readonly syscall?: unknown
  readonly address?: unknown
  readonly hostname?: unknown
  readonly port?: unknown
  readonly socket?: { readonly bytesWritten?: unknown }
}

/**
 * The innermost error of a transport error's cause chain that carries a code, else the innermost
 * error: fetch wraps undici's (`TypeError: fetch failed`, its `cause` the socket's error), and a
 * connection tried on several addresses fails with an `AggregateError` whose `errors` name each.
 */
const rootCause = (cause: unknown): TransportCause | undefined => {
  let found: TransportCause | undefined
  let innermost: TransportCause | undefined
  for (let depth = 0; depth < 6 && typeof cause === "object" && cause !== null; depth++) {
    const current = cause as TransportCause & { readonly cause?: unknown; readonly errors?: unknown }
    innermost = current
    if (typeof current.code === "string") found = current
    cause = Array.isArray(current.errors) && current.errors.length > 0 ? current.errors[0] : current.cause
  }
  return found ?? innermost
}

const defaultPorts: Record<string, number> = { "http:": 80, "https:": 443 }

const fromHttpClientError = (
  operation: string,
  error: HttpClientError.HttpClientError
): WorkspacesError.WorkspacesError => {
  if (error._tag === "RequestError" && error.reason !== "Transport") {
    return new WorkspacesError.InvalidRequestError({ operation, field: "request", rule: error.message })
  }
  const cause = rootCause(error.cause)
  const code = typeof cause?.code === "string" ? cause.code : undefined
  const url = URL.canParse(error.request.url) ? new URL(error.request.url) : undefined
  const host =
    typeof cause?.address === "string"
      ? cause.address
      : typeof cause?.hostname === "string"
        ? cause.hostname
        : url?.hostname
  const port =
    typeof cause?.port === "number"
      ? cause.port
      : url === undefined
        ? undefined
        : url.port === ""
          ? defaultPorts[url.protocol]
          : Number(url.port)
  const message = typeof cause?.message === "string" ? cause.message : ""
  // fetch refuses a few ports (9, 25, 6667, ...) before connecting: `fetch failed`, caused by `bad port`
  const badPort = code === undefined && message === "bad port"
  const sent =
    error._tag === "ResponseError" ||
    !(
      badPort ||
      (code !== undefined && notSentCodes.has(code)) ||
      cause?.syscall === "connect" ||
      cause?.syscall === "getaddrinfo" ||
      // undici's socket closed before a byte of the request was written to it
      (code === "UND_ERR_SOCKET" && cause?.socket?.bytesWritten === 0)
    )
  const where = host === undefined ? "" : ` ${host}${port === undefined ? "" : `:${port}`}`
  // Node's own messages are `syscall CODE address:port`; undici's are fixed sentences; neither names a path
  const what =
    code === undefined
      ? `${error.reason}: ${badPort ? "fetch refuses this port (bad port)" : message.slice(0, 200) || "no detail"}`
      : `${code}${typeof cause?.syscall === "string" ? "" : `: ${message.slice(0, 200)}`}`
  const syscall = typeof cause?.syscall === "string" ? ` (${cause.syscall})` : ""
  return new WorkspacesError.ConnectionError({
    operation,
    sent,
    reason: `${what}${where}${syscall}`,
    ...(code === undefined ? {} : { code }),
    ...(host === undefined ? {} : { host }),
    ...(port === undefined || !Number.isFinite(port) ? {} : { port })
  })
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

/**
 * What is compiled once per endpoint, never per call: the encoders of its path parameters, query
 * and body, and the decoder of its success body.
 */
export interface Codec {
  readonly operation: string
  /** The input's path parameters, query and body in their wire form, or the rule the input broke. */
  readonly encode: (
    input: unknown
  ) => Either.Either<
    { readonly params: Readonly<Record<string, string>>; readonly query: UrlParams.Input; readonly body: unknown },
    WorkspacesError.InvalidRequestError
  >
  /** Parses and decodes a success body. */
  readonly decode: (status: number, text: string) => Either.Either<unknown, WorkspacesError.ResponseValidationError>
}

const codecs = new WeakMap<Endpoint.Any, Codec>()
let compiledCodecs = 0

/** How many endpoint codecs have been compiled in this process (a test hook: one per endpoint). */
export const codecCount = (): number => compiledCodecs

const noFields: Either.Either<Record<string, never>, never> = Either.right({})

const compile = (endpoint: Endpoint.Any): Codec => {
  const operation = `Workspaces.${endpoint.name}`
  const encoderOf = (part: Endpoint.Part): ((input: unknown) => Either.Either<any, ParseResult.ParseError>) =>
    part === Endpoint.none ? () => noFields : WireCodec.encodeUnknownEither(part)
  const encodeParams = encoderOf(endpoint.params)
  const encodeQuery = encoderOf(endpoint.query)
  const encodeBody = Endpoint.hasBody(endpoint) ? encoderOf(endpoint.body) : () => noFields
  const invalid = (error: ParseResult.ParseError) =>
    Either.left(new WorkspacesError.InvalidRequestError({ operation, ...firstIssue(error) }))
  const decodeResponse = WireCodec.decodeUnknownEither(endpoint.response)
  const idempotent = endpoint.method === "GET" || endpoint.method === "PUT" || endpoint.method === "DELETE"
  const unexpected = (status: number, text: string, issue: string) =>
    Either.left(
      new WorkspacesError.ResponseValidationError({ operation, status, issue, excerpt: text.slice(0, 200), idempotent })
    )
  /** Every key an input may have: the type-side fields of its path, query and body parts. */
  const known = new Set(
    [endpoint.params, endpoint.query, endpoint.body].flatMap((part) =>
      part === Endpoint.none ? [] : AST.getPropertySignatures(AST.typeAST(part.ast)).map((p) => String(p.name))
    )
  )
  const unknownKeys = (input: unknown) =>
    typeof input === "object" && input !== null ? Object.keys(input).filter((key) => !known.has(key)) : []
  return {
    operation,
    encode: (input) => {
      const unknown = unknownKeys(input)
      if (unknown.length > 0) {
        return Either.left(
          new WorkspacesError.InvalidRequestError({
            operation,
            field: unknown.join(", "),
            rule: `is not an input of ${endpoint.name}, which takes ${Array.from(known).join(", ") || "nothing"}`
          })
        )
      }
      const params = encodeParams(input)
      if (Either.isLeft(params)) return invalid(params.left)
      const query = encodeQuery(input)
      if (Either.isLeft(query)) return invalid(query.left)
      const body = encodeBody(input)
      if (Either.isLeft(body)) return invalid(body.left)
      return Either.right({ params: params.right, query: query.right, body: body.right })
    },
    decode: (status, text) => {
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch (error) {
        return unexpected(status, text, `input: not JSON: ${(error as Error).message}`)
      }
      try {
        const decoded = decodeResponse(json)
        if (Either.isRight(decoded)) return Either.right(decoded.right)
        const issue = firstIssue(decoded.left)
        return unexpected(status, text, `${issue.field}: ${issue.rule}`)
      } catch (error) {
        // a body nested deeper than decoding (or describing what is wrong) can go: a hostile or broken server
        return unexpected(status, text, `input: cannot be decoded: ${(error as Error).message}`)
      }
    }
  }
}

/** The codec of an endpoint, compiled on its first use and kept for the life of the endpoint. */
export const codecOf = (endpoint: Endpoint.Any): Codec => {
  let codec = codecs.get(endpoint)
  if (codec === undefined) {
    codec = compile(endpoint)
    codecs.set(endpoint, codec)
    compiledCodecs++
  }
  return codec
}

/** The cap on a response body unless `maxResponseBytes` says otherwise: far above any page of 100 items. */
export const defaultMaxResponseBytes = 8 * 1024 * 1024

const utf8 = new TextDecoder()

const tooLarge = (
  operation: string,
  response: HttpClientResponse.HttpClientResponse,
  limitBytes: number,
  bytes: { readonly announcedBytes: number } | { readonly readBytes: number }
) => new WorkspacesError.ResponseTooLargeError({ operation, status: response.status, limitBytes, ...bytes })

/**
 * The body of a response of the platform's own clients as chunks, to be read without an Effect
 * stream. Their `execute` wraps each response (`original`, with the `controller` that aborts it), and
 * the response keeps what the transport gave as `source`: the web `Response` for `FetchHttpClient`,
 * undici's `ResponseData` for `NodeHttpClient.layerUndici`; both bodies are async iterables (a
 * `ReadableStream`, a `Readable`). `undefined` for any other response, which is then read through
 * `response.stream`. Reading a one-chunk body through `Stream.fromReadableStream` costs a scope and a
 * channel: more than half a millisecond, more than the whole rest of a call.
 */
export const chunksOf = (response: HttpClientResponse.HttpClientResponse): AsyncIterable<Uint8Array> | undefined => {
  const original = (response as { readonly original?: unknown }).original ?? response
  const source = (original as { readonly source?: unknown }).source
  if (typeof source !== "object" || source === null) return undefined
  const body = (source as { readonly body?: unknown }).body
  return typeof body === "object" && body !== null && Symbol.asyncIterator in body
    ? (body as AsyncIterable<Uint8Array>)
    : undefined
}

/** Chunks joined and decoded as UTF-8. */
const textOf = (chunks: ReadonlyArray<Uint8Array>, bytes: number): string => {
  if (chunks.length === 1) return utf8.decode(chunks[0])
  const joined = new Uint8Array(bytes)
  let offset = 0
  for (const chunk of chunks) {
    joined.set(chunk, offset)
    offset += chunk.length
  }
  return utf8.decode(joined)
}

/**
 * A body of unknown length, counted chunk by chunk: once the count passes `limitBytes` reading stops
 * and the body is released (which closes the connection). Interrupted, it releases the body too.
 */
const readCapped = (
  operation: string,
  response: HttpClientResponse.HttpClientResponse,
  limitBytes: number,
  body: AsyncIterable<Uint8Array>
): Effect.Effect<string, WorkspacesError.ResponseTooLargeError | HttpClientError.ResponseError> =>
  Effect.async((resume) => {
    const iterator = body[Symbol.asyncIterator]()
    const chunks: Array<Uint8Array> = []
    let readBytes = 0
    let ended = false
    const release = () => {
      ended = true
      iterator.return?.().catch(() => undefined)
      ;(response as { readonly controller?: AbortController }).controller?.abort()
    }
    const next = (): void => {
      iterator.next().then(
        (result) => {
          if (ended) return
          if (result.done === true) {
            ended = true
            return resume(Effect.succeed(textOf(chunks, readBytes)))
          }
          readBytes += result.value.length
          if (readBytes > limitBytes) {
            release()
            return resume(Effect.fail(tooLarge(operation, response, limitBytes, { readBytes })))
          }
          chunks.push(result.value)
          next()
        },
        (cause) => {
          if (ended) return
          ended = true
          resume(
            Effect.fail(
              new HttpClientError.ResponseError({ request: response.request, response, reason: "Decode", cause })
            )
          )
        }
      )
    }
    next()
    return Effect.sync(release)
  })

/**
 * A response's body as text, never more than `limitBytes` of it. A `content-length` over the cap
 * (and no `content-encoding`, which fetch undoes) is refused unread. Any other body of the
 * platform's clients is read from the transport's own body and counted as it comes (`readCapped`):
 * reading stops, closing the connection, as soon as the count passes the cap. `response.text`
 * would cost a fiber of its own (`Effect.runSync` of a cached effect) on every response. Another
 * client's body is read by `response.text` when its length is known, else counted off its stream.
 */
const readText = (
  operation: string,
  response: HttpClientResponse.HttpClientResponse,
  headers: Headers.Headers,
  limitBytes: number
): Effect.Effect<string, WorkspacesError.ResponseTooLargeError | HttpClientError.ResponseError> => {
  const length = headers["content-length"]
  const announcedBytes = length !== undefined && headers["content-encoding"] === undefined ? Number(length) : NaN
  if (announcedBytes > limitBytes && Number.isFinite(announcedBytes)) {
    // ending the stream at once aborts the request: the body is dropped, not read
    return Effect.zipRight(
      Effect.ignore(Stream.runDrain(Stream.interruptWhen(response.stream, Effect.void))),
      Effect.fail(tooLarge(operation, response, limitBytes, { announcedBytes }))
    )
  }
  const body = chunksOf(response)
  if (body !== undefined) return readCapped(operation, response, limitBytes, body)
  if (announcedBytes <= limitBytes) return response.text
  return Effect.suspend(() => {
    const chunks: Array<Uint8Array> = []
    let readBytes = 0
    return Stream.runForEachWhile(response.stream, (chunk) => {
      readBytes += chunk.length
      if (readBytes > limitBytes) return Effect.succeed(false)
      chunks.push(chunk)
      return Effect.succeed(true)
    }).pipe(
      Effect.catchIf(
        (error) => error.reason === "EmptyBody",
        () => Effect.void
      ),
      Effect.flatMap(() =>
        readBytes > limitBytes
          ? Effect.fail(tooLarge(operation, response, limitBytes, { readBytes }))
          : Effect.succeed(textOf(chunks, readBytes))
      )
    )
  })
}

/** The clock of the default services: the wall clock, whose sleeps are timers. */
const liveClock = Effect.runSync(Effect.clock)

/** The longest delay `setTimeout` keeps (about 24.8 days); a longer one fires at once. */
const maxTimerMs = 2 ** 31 - 1

/**
 * `Effect.timeoutFail` at the cost of one fiber and one timer. `Effect.timeoutFail` races two
 * fibers, the effect and a sleep, and awaits the loser's interruption, for every attempt; here the
 * effect runs on one child fiber, a timer interrupts it when the time is up, and the caller resumes
 * once the child has ended, as a race would. Under any other clock than the wall clock (a
 * `TestClock`), time is what that clock says, so `Effect.timeoutFail` is used.
 */
const timeoutFail =
  <E2>(duration: Duration.Duration, onTimeout: () => E2) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | E2, R> =>
    Effect.withFiberRuntime((parent) => {
      const millis = Duration.toMillis(duration)
      if (Context.get(parent.currentDefaultServices, Clock.Clock) !== liveClock || !(millis <= maxTimerMs)) {
        return Effect.timeoutFail(self, { duration, onTimeout })
      }
      return Effect.flatMap(Effect.fork(self), (child) =>
        Effect.async<A, E | E2>((resume) => {
          let timedOut = false
          const timer = setTimeout(() => {
            timedOut = true
            child.unsafeInterruptAsFork(parent.id())
          }, millis)
          child.addObserver((exit) => {
            clearTimeout(timer)
            resume(timedOut && Exit.isInterrupted(exit) ? Effect.fail(onTimeout()) : exit)
          })
          // the caller is interrupted: so is the attempt, and the caller waits until it has ended
          return Effect.suspend(() => {
            clearTimeout(timer)
            return Fiber.interrupt(child)
          })
        })
      )
    })

/**
 * The transport of one client: the base URL and headers every request carries (the key as
 * `Authorization`), and the platform's client, each request of it a span of this module's
 * (`traced`), wrapped in the user's `transformClient`.
 */
export const makeTransport = (options: {
  readonly client: HttpClient.HttpClient
  readonly transformClient: (client: HttpClient.HttpClient) => HttpClient.HttpClient
  readonly baseUrl: string
  readonly headers: Readonly<Record<string, string>>
  readonly apiKey: Redacted.Redacted
  readonly onRateLimit?: Transport["onRateLimit"]
}): Transport => {
  const base = serverOf(new URL(options.baseUrl))
  // the base URL's path without its trailing slash, which each endpoint's path begins with
  const server = { ...base, path: base.path.replace(/\/+$/, ""), base: `${options.baseUrl}/` }
  return {
    client: options.transformClient(traced(options.client, server)),
    baseUrl: options.baseUrl,
    headers: Headers.set(
      Headers.fromInput(options.headers),
      "Authorization",
      `Bearer ${Redacted.value(options.apiKey)}`
    ),
    ...(options.onRateLimit === undefined ? {} : { onRateLimit: options.onRateLimit })
  }
}

/** What the spans of a client's requests say of its server and path. */
interface Server {
  readonly address: string
  readonly port: number | undefined
  readonly scheme: string
  readonly path: string
}

const serverOf = (url: URL): Server => ({
  address: url.origin,
  port: url.port === "" ? undefined : Number(url.port),
  scheme: url.protocol.slice(0, -1),
  path: url.pathname
})

const always = () => true

/**
 * The platform's client with each request a span as the platform's client would make it (its name
 * from `HttpClient.SpanNameGenerator`, kind `client`, the OpenTelemetry attributes of the method,
 * URL and status, trace context sent in `traceparent` and `b3` unless
 * `HttpClient.currentTracerPropagation` is off), without an attribute for each request and response
 * header: of those it keeps `x-request-id`, the one OpenRouter's support asks for. The platform
 * client's own span is off. No span when the tracer is off or `HttpClient.currentTracerDisabledWhen`
 * says so for the request. Wrapped in the user's `transformClient`, it sees the request as that
 * made it, and that client's `withTracerPropagation` and `withTracerDisabledWhen`.
 */
const traced = (client: HttpClient.HttpClient, server: Server & { readonly base: string }): HttpClient.HttpClient => {
  const untraced = HttpClient.withTracerDisabledWhen(client, always)
  return HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
    (effect) =>
      Effect.flatMap(effect, (request) =>
        Effect.withFiberRuntime((fiber) => {
          if (
            !fiber.getFiberRef(FiberRef.currentTracerEnabled) ||
            fiber.getFiberRef(HttpClient.currentTracerDisabledWhen)(request)
          ) {
            return untraced.execute(request)
          }
          const name = Context.get(fiber.currentContext, HttpClient.SpanNameGenerator)(request)
          return Effect.useSpan(name, spanOptions, (span) => {
            const query = request.urlParams.length === 0 ? "" : UrlParams.toString(request.urlParams)
            // a URL under the base URL, as this client makes them, is not parsed again
            const url = request.url.startsWith(server.base)
              ? { ...server, path: server.path + request.url.slice(server.base.length - 1) }
              : URL.canParse(request.url)
                ? serverOf(new URL(request.url))
                : { ...server, path: request.url }
            span.attribute("http.request.method", request.method)
            span.attribute("server.address", url.address)
            if (url.port !== undefined) span.attribute("server.port", url.port)
            span.attribute("url.full", query === "" ? request.url : `${request.url}?${query}`)
            span.attribute("url.path", url.path)
            span.attribute("url.scheme", url.scheme)
            if (query !== "") span.attribute("url.query", query)
            const sent = fiber.getFiberRef(HttpClient.currentTracerPropagation)
              ? HttpClientRequest.setHeaders(request, HttpTraceContext.toHeaders(span))
              : request
            return Effect.tap(untraced.execute(sent), (response) => {
              span.attribute("http.response.status_code", response.status)
              const requestId = response.headers["x-request-id"]
              if (requestId !== undefined) span.attribute("http.response.header.x-request-id", requestId)
            })
          })
        })
      ),
    Effect.succeed
  )
}

const spanOptions: Tracer.SpanOptions = { kind: "client", captureStackTrace: false }

/**
 * One attempt of an endpoint's request: validate and encode the input, send it, and decode the
 * answer into the endpoint's result or into the error its status names.
 */
export const attempt = <E extends Endpoint.Any>(
  endpoint: E,
  transport: Transport,
  input: Endpoint.Input<E>,
  timeout: Duration.Duration,
  maxResponseBytes: number = defaultMaxResponseBytes
): Effect.Effect<Endpoint.Result<E>, WorkspacesError.ErrorForEndpoint<E>> => {
  const codec = codecOf(endpoint)
  const operation = codec.operation
  const encoded = codec.encode(input)
  if (Either.isLeft(encoded))
    return Effect.fail(encoded.left) as Effect.Effect<never, WorkspacesError.ErrorForEndpoint<E>>
  const { body, params, query } = encoded.right
  const path = Endpoint.renderPath(endpoint, params)
  let request = HttpClientRequest.make(endpoint.method)(transport.baseUrl + path, {
    urlParams: query,
    headers: transport.headers
  })
  if (Endpoint.hasBody(endpoint)) request = HttpClientRequest.bodyUnsafeJson(request, body)
  const answer = (
    response: HttpClientResponse.HttpClientResponse,
    text: string
  ): Effect.Effect<unknown, WorkspacesError.WorkspacesError> => {
    if (response.status >= 200 && response.status < 300) {
      return Either.map(codec.decode(response.status, text), endpoint.result)
    }
    return Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.fail(statusError(endpoint, operation, response, text, now))
    )
  }
  const { onRateLimit } = transport
  const exchange = Effect.flatMap(transport.client.execute(request), (response) => {
    // read once: a response of the platform's clients builds its headers anew on each read
    const headers = response.headers
    return Effect.flatMap(
      readText(operation, response, headers, maxResponseBytes),
      (text): Effect.Effect<unknown, WorkspacesError.WorkspacesError> => {
        const remaining = onRateLimit === undefined ? undefined : remainingOf(response.status, headers)
        if (remaining !== undefined) {
          const told = Effect.clockWith((clock) => {
            const now = clock.unsafeCurrentTimeMillis()
            const wait = retryAfterMs(headers, now)
            onRateLimit!(clock, remaining, wait === undefined ? undefined : now + wait)
            return Effect.void
          })
          return Effect.zipRight(told, answer(response, text))
        }
        return answer(response, text)
      }
    )
  }).pipe(
    Effect.catchIf(HttpClientError.isHttpClientError, (error) => Effect.fail(fromHttpClientError(operation, error))),
    timeoutFail(
      timeout,
      () => new WorkspacesError.RequestTimeoutError({ operation, timeoutMs: Duration.toMillis(timeout) })
    )
  )
  return exchange as Effect.Effect<Endpoint.Result<E>, WorkspacesError.ErrorForEndpoint<E>>
}
