import * as HttpClient from "@effect/platform/HttpClient"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberRef from "effect/FiberRef"
import { identity } from "effect/Function"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type * as Endpoint from "../Endpoint.js"
import type { Page } from "../Model.js"
import * as RetryPolicy from "../RetryPolicy.js"
import type * as Workspaces from "../Workspaces.js"
import * as WorkspacesApi from "../WorkspacesApi.js"
import * as WorkspacesError from "../WorkspacesError.js"
import { attempt, defaultMaxResponseBytes, makeTransport } from "./client.js"
import { isLoopbackHost } from "./loopback.js"
import { answerGoneAfterUnclear, resendWhenProvenUnapplied } from "./resend.js"
import { version } from "./version.js"

const checkBaseUrl = (baseUrl: string) =>
  Effect.gen(function* () {
    const fail = (rule: string) =>
      Effect.fail(new WorkspacesError.InvalidRequestError({ operation: "Workspaces.make", field: "baseUrl", rule }))
    const url = URL.canParse(baseUrl) ? new URL(baseUrl) : undefined
    // never echoed whole: it may carry a password
    if (url === undefined) return yield* fail("is not a URL (e.g. https://openrouter.ai/api/v1)")
    if (url.username !== "" || url.password !== "") {
      return yield* fail(`must not carry credentials (user:password@): the key goes in apiKey; host ${url.host}`)
    }
    if (url.search !== "" || url.hash !== "") {
      return yield* fail(`must not have a query or a fragment: ${url.origin}${url.pathname} is the form it takes`)
    }
    const loopback = isLoopbackHost(url.hostname)
    if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
      return yield* fail(`must use https (plain http only to a loopback host), got ${url.protocol}//${url.host}`)
    }
    return baseUrl.replace(/\/+$/, "")
  })

const checkMaxResponseBytes = (operation: string, bytes: number | undefined) =>
  bytes === undefined
    ? Either.right(defaultMaxResponseBytes)
    : Number.isSafeInteger(bytes) && bytes > 0
      ? Either.right(bytes)
      : Either.left(
          new WorkspacesError.InvalidRequestError({
            operation,
            field: "maxResponseBytes",
            rule: `must be a whole number of bytes above 0, got ${bytes}`
          })
        )

const attributionHeaders = (options: Workspaces.Options): Record<string, string> => {
  const categories =
    typeof options.appCategories === "string" ? options.appCategories : options.appCategories?.join(",")
  return {
    ...(options.httpReferer === undefined ? {} : { "HTTP-Referer": options.httpReferer }),
    ...(options.appTitle === undefined ? {} : { "X-OpenRouter-Title": options.appTitle }),
    ...(categories === undefined || categories === "" ? {} : { "X-OpenRouter-Categories": categories })
  }
}

/**
 * Pages in flight after the first. The first page alone tells the total, so reading n pages costs
 * 1 + ceil((n - 1) / c) round trips: at 8, 14 for 10,000 members where a sequential reader (the
 * official SDK's iterator) needs 101, over 7x fewer; at 4 it would be 26, under the 4x the issue asks
 * for. Eight pages of 100 is still a small burst for the API and a few hundred kB held at once.
 */
const defaultPageConcurrency = 8

const pageSizeOf = (requested: number | undefined) => Math.min(100, Math.max(1, Math.trunc(requested ?? 100)))

/**
 * Every item across all pages: the first page tells the total, the rest are fetched with bounded
 * concurrency and emitted in order. It ends at the total or on an empty page, whichever comes first.
 */
const pages = <A, E>(
  operation: string,
  fetch: (offset: number, limit: number) => Effect.Effect<Page<A>, E>,
  options: Workspaces.StreamOptions
): Stream.Stream<A, E | WorkspacesError.ResponseValidationError> => {
  const limit = pageSizeOf(options.pageSize)
  const maxItems = options.maxItems ?? defaultMaxItems
  return Stream.unwrap(
    Effect.flatMap(fetch(0, limit), (first) => {
      // Only the first page's total is followed; one past maxItems is refused before reading on.
      if (first.totalCount > maxItems) {
        return Effect.fail(
          new WorkspacesError.ResponseValidationError({
            operation,
            status: 200,
            issue: `total_count ${first.totalCount} is more than maxItems ${maxItems} (StreamOptions.maxItems): not read`,
            excerpt: ""
          })
        )
      }
      // A server that caps the page below the size asked for sets the stride.
      const stride = first.data.length > 0 && first.data.length < limit ? first.data.length : limit
      const remaining = first.data.length === 0 ? 0 : Math.ceil((first.totalCount - first.data.length) / stride)
      const rest = Stream.range(1, remaining, 16).pipe(
        Stream.mapEffect((page) => fetch(first.data.length + (page - 1) * stride, stride), {
          concurrency: Math.max(1, options.concurrency ?? defaultPageConcurrency)
        }),
        Stream.takeWhile((page) => page.data.length > 0)
      )
      return Effect.succeed(
        Stream.concat(Stream.succeed(first), remaining > 0 ? rest : Stream.empty).pipe(
          Stream.mapConcat((page) => page.data)
        )
      )
    })
  )
}

