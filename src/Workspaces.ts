/**
 * The Workspaces service: the twelve operations of OpenRouter's Workspaces management API as Effect
 * values with typed errors, and paging Streams.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as RateLimiter from "effect/RateLimiter"
import * as Redacted from "effect/Redacted"
import type * as Stream from "effect/Stream"
import type * as Endpoint from "./Endpoint.js"
import * as internal from "./internal/workspaces.js"
import type { ApiKey, OrganizationMember, Page, Workspace, WorkspaceMember } from "./Model.js"
import type { RetryPolicy } from "./RetryPolicy.js"
import type * as Api from "./WorkspacesApi.js"
import type { ConfigError } from "effect/ConfigError"
import type { ErrorForEndpoint } from "./WorkspacesError.js"
import { InvalidRequestError } from "./WorkspacesError.js"

/**
 * Per-call overrides of the layer's settings.
 *
 * @since 0.1.0
 * @category models
 */
export interface CallOptions {
  /** A retry policy for this call, or `false` for a single attempt. */
  readonly retry?: RetryPolicy | false
  /** The per-attempt timeout for this call. */
  readonly timeout?: Duration.DurationInput
  /** No retry starts, and no attempt runs, past this long after the call started. */
  readonly deadline?: Duration.DurationInput
  /**
   * The cap on each response body of this call, in bytes.
   *
   * @since 0.3.0
   */
  readonly maxResponseBytes?: number
}

/**
 * Paging options of the streams.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamOptions extends CallOptions {
  /** Items per page, clamped to 1..100; default 100. */
  readonly pageSize?: number
  /** Pages fetched at once after the first; default 8. Items are emitted in order regardless. */
  readonly concurrency?: number
  /**
   * The most items the stream reads: a first page whose `total_count` is larger fails the stream
   * with a `ResponseValidationError` before any further page is read; default 1,000,000.
   */
  readonly maxItems?: number
  /**
   * The deadline of the whole stream, from its start: past it the stream fails with a
   * `RequestTimeoutError` (naming `streamDeadline`), whatever page is in flight. None by default:
   * each page's call has its own `deadline`.
   */
  readonly streamDeadline?: Duration.DurationInput
}

/**
 * One operation: its flat camelCase input, its result and exactly its errors.
 *
 * @since 0.1.0
 * @category models
 */
export type Operation<E extends Endpoint.Any> = (
  input: Endpoint.Input<E>,
  options?: CallOptions
) => Effect.Effect<Endpoint.Result<E>, ErrorForEndpoint<E>>

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** One page of the organization's workspaces. */
  readonly list: (
    input?: Endpoint.Input<typeof Api.list>,
    options?: CallOptions
  ) => Effect.Effect<Page<Workspace>, ErrorForEndpoint<typeof Api.list>>
  /** Creates a workspace; never creates two, even when an attempt's answer is lost. */
  readonly create: Operation<typeof Api.create>
  /**
   * Deletes a workspace (by UUID or slug). The default workspace only with
   * `confirmDefaultWorkspaceDeletion: true`, which permanently disables its inference keys and
   * deletes its budgets and guardrails.
   */
  readonly delete: Operation<typeof Api.del>
  /** A workspace by UUID or slug. */
  readonly get: Operation<typeof Api.get>
  /** Patches a workspace: `null` clears a nullable field, an omitted key leaves it unchanged. */
  readonly update: Operation<typeof Api.update>
  /** The workspace's budgets and its workspace-wide `includeByokInBudgets`. */
  readonly listBudgets: Operation<typeof Api.listBudgets>
  /** The budget of one interval. */
  readonly getBudget: Operation<typeof Api.getBudget>
  /** Deletes the budget of one interval (succeeds when there was none). */
  readonly deleteBudget: Operation<typeof Api.deleteBudget>
  /** Creates or replaces the budget of one interval. */
  readonly setBudget: Operation<typeof Api.setBudget>
  /** One page of a workspace's members. */
  readonly listMembers: Operation<typeof Api.listMembers>
  /** Adds 1..100 organization members, each with their organization role. */
  readonly bulkAddMembers: Operation<typeof Api.bulkAddMembers>
  /** Removes 1..100 members. */
  readonly bulkRemoveMembers: Operation<typeof Api.bulkRemoveMembers>
  /** One page of the organization's members (`GET /organization/members`). */
  readonly listOrganizationMembers: (
    input?: Endpoint.Input<typeof Api.listOrganizationMembers>,
    options?: CallOptions
  ) => Effect.Effect<Page<OrganizationMember>, ErrorForEndpoint<typeof Api.listOrganizationMembers>>
  /**
   * One page of a workspace's API keys (`GET /keys`): of the default workspace unless `workspaceId`
   * (a UUID) says otherwise, the active ones unless `includeDisabled`. The page size is the server's.
   */
  readonly listApiKeys: (
    input?: Endpoint.Input<typeof Api.listApiKeys>,
    options?: CallOptions
  ) => Effect.Effect<{ readonly data: ReadonlyArray<ApiKey> }, ErrorForEndpoint<typeof Api.listApiKeys>>
  /** Every workspace, across all pages; a span `Workspaces.streamWorkspaces` holds the pages' calls. */
  readonly streamWorkspaces: (options?: StreamOptions) => Stream.Stream<Workspace, ErrorForEndpoint<typeof Api.list>>
  /** Every member of a workspace, across all pages, in a span `Workspaces.streamMembers`. */
  readonly streamMembers: (
    options: { readonly id: string } & StreamOptions
  ) => Stream.Stream<WorkspaceMember, ErrorForEndpoint<typeof Api.listMembers>>
  /** Every member of the organization, across all pages. */
  readonly streamOrganizationMembers: (
    options?: StreamOptions
  ) => Stream.Stream<OrganizationMember, ErrorForEndpoint<typeof Api.listOrganizationMembers>>
  /**
   * Every API key of a workspace, page after page from offset 0 until an empty page. It cannot loop:
   * a page that brings no key not seen before, or more than `maxItems` keys, fails the stream with a
   * `ResponseValidationError`. `pageSize` and `concurrency` do not apply (the endpoint has no `limit`).
   */
  readonly streamApiKeys: (
    options?: { readonly workspaceId?: string; readonly includeDisabled?: boolean } & StreamOptions
  ) => Stream.Stream<ApiKey, ErrorForEndpoint<typeof Api.listApiKeys>>
}

