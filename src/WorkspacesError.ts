/**
 * The typed errors of the Workspaces client.
 *
 * One class per documented HTTP status (named as OpenRouter's SDK names them), one for 429, one for
 * any other status, and tagged transport and contract failures. None of them ever holds the API key.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import type * as Endpoint from "./Endpoint.js"

const Code = Schema.Union(Schema.Number, Schema.String)

/**
 * The fields every error decoded from an HTTP error response carries.
 *
 * @since 0.1.0
 * @category models
 */
export const ResponseErrorFields = {
  /** The operation that failed, e.g. `Workspaces.get`. */
  operation: Schema.String,
  /** The HTTP status. */
  status: Schema.Number,
  /** `error.code` of the body; OpenRouter sends a number, some proxies a string. */
  code: Schema.optional(Code),
  /** `error.message` of the body, or the status text when the body had none. */
  detail: Schema.String,
  /** `error.metadata` of the body. */
  metadata: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  /** The request id header (`x-request-id`, `cf-ray`) when the server sent one. */
  requestId: Schema.optional(Schema.String),
  /** The least wait the server asked for (`retry-after-ms`, `Retry-After`, `X-RateLimit-Reset`), in ms. */
  retryAfterMs: Schema.optional(Schema.Number)
}

const describe = (
  self: { operation: string; status: number; detail: string; requestId?: string | undefined },
  what: string
) =>
  `${self.operation}: ${what} (HTTP ${self.status}): ${self.detail}` +
  (self.requestId === undefined ? "" : ` [request ${self.requestId}]`)

/**
 * 400: the server rejected the request's parameters or body.
 *
 * @since 0.1.0
 * @category errors
 */
export class BadRequestResponseError extends Schema.TaggedError<BadRequestResponseError>()(
  "BadRequestResponseError",
  ResponseErrorFields
) {
  override get message() {
    return describe(this, "bad request")
  }
}

/**
 * 401: the key is missing, unknown or revoked.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnauthorizedResponseError extends Schema.TaggedError<UnauthorizedResponseError>()(
  "UnauthorizedResponseError",
  ResponseErrorFields
) {
  override get message() {
    return describe(this, "unauthorized, check that the API key is set and valid")
  }
}

/**
 * 403: the key is valid but may not do this; Workspaces operations need a management key.
 *
 * @since 0.1.0
 * @category errors
 */
export class ForbiddenResponseError extends Schema.TaggedError<ForbiddenResponseError>()(
  "ForbiddenResponseError",
  ResponseErrorFields
) {
  override get message() {
    return describe(this, "forbidden, this operation needs a management key (and, for some, an organization admin)")
  }
}

/**
 * 404: the workspace (or the budget interval) does not exist.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFoundResponseError extends Schema.TaggedError<NotFoundResponseError>()(
  "NotFoundResponseError",
  ResponseErrorFields
) {
  override get message() {
    return describe(this, "not found")
  }
}

/**
 * 500: the server failed unexpectedly.
 *
 * @since 0.1.0
 * @category errors
 */
export class InternalServerResponseError extends Schema.TaggedError<InternalServerResponseError>()(
  "InternalServerResponseError",
  ResponseErrorFields
) {
  override get message() {
    return describe(this, "internal server error")
  }
}

/**
 * 429: rate limited. `retryAfterMs` holds the wait the server asked for, when it said.
 *
 * @since 0.1.0
 * @category errors
 */
export class TooManyRequestsResponseError extends Schema.TaggedError<TooManyRequestsResponseError>()(
  "TooManyRequestsResponseError",
  ResponseErrorFields
) {
  override get message() {
    const wait = this.retryAfterMs === undefined ? "" : `, retry after ${this.retryAfterMs} ms`
    return describe(this, `rate limited${wait}`)
  }
}

/**
 * Any other 4XX or 5XX status, including the undocumented ones (408, 502, 503, 504, ...).
 *
 * @since 0.1.0
 * @category errors
 */
export class OpenRouterDefaultError extends Schema.TaggedError<OpenRouterDefaultError>()(
  "OpenRouterDefaultError",
  ResponseErrorFields
) {
  override get message() {
    return describe(this, "unexpected status")
  }
}

/**
 * The connection failed. `sent` is `false` only when the request provably never reached the
 * server (connection refused, DNS failure, a port fetch refuses, a connection closed before a byte
 * of the request was written), which is what makes a retry of a non-idempotent call safe. `reason`
 * names the transport's error code, the host and port (e.g. `ECONNREFUSED 127.0.0.1:9 (connect)`),
 * never the URL's path or query.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConnectionError extends Schema.TaggedError<ConnectionError>()("ConnectionError", {
  operation: Schema.String,
  sent: Schema.Boolean,
  reason: Schema.String,
  /**
   * The transport's error code (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`, `UND_ERR_SOCKET`, ...).
   *
   * @since 0.3.0
   */
  code: Schema.optionalWith(Schema.String, { exact: true }),
  /**
   * The host the connection was to: the address the transport names, else the base URL's host.
   *
   * @since 0.3.0
   */
  host: Schema.optionalWith(Schema.String, { exact: true }),
  /**
   * The port the connection was to.
   *
   * @since 0.3.0
   */
  port: Schema.optionalWith(Schema.Number, { exact: true })
}) {
  override get message() {
    return `${this.operation}: connection failed ${this.sent ? "(the request may have reached the server)" : "before the request was sent"}: ${this.reason}`
  }
}