/**
 * Every item of an offset-only list (`GET /keys`, whose page size is the server's): pages in turn
 * from offset 0, each from the end of the last, until an empty page. A page with nothing new (a
 * server that ignores the offset) or a count past `maxItems` fails the stream instead of looping.
 */
const offsetPages = <A, E>(
  operation: string,
  fetch: (offset: number) => Effect.Effect<{ readonly data: ReadonlyArray<A> }, E>,
  identify: (item: A) => string,
  options: Workspaces.StreamOptions
): Stream.Stream<A, E | WorkspacesError.ResponseValidationError> => {
  const maxItems = options.maxItems ?? defaultMaxItems
  const seen = new Set<string>()
  const refuse = (offset: number, issue: string) =>
    new WorkspacesError.ResponseValidationError({
      operation,
      status: 200,
      issue: `the page at offset ${offset} ${issue}`,
      excerpt: ""
    })
  return Stream.paginateChunkEffect(0, (offset) =>
    Effect.flatMap(fetch(offset), ({ data }) => {
      if (data.length === 0) return Effect.succeed([Chunk.empty<A>(), Option.none<number>()] as const)
      const fresh = data.filter((item) => !seen.has(identify(item)))
      if (fresh.length === 0) return Effect.fail(refuse(offset, "repeats keys already read: the offset is ignored"))
      for (const item of fresh) seen.add(identify(item))
      if (seen.size > maxItems) {
        return Effect.fail(
          refuse(offset, `takes the count past maxItems ${maxItems} (StreamOptions.maxItems): not read`)
        )
      }
      return Effect.succeed([Chunk.unsafeFromArray(fresh), Option.some(offset + data.length)] as const)
    })
  )
}

/**
 * A stream of one of the list operations as its callers see it: a span `Workspaces.<stream>` that
 * holds its pages' calls, and `streamDeadline` bounding the whole of it.
 */
const streamed = <A, E>(
  name: string,
  workspace: string | undefined,
  options: Workspaces.StreamOptions,
  stream: Stream.Stream<A, E>
): Stream.Stream<A, E | WorkspacesError.RequestTimeoutError | WorkspacesError.InvalidRequestError> => {
  const operation = `Workspaces.${name}`
  let bounded: Stream.Stream<A, E | WorkspacesError.RequestTimeoutError | WorkspacesError.InvalidRequestError> = stream
  if (options.streamDeadline !== undefined) {
    const deadline = Duration.decodeUnknown(options.streamDeadline)
    if (deadline._tag === "None" || !(Duration.toMillis(deadline.value) > 0)) {
      return Stream.fail(
        new WorkspacesError.InvalidRequestError({
          operation,
          field: "streamDeadline",
          rule: 'must be a duration > 0 (e.g. "5 minutes")'
        })
      )
    }
    const timeoutMs = Duration.toMillis(deadline.value)
    bounded = Stream.interruptWhen(
      stream,
      Effect.flatMap(Effect.sleep(deadline.value), () =>
        Effect.fail(new WorkspacesError.RequestTimeoutError({ operation: `${operation} (streamDeadline)`, timeoutMs }))
      )
    )
  }
  const attributes: Record<string, string> = { "workspaces.operation": name }
  if (workspace !== undefined) attributes["workspaces.workspace"] = workspace
  return Stream.withSpan(bounded, operation, { captureStackTrace: false, attributes })
}

/** The most items a stream reads unless told otherwise: far above any organization, far below forever. */
const defaultMaxItems = 1_000_000

/** What the attempts of one call share (see `callOf`). */
interface Call {
  readonly policy: () => Schedule.Schedule<unknown, WorkspacesError.WorkspacesError>
  readonly send: <E extends Endpoint.Any>(
    endpoint: E,
    input: Endpoint.Input<E>
  ) => Effect.Effect<Endpoint.Result<E>, WorkspacesError.ErrorForEndpoint<E>>
  /** The time left before the deadline. */
  readonly remaining: Effect.Effect<Duration.Duration>
}