/**
 * The Workspaces service.
 *
 * @since 0.1.0
 * @category tags
 */
export class Workspaces extends Context.Tag("effect-openrouter-workspaces/Workspaces")<Workspaces, Service>() {}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** A management key. It stays `Redacted` end to end. */
  readonly apiKey: Redacted.Redacted<string>
  /** Default `https://openrouter.ai/api/v1`; plain http is refused unless the host is loopback. */
  readonly baseUrl?: string
  /** The retry policy of every call, or `false` for none; default `RetryPolicy.defaultPolicy`. */
  readonly retry?: RetryPolicy | false
  /** The per-attempt timeout; default 30 seconds. */
  readonly timeout?: Duration.DurationInput
  /** The deadline of a whole call, its retries and waits included, from its start; default 2 minutes. */
  readonly deadline?: Duration.DurationInput
  /**
   * The cap on each response body, in bytes (after decompression); default 8 MiB. A body announced
   * larger is refused unread, one that grows larger is cut off as it passes the cap: either fails
   * with `ResponseTooLargeError`, which is never retried.
   *
   * @since 0.3.0
   */
  readonly maxResponseBytes?: number
  /** Sent as `HTTP-Referer` for app attribution. */
  readonly httpReferer?: string
  /** Sent as `X-OpenRouter-Title`. */
  readonly appTitle?: string
  /** Sent as `X-OpenRouter-Categories`, comma-separated. */
  readonly appCategories?: string | ReadonlyArray<string>
  /**
   * Wraps the HttpClient each attempt is sent with, which gets each request with its base URL and
   * headers set: extra headers, logging, your own retry, `HttpClient.withTracerPropagation(false)`.
   * It wraps the client that makes each request a span (the platform client's own span is off).
   */
  readonly transformClient?: (client: HttpClient.HttpClient) => HttpClient.HttpClient
  /**
   * A client-side limit: every HTTP attempt (retries included) takes a token of this limiter first.
   * `layer` and `layerConfig` build one from `rateLimit`; with `make`, create it in your own scope
   * (`RateLimiter.make({ limit, interval })`).
   */
  readonly rateLimiter?: RateLimiter.RateLimiter
}

/**
 * A client-side rate limit: at most `limit` HTTP attempts per `window` (a token bucket), so that a
 * migration stays under the server's limit instead of meeting its 429s.
 *
 * @since 0.3.0
 * @category models
 */
export interface RateLimit {
  readonly limit: number
  readonly window: Duration.DurationInput
  /**
   * `"token-bucket"` (the default): a burst of `limit`, then one attempt every `window / limit`.
   * `"fixed-window"`: `limit` attempts per window, which is how a server that resets its count at
   * `X-RateLimit-Reset` counts.
   */
  readonly algorithm?: "token-bucket" | "fixed-window"
}

/**
 * The options of `layer`: those of `make`, and `rateLimit`, from which the layer builds the
 * `rateLimiter` for its own lifetime.
 *
 * @since 0.3.0
 * @category models
 */
export interface LayerOptions extends Options {
  readonly rateLimit?: RateLimit
}

/**
 * Within `self`, an interruption lets each call's HTTP attempt in flight finish (bounded by its
 * timeout) and then stops the call: no retry wait, no further attempt. `Plan.apply` runs its
 * steps so, which is how an interrupted apply stops after the calls in flight.
 *
 * @since 0.1.0
 * @category combinators
 */
export const uninterruptibleAttempts: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R> =
  internal.uninterruptibleAttempts