/**
 * One attempt took longer than the per-attempt timeout.
 *
 * @since 0.1.0
 * @category errors
 */
export class RequestTimeoutError extends Schema.TaggedError<RequestTimeoutError>()("RequestTimeoutError", {
  operation: Schema.String,
  timeoutMs: Schema.Number
}) {
  override get message() {
    return `${this.operation}: no response within ${this.timeoutMs} ms`
  }
}

/**
 * A response body did not match the documented schema (or was not JSON).
 *
 * @since 0.1.0
 * @category errors
 */
export class ResponseValidationError extends Schema.TaggedError<ResponseValidationError>()("ResponseValidationError", {
  operation: Schema.String,
  status: Schema.Number,
  /** What did not match. */
  issue: Schema.String,
  /** The first 200 characters of the body that came. */
  excerpt: Schema.String,
  /**
   * Whether sending the request again is safe: true for the idempotent operations (GET, PUT,
   * DELETE), so that a policy retries a garbled answer like a 5xx (`RetryPolicy.isTransient`).
   */
  idempotent: Schema.optionalWith(Schema.Boolean, { exact: true })
}) {
  override get message() {
    return `${this.operation}: unexpected response body (HTTP ${this.status}): ${this.issue}; body began: ${this.excerpt}`
  }
}

/**
 * A response body larger than the cap (`maxResponseBytes`, 8 MiB by default): refused on its
 * `content-length` before reading, or cut off as soon as more was read, the connection closed.
 * Never retried, by any policy: the same server would send the same body again.
 *
 * @since 0.3.0
 * @category errors
 */
export class ResponseTooLargeError extends Schema.TaggedError<ResponseTooLargeError>()("ResponseTooLargeError", {
  operation: Schema.String,
  status: Schema.Number,
  /** The cap, in bytes. */
  limitBytes: Schema.Number,
  /** The `content-length` the server announced, when it was over the cap and nothing was read. */
  announcedBytes: Schema.optionalWith(Schema.Number, { exact: true }),
  /** The bytes read (after decompression) when reading stopped, past the cap. */
  readBytes: Schema.optionalWith(Schema.Number, { exact: true })
}) {
  override get message() {
    const what =
      this.announcedBytes === undefined
        ? `more than ${this.limitBytes} bytes came (${this.readBytes ?? "?"} read), reading stopped`
        : `content-length ${this.announcedBytes} is more than ${this.limitBytes} bytes, not read`
    return `${this.operation}: response too large (HTTP ${this.status}): ${what} (maxResponseBytes)`
  }
}

/**
 * Input rejected before anything was sent: names the field and the rule it broke.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidRequestError extends Schema.TaggedError<InvalidRequestError>()("InvalidRequestError", {
  operation: Schema.String,
  field: Schema.String,
  rule: Schema.String
}) {
  override get message() {
    return `${this.operation}: invalid ${this.field}: ${this.rule}`
  }
}

/**
 * The errors that map one-to-one onto a documented status: one class for each of
 * `Endpoint.documentedStatuses`.
 *
 * @since 0.1.0
 * @category models
 */
export const DocumentedStatusErrors = {
  400: BadRequestResponseError,
  401: UnauthorizedResponseError,
  403: ForbiddenResponseError,
  404: NotFoundResponseError,
  429: TooManyRequestsResponseError,
  500: InternalServerResponseError
} as const satisfies Record<Endpoint.DocumentedStatus, unknown>

/**
 * A status that the spec documents as an error of some operation.
 *
 * @deprecated The list of statuses is the contract's: use `Endpoint.DocumentedStatus`. This alias
 * goes in the next minor version.
 * @since 0.1.0
 * @category models
 */
export type DocumentedStatus = Endpoint.DocumentedStatus

/**
 * The error class of a documented status.
 *
 * @since 0.1.0
 * @category models
 */
export type ErrorForStatus<S extends Endpoint.DocumentedStatus> = InstanceType<(typeof DocumentedStatusErrors)[S]>

/**
 * Errors that any operation can fail with, whatever statuses it documents.
 *
 * @since 0.1.0
 * @category models
 */
export type CommonError =
  | TooManyRequestsResponseError
  | OpenRouterDefaultError
  | ConnectionError
  | RequestTimeoutError
  | ResponseValidationError
  | ResponseTooLargeError
  | InvalidRequestError

/**
 * Exactly the errors the operation of an endpoint can fail with: the classes of the statuses it
 * documents, and the errors common to every operation.
 *
 * @example
 * ```ts
 * import type { WorkspacesApi, WorkspacesError } from "effect-openrouter-workspaces"
 *
 * // NotFoundResponseError | UnauthorizedResponseError | InternalServerResponseError | CommonError
 * type GetError = WorkspacesError.ErrorForEndpoint<typeof WorkspacesApi.get>
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export type ErrorForEndpoint<E extends Endpoint.Any> = ErrorForStatus<Endpoint.Status<E>> | CommonError

/**
 * Every error the client can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type WorkspacesError = ErrorForStatus<Endpoint.DocumentedStatus> | CommonError

/**
 * The errors decoded from an HTTP error response.
 *
 * @since 0.1.0
 * @category models
 */
export type ResponseError =
  | ErrorForStatus<Endpoint.DocumentedStatus>
  | TooManyRequestsResponseError
  | OpenRouterDefaultError