/**
 * The span of an operation, `Workspaces.<op>`. Without the call-site stack trace `Effect.fn`
 * captures, which costs an `Error` per call.
 */
const traced = (name: string) => {
  const options = { captureStackTrace: false, attributes: { "workspaces.operation": name } } as const
  /** The workspace a call names (its `id`, or the `slug` it creates), as the span's `workspaces.workspace`. */
  return (input: unknown) => {
    const named = input as
      | { readonly id?: unknown; readonly slug?: unknown; readonly workspaceId?: unknown }
      | undefined
    const workspace =
      typeof named?.id === "string"
        ? named.id
        : typeof named?.slug === "string"
          ? named.slug
          : typeof named?.workspaceId === "string"
            ? named.workspaceId
            : undefined
    const spanOptions =
      workspace === undefined
        ? options
        : { ...options, attributes: { ...options.attributes, "workspaces.workspace": workspace } }
    return <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.withSpan(effect, `Workspaces.${name}`, spanOptions)
  }
}

/** Whether the calls of the current fiber let an HTTP attempt in flight finish when interrupted. */
export const currentUninterruptibleAttempts = FiberRef.unsafeMake(false)

export const uninterruptibleAttempts = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.locally(self, currentUninterruptibleAttempts, true)

export const make = (options: Workspaces.Options) =>
  Effect.gen(function* () {
    if (Redacted.value(options.apiKey).trim() === "") {
      return yield* new WorkspacesError.InvalidRequestError({
        operation: "Workspaces.make",
        field: "apiKey",
        rule: "must not be empty: it is an OpenRouter management key"
      })
    }
    const baseUrl = yield* checkBaseUrl(options.baseUrl ?? "https://openrouter.ai/api/v1")
    const headers = {
      Accept: "application/json",
      "User-Agent": `effect-openrouter-workspaces/${version}`,
      ...attributionHeaders(options)
    }
    /**
     * The layer-wide rate-limit gate: once the server says its window is spent (a 429 with a wait,
     * or `X-RateLimit-Remaining: 0` with a reset), no call of this client sends before that time,
     * instead of each call meeting its own 429.
     */
    let closedUntil = 0
    /** The clock `closedUntil` is a time of: a call on another clock (a test's) ignores the gate. */
    let closedBy: Clock.Clock | undefined
    /**
     * The attempts in flight, counted once a server has shown it has a limit (no cost otherwise):
     * when what is left of its window is no more than the others in flight will spend, no new
     * attempt starts before the window ends, rather than meeting a 429.
     */
    let counting = false
    let inFlight = 0
    const close = (clock: Clock.Clock, until: number) => {
      if (clock !== closedBy) [closedBy, closedUntil] = [clock, until]
      else if (until > closedUntil) closedUntil = until
    }
    // the base URL, the headers and the key are set once, on every request as it is made
    const transport = makeTransport({
      client: yield* HttpClient.HttpClient,
      transformClient: options.transformClient ?? identity,
      baseUrl,
      headers,
      apiKey: options.apiKey,
      onRateLimit: (clock, remaining, until) => {
        counting = true
        if (until !== undefined && remaining <= Math.max(0, inFlight - 1)) close(clock, until)
      }
    })
    const { rateLimiter } = options
    const layerPolicy = options.retry === false ? RetryPolicy.none : (options.retry ?? RetryPolicy.defaultPolicy)
    const layerTimeout = Duration.decode(options.timeout ?? Duration.seconds(30))

    const layerDeadlineMs = Duration.toMillis(Duration.decode(options.deadline ?? Duration.minutes(2)))
    const layerMaxResponseBytes = yield* checkMaxResponseBytes("Workspaces.make", options.maxResponseBytes)

    /**
     * What the attempts of one call share: its deadline, counted from the call's start, and its
     * policy. A retry starts only if its wait ends before the deadline, each attempt's timeout is
     * cut to the time left, and 400, 401, 403, 404 and invalid input are never retried, whatever
     * the policy. Inside `uninterruptibleAttempts`, an attempt in flight finishes before an
     * interruption takes effect. The policy is built on the first failure: most calls never need it.
     */
    const callOf = (operation: string, call: Workspaces.CallOptions | undefined) =>
      Effect.withFiberRuntime<Call, WorkspacesError.InvalidRequestError>((fiber) => {
        const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
        const deadline =
          clock.unsafeCurrentTimeMillis() +
          (call?.deadline === undefined ? layerDeadlineMs : Duration.toMillis(Duration.decode(call.deadline)))
        const timeout = call?.timeout === undefined ? layerTimeout : Duration.decode(call.timeout)
        const maxResponseBytes =
          call?.maxResponseBytes === undefined
            ? Either.right(layerMaxResponseBytes)
            : checkMaxResponseBytes(operation, call.maxResponseBytes)
        if (Either.isLeft(maxResponseBytes)) return Effect.fail(maxResponseBytes.left)
        const guarded = fiber.getFiberRef(currentUninterruptibleAttempts)
        const remaining = () => Duration.millis(Math.max(1, deadline - clock.unsafeCurrentTimeMillis()))
        const policy = (): Schedule.Schedule<unknown, WorkspacesError.WorkspacesError> =>
          Schedule.delays(call?.retry === false ? RetryPolicy.none : (call?.retry ?? layerPolicy)).pipe(
            Schedule.whileInput((error: WorkspacesError.WorkspacesError) => !RetryPolicy.isFinal(error)),
            Schedule.checkEffect((_, delay) =>
              Effect.map(Clock.currentTimeMillis, (now) => now + Duration.toMillis(delay) < deadline)
            )
          )
        const sendNow = <E extends Endpoint.Any>(endpoint: E, input: Endpoint.Input<E>) =>
          Effect.suspend(() => {
            const sent = attempt(endpoint, transport, input, Duration.min(timeout, remaining()), maxResponseBytes.right)
            const once = counting
              ? Effect.suspend(() => {
                  inFlight++
                  return Effect.ensuring(
                    sent,
                    Effect.sync(() => void inFlight--)
                  )
                })
              : sent
            // The attempt runs on its own fiber, interruptible by its own timeout, while the caller
            // cannot be interrupted until it has finished.
            return guarded ? Effect.uninterruptible(Effect.disconnect(Effect.interruptible(once))) : once
          })
        /** An attempt, once the gate is open (the wait bounded by the deadline) and the limiter gives a token. */
        const send = <E extends Endpoint.Any>(endpoint: E, input: Endpoint.Input<E>) => {
          const limited = rateLimiter === undefined ? sendNow(endpoint, input) : rateLimiter(sendNow(endpoint, input))
          return Effect.suspend(() => {
            if (closedBy !== clock) return limited
            const now = clock.unsafeCurrentTimeMillis()
            if (!(closedUntil > now)) return limited
            return Effect.zipRight(Effect.sleep(Duration.millis(Math.min(closedUntil, deadline) - now)), limited)
          })
        }
        return Effect.succeed({ policy, send, remaining: Effect.sync(remaining) })
      })

    /**
     * `Effect.retry(once, schedule())` once `once` has failed with `first`: the first failure is
     * handed to the schedule as the first attempt's, and the schedule and its driver are made only now.
     */
    const retryAfter = <A, E>(first: E, once: Effect.Effect<A, E>, schedule: () => Schedule.Schedule<unknown, E>) => {
      let replay = true
      const again = Effect.suspend(() => {
        if (!replay) return once
        replay = false
        return Effect.fail(first)
      })
      return Effect.retry(again, schedule())
    }
    /** `Effect.retry(once, schedule())`, with the schedule made only if `once` fails. */
    const retry = <A, E>(once: Effect.Effect<A, E>, schedule: () => Schedule.Schedule<unknown, E>) =>
      Effect.catchAll(once, (first) => retryAfter(first, once, schedule))

    /**
     * An operation. `whenGone` answers a 404 met after an unclear attempt (5xx, reset, timeout): the
     * earlier attempt may have taken effect, deleting the workspace or changing the slug it was named by.
     */
    const operation = <E extends Endpoint.Any>(
      endpoint: E,
      whenGone?: (
        input: Endpoint.Input<E>,
        notFound: WorkspacesError.NotFoundResponseError
      ) => Effect.Effect<Endpoint.Result<E>, WorkspacesError.ErrorForEndpoint<E>>
    ) =>
      ((input: Endpoint.Input<E>, call?: Workspaces.CallOptions) =>
        Effect.flatMap(callOf(`Workspaces.${endpoint.name}`, call), ({ policy, send }) =>
          whenGone === undefined
            ? retry(send(endpoint, input), policy)
            : answerGoneAfterUnclear({
                attempt: send(endpoint, input),
                whenGone: (notFound) => whenGone(input, notFound),
                policy,
                retryAfter
              })
        ).pipe(traced(endpoint.name)(input))) as (
        input: Endpoint.Input<E>,
        call?: Workspaces.CallOptions
      ) => Effect.Effect<Endpoint.Result<E>, WorkspacesError.ErrorForEndpoint<E>>

    const get = operation(WorkspacesApi.get)
    const list = operation(WorkspacesApi.list)
    const listMembers = operation(WorkspacesApi.listMembers)
    const listOrganizationMembers = operation(WorkspacesApi.listOrganizationMembers)
    const listApiKeys = operation(WorkspacesApi.listApiKeys)

    /**
     * `create` is not idempotent: it is resent only after failures that provably did not take effect.
     * After an ambiguous failure the slug is looked up: found with the same name, the earlier attempt
     * took effect and its workspace is the result; not found, the failure is proven unapplied and the
     * policy may resend. A "slug taken" answer after an ambiguous attempt is checked the same way.
     */
    const create = ((input: Endpoint.Input<typeof WorkspacesApi.create>, call?: Workspaces.CallOptions) =>
      Effect.flatMap(callOf("Workspaces.create", call), ({ policy, remaining, send }) => {
        // The lookup is an idempotent GET: it retries under the call's own policy, within its deadline.
        const lookUp = Effect.flatMap(remaining, (deadline) => get({ id: input.slug }, { ...call, deadline })).pipe(
          Effect.map((found) => (found.name === input.name ? Option.some(found) : Option.none())),
          Effect.catchTag("NotFoundResponseError", () => Effect.succeed(Option.none()))
        )
        return resendWhenProvenUnapplied({
          attempt: send(WorkspacesApi.create, input),
          lookUp,
          isEcho: (error) => error._tag === "BadRequestResponseError",
          policy,
          retry
        })
      }).pipe(traced("create")(input))) as Workspaces.Service["create"]

    const service: Workspaces.Service = {
      list: (input = {}, call) => list(input, call),
      create,
      delete: operation(WorkspacesApi.del, () => Effect.void),
      get,
      update: operation(WorkspacesApi.update, (input, notFound) =>
        input.slug === undefined
          ? Effect.fail(notFound)
          : get({ id: input.slug }).pipe(Effect.catchTag("NotFoundResponseError", () => Effect.fail(notFound)))
      ),
      listBudgets: operation(WorkspacesApi.listBudgets),
      getBudget: operation(WorkspacesApi.getBudget),
      deleteBudget: operation(WorkspacesApi.deleteBudget),
      setBudget: operation(WorkspacesApi.setBudget),
      listMembers,
      bulkAddMembers: operation(WorkspacesApi.bulkAddMembers),
      bulkRemoveMembers: operation(WorkspacesApi.bulkRemoveMembers),
      streamWorkspaces: (streamOptions = {}) =>
        streamed(
          "streamWorkspaces",
          undefined,
          streamOptions,
          pages("Workspaces.list", (offset, limit) => list({ offset, limit }, streamOptions), streamOptions)
        ),
      streamMembers: ({ id, ...streamOptions }) =>
        streamed(
          "streamMembers",
          id,
          streamOptions,
          pages(
            "Workspaces.listMembers",
            (offset, limit) => listMembers({ id, offset, limit }, streamOptions),
            streamOptions
          )
        ),
      listOrganizationMembers: (input = {}, call) => listOrganizationMembers(input, call),
      listApiKeys: (input = {}, call) => listApiKeys(input, call),
      streamOrganizationMembers: (streamOptions = {}) =>
        streamed(
          "streamOrganizationMembers",
          undefined,
          streamOptions,
          pages(
            "Workspaces.listOrganizationMembers",
            (offset, limit) => listOrganizationMembers({ offset, limit }, streamOptions),
            streamOptions
          )
        ),
      streamApiKeys: ({ includeDisabled, workspaceId, ...streamOptions } = {}) =>
        streamed(
          "streamApiKeys",
          workspaceId,
          streamOptions,
          offsetPages(
            "Workspaces.listApiKeys",
            (offset) =>
              listApiKeys(
                {
                  offset,
                  ...(workspaceId === undefined ? {} : { workspaceId }),
                  ...(includeDisabled === undefined ? {} : { includeDisabled })
                },
                streamOptions
              ),
            (key) => key.hash,
            streamOptions
          )
        )
    }
    return service
  })
