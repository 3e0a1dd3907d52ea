/**
 * Retry policies as `Schedule`s whose input is the failed attempt's error.
 *
 * The default retries 408, 429, 500, 502, 503, 504, per-attempt timeouts and connection errors with
 * jittered exponential backoff (500 ms base, factor 1.5), at most 5 retries, each wait capped at
 * 60 s. A wait the server asked for (`retry-after-ms`, `Retry-After`, `X-RateLimit-Reset`) is the
 * least wait, within the cap. The client adds what a policy cannot see: the call's deadline
 * (`deadline`, 2 minutes from the call's start by default) and the errors never retried (`isFinal`).
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import { identity } from "effect/Function"
import * as Schedule from "effect/Schedule"
import type { WorkspacesError } from "./WorkspacesError.js"

/**
 * A retry policy: a `Schedule` fed with each failed attempt's error.
 *
 * @since 0.1.0
 * @category models
 */
export type RetryPolicy = Schedule.Schedule<unknown, WorkspacesError>

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Retries after the first attempt; default 5. */
  readonly maxRetries?: number
  /** The first wait; default 500 ms. */
  readonly baseDelay?: Duration.DurationInput
  /** The backoff factor; default 1.5. */
  readonly factor?: number
  /** The cap on each wait, Retry-After included; default 60 s. */
  readonly maxDelay?: Duration.DurationInput
  /** Randomize each wait in [0.8, 1.2] of its value; default true. */
  readonly jitter?: boolean
}

const transientStatuses = new Set([408, 429, 500, 502, 503, 504])
const finalStatuses = new Set([400, 401, 403, 404])

/**
 * Whether an error may pass if the call is sent again: 408, 429, 500, 502, 503, 504, a per-attempt
 * timeout or a connection error. 400, 401, 403, 404, invalid input and a response over the size cap
 * never are.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isTransient = (error: WorkspacesError): boolean => {
  switch (error._tag) {
    case "ConnectionError":
    case "RequestTimeoutError":
      return true
    case "TooManyRequestsResponseError":
    case "InternalServerResponseError":
    case "OpenRouterDefaultError":
      return transientStatuses.has(error.status)
    case "ResponseValidationError":
      // a garbled or cut answer: asking again is safe when the request is idempotent
      return error.idempotent === true
    default:
      return false
  }
}

/**
 * Whether an error is final whatever the policy: 400, 401, 403, 404, input refused before sending
 * and a response over the size cap.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isFinal = (error: WorkspacesError): boolean => {
  switch (error._tag) {
    case "BadRequestResponseError":
    case "UnauthorizedResponseError":
    case "ForbiddenResponseError":
    case "NotFoundResponseError":
    case "InvalidRequestError":
    case "ResponseTooLargeError":
      return true
    case "OpenRouterDefaultError":
      // A status the operation does not document is still final.
      return finalStatuses.has(error.status)
    default:
      return false
  }
}

/**
 * Whether the failed request provably did not take effect: a 429, or a connection that failed
 * before the request was sent. Only these are safe to resend for a non-idempotent call.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isUnapplied = (error: WorkspacesError): boolean =>
  error._tag === "TooManyRequestsResponseError" || (error._tag === "ConnectionError" && !error.sent)

/**
 * The wait the server asked for, if any.
 *
 * @since 0.1.0
 * @category accessors
 */
export const serverDelay = (error: WorkspacesError): Duration.Duration =>
  "retryAfterMs" in error && error.retryAfterMs !== undefined ? Duration.millis(error.retryAfterMs) : Duration.zero

/**
 * A policy with the given options (see the module's description for the defaults).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): RetryPolicy => {
  const maxDelay = Duration.decode(options.maxDelay ?? Duration.seconds(60))
  return Schedule.exponential(options.baseDelay ?? Duration.millis(500), options.factor ?? 1.5).pipe(
    options.jitter === false ? identity : Schedule.jittered,
    Schedule.intersect(Schedule.recurs(options.maxRetries ?? 5)),
    Schedule.intersect(Schedule.identity<WorkspacesError>()),
    Schedule.whileInput(isTransient),
    Schedule.modifyDelay(([, error], delay) => Duration.min(Duration.max(delay, serverDelay(error)), maxDelay))
  )
}

/**
 * The default policy.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaultPolicy: RetryPolicy = make()

/**
 * Never retry.
 *
 * @since 0.1.0
 * @category constructors
 */
export const none: RetryPolicy = Schedule.recurs(0)

/**
 * Narrows a policy to the failures after which a non-idempotent request is safe to resend.
 *
 * @since 0.1.0
 * @category combinators
 */
export const unappliedOnly = (policy: RetryPolicy): RetryPolicy => Schedule.whileInput(policy, isUnapplied)