/**
 * Builds the service from an `HttpClient`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options: Options) => Effect.Effect<Service, InvalidRequestError, HttpClient.HttpClient> =
  internal.make

/**
 * The service as a layer; provide an `HttpClient` (e.g. `FetchHttpClient.layer`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: LayerOptions): Layer.Layer<Workspaces, InvalidRequestError, HttpClient.HttpClient> => {
  const { rateLimit, ...rest } = options
  if (rateLimit === undefined) return Layer.effect(Workspaces, make(rest))
  return Layer.scoped(
    Workspaces,
    Effect.flatMap(checkRateLimit(rateLimit), (limit) =>
      Effect.flatMap(
        RateLimiter.make({
          limit: limit.limit,
          interval: limit.window,
          algorithm: rateLimit.algorithm ?? "token-bucket"
        }),
        (rateLimiter) => make({ ...rest, rateLimiter })
      )
    )
  )
}

const checkRateLimit = (rateLimit: RateLimit) => {
  const window = Duration.decodeUnknown(rateLimit.window)
  if (!(Number.isInteger(rateLimit.limit) && rateLimit.limit >= 1)) {
    return Effect.fail(
      new InvalidRequestError({
        operation: "Workspaces.layer",
        field: "rateLimit.limit",
        rule: "must be an integer >= 1"
      })
    )
  }
  if (window._tag === "None" || !(Duration.toMillis(window.value) > 0) || !Duration.isFinite(window.value)) {
    return Effect.fail(
      new InvalidRequestError({
        operation: "Workspaces.layer",
        field: "rateLimit.window",
        rule: 'must be a finite duration > 0 (e.g. "1 minute")'
      })
    )
  }
  return Effect.succeed({ limit: rateLimit.limit, window: window.value })
}

/**
 * The settings `layerConfig` reads as `Config` values, each defaulting to an `OPENROUTER_*` variable.
 *
 * @since 0.2.0
 * @category models
 */
export interface ConfigOptions
  extends Omit<LayerOptions, "apiKey" | "baseUrl" | "httpReferer" | "appTitle" | "appCategories"> {
  /** Default `Config.redacted("OPENROUTER_API_KEY")`; an empty or blank key is refused. */
  readonly apiKey?: Config.Config<Redacted.Redacted<string>>
  /** Default `OPENROUTER_BASE_URL`, else `https://openrouter.ai/api/v1`. */
  readonly baseUrl?: Config.Config<string | undefined>
  /** Default `OPENROUTER_HTTP_REFERER`, else none. */
  readonly httpReferer?: Config.Config<string | undefined>
  /** Default `OPENROUTER_APP_TITLE`, else none. */
  readonly appTitle?: Config.Config<string | undefined>
  /** Default `OPENROUTER_APP_CATEGORIES` (comma-separated), else none. */
  readonly appCategories?: Config.Config<string | ReadonlyArray<string> | undefined>
}

/**
 * The service as a layer whose key, base URL and attribution are `Config` values (by default the
 * `OPENROUTER_API_KEY`, `OPENROUTER_BASE_URL`, `OPENROUTER_HTTP_REFERER`, `OPENROUTER_APP_TITLE` and
 * `OPENROUTER_APP_CATEGORIES` variables); the other options are given as they are. A missing or
 * empty key fails the layer with a `ConfigError` naming the variable.
 *
 * @example
 * ```ts
 * import { Config } from "effect"
 * import { Workspaces } from "effect-openrouter-workspaces"
 *
 * // the key from another variable, the rest from the defaults
 * const WorkspacesLive = Workspaces.layerConfig({ apiKey: Config.redacted("ORG_MANAGEMENT_KEY") })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: ConfigOptions = {}
): Layer.Layer<Workspaces, InvalidRequestError | ConfigError, HttpClient.HttpClient> => {
  const { apiKey, appCategories, appTitle, baseUrl, httpReferer, ...rest } = options
  const optional = (name: string) => Config.string(name).pipe(Config.option, Config.map(Option.getOrUndefined))
  return Layer.unwrapEffect(
    Config.all({
      apiKey: (apiKey ?? Config.redacted("OPENROUTER_API_KEY")).pipe(
        Config.validate({
          message: `${apiKey === undefined ? "OPENROUTER_API_KEY" : "the API key"} must not be empty: set it to an OpenRouter management key`,
          validation: (key) => Redacted.value(key).trim() !== ""
        })
      ),
      baseUrl: baseUrl ?? optional("OPENROUTER_BASE_URL"),
      httpReferer: httpReferer ?? optional("OPENROUTER_HTTP_REFERER"),
      appTitle: appTitle ?? optional("OPENROUTER_APP_TITLE"),
      appCategories: appCategories ?? optional("OPENROUTER_APP_CATEGORIES")
    }).pipe(
      Config.map((configs) =>
        layer({
          ...rest,
          apiKey: configs.apiKey,
          ...(configs.baseUrl === undefined ? {} : { baseUrl: configs.baseUrl }),
          ...(configs.httpReferer === undefined ? {} : { httpReferer: configs.httpReferer }),
          ...(configs.appTitle === undefined ? {} : { appTitle: configs.appTitle }),
          ...(configs.appCategories === undefined ? {} : { appCategories: configs.appCategories })
        })
      )
    )
  )
}
