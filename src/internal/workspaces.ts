import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { identity } from "effect/Function"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type * as Endpoint from "../Endpoint.js"
import type { Page } from "../Model.js"
import * as RetryPolicy from "../RetryPolicy.js"
import type * as Workspaces from "../Workspaces.js"
import * as WorkspacesApi from "../WorkspacesApi.js"
import * as WorkspacesError from "../WorkspacesError.js"
import { attempt, type Transport } from "./client.js"
import { version } from "./version.js"

const loopbackHosts = new Set(["localhost", "127.0.0.1", "[::1]", "::1"])

const checkBaseUrl = (baseUrl: string) =>
  Effect.gen(function* () {
    const fail = (rule: string) =>
      Effect.fail(new WorkspacesError.InvalidRequestError({ operation: "Workspaces.make", field: "baseUrl", rule }))
    const url = URL.canParse(baseUrl) ? new URL(baseUrl) : undefined
    if (url === undefined) return yield* fail(`is not a URL: ${baseUrl}`)
    const loopback = loopbackHosts.has(url.hostname) || url.hostname.startsWith("127.")
    if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
      return yield* fail(`must use https (plain http only to a loopback host), got ${url.protocol}//${url.host}`)
    }
    return baseUrl.replace(/\/+$/, "")
  })

const attributionHeaders = (options: Workspaces.Options): Record<string, string> => {
  const categories =
    typeof options.appCategories === "string" ? options.appCategories : options.appCategories?.join(",")
  return {
    ...(options.httpReferer === undefined ? {} : { "HTTP-Referer": options.httpReferer }),
    ...(options.appTitle === undefined ? {} : { "X-OpenRouter-Title": options.appTitle }),
    ...(categories === undefined || categories === "" ? {} : { "X-OpenRouter-Categories": categories })
  }
}

const pageSizeOf = (requested: number | undefined) => Math.min(100, Math.max(1, Math.trunc(requested ?? 100)))

/**
 * Every item across all pages: the first page tells the total, the rest are fetched with bounded
 * concurrency and emitted in order. It ends at the total or on an empty page, whichever comes first.
 */
const pages = <A, E>(
  fetch: (offset: number, limit: number) => Effect.Effect<Page<A>, E>,
  options: Workspaces.StreamOptions
): Stream.Stream<A, E> => {
  const limit = pageSizeOf(options.pageSize)
  return Stream.unwrap(
    Effect.map(fetch(0, limit), (first) => {
      // A server that caps the page below the size asked for sets the stride.
      const stride = first.data.length > 0 && first.data.length < limit ? first.data.length : limit
      const remaining = first.data.length === 0 ? 0 : Math.ceil((first.totalCount - first.data.length) / stride)
      const rest = Stream.range(1, remaining, 16).pipe(
        Stream.mapEffect((page) => fetch(first.data.length + (page - 1) * stride, stride), {
          concurrency: Math.max(1, options.concurrency ?? 4)
        }),
        Stream.takeWhile((page) => page.data.length > 0)
      )
      return Stream.concat(Stream.succeed(first), remaining > 0 ? rest : Stream.empty).pipe(
        Stream.mapConcat((page) => page.data)
      )
    })
  )
}

export const make = (options: Workspaces.Options) =>
  Effect.gen(function* () {
    const baseUrl = yield* checkBaseUrl(options.baseUrl ?? "https://openrouter.ai/api/v1")
    const headers = {
      "User-Agent": `effect-openrouter-workspaces/${version}`,
      ...attributionHeaders(options)
    }
    const client = (yield* HttpClient.HttpClient).pipe(
      HttpClient.mapRequest((request) =>
        request.pipe(
          HttpClientRequest.bearerToken(Redacted.value(options.apiKey)),
          HttpClientRequest.acceptJson,
          HttpClientRequest.setHeaders(headers)
        )
      ),
      options.transformClient ?? identity
    )
    const transport: Transport = { client, baseUrl }
    const layerPolicy = options.retry === false ? RetryPolicy.none : (options.retry ?? RetryPolicy.defaultPolicy)
    const layerTimeout = Duration.decode(options.timeout ?? Duration.seconds(30))

    const policyOf = (call: Workspaces.CallOptions | undefined) =>
      call?.retry === false ? RetryPolicy.none : (call?.retry ?? layerPolicy)
    const timeoutOf = (call: Workspaces.CallOptions | undefined) =>
      call?.timeout === undefined ? layerTimeout : Duration.decode(call.timeout)

    const operation = <E extends Endpoint.Any>(endpoint: E) =>
      Effect.fn(`Workspaces.${endpoint.name}`)(function* (input: Endpoint.Input<E>, call?: Workspaces.CallOptions) {
        yield* Effect.annotateCurrentSpan("workspaces.operation", endpoint.name)
        return yield* attempt(endpoint, transport, input, timeoutOf(call)).pipe(Effect.retry(policyOf(call)))
      }) as (
        input: Endpoint.Input<E>,
        call?: Workspaces.CallOptions
      ) => Effect.Effect<Endpoint.Result<E>, Endpoint.Error<E>>

    const get = operation(WorkspacesApi.get)
    const list = operation(WorkspacesApi.list)
    const listMembers = operation(WorkspacesApi.listMembers)

    /**
     * `create` is not idempotent: it is resent only after failures that provably did not take effect.
     * After an ambiguous failure the slug is looked up: found with the same name, the earlier attempt
     * took effect and its workspace is the result; not found, the failure is proven unapplied and the
     * policy may resend. A "slug taken" answer after an ambiguous attempt is checked the same way.
     */
    const create = Effect.fn("Workspaces.create")(function* (
      input: Endpoint.Input<typeof WorkspacesApi.create>,
      call?: Workspaces.CallOptions
    ) {
      const timeout = timeoutOf(call)
      const proven = new WeakSet<WorkspacesError.WorkspacesError>()
      let ambiguous = false
      // The lookup is an idempotent GET: it retries under the call's own policy.
      const lookUp = get({ id: input.slug }, call).pipe(
        Effect.map((found) => (found.name === input.name ? found : undefined)),
        Effect.catchTag("NotFoundResponseError", () => Effect.succeed(undefined))
      )
      const once = attempt(WorkspacesApi.create, transport, input, timeout).pipe(
        Effect.catchAll((error) => {
          const unclear =
            error._tag === "ResponseValidationError" ||
            (RetryPolicy.isTransient(error) && !RetryPolicy.isUnapplied(error))
          if (!unclear && !(ambiguous && error._tag === "BadRequestResponseError")) return Effect.fail(error)
          ambiguous = ambiguous || unclear
          return lookUp.pipe(
            Effect.matchEffect({
              onFailure: () => Effect.fail(error),
              onSuccess: (found) => {
                if (found !== undefined) return Effect.succeed(found)
                if (error._tag !== "BadRequestResponseError") proven.add(error)
                return Effect.fail(error)
              }
            })
          )
        })
      )
      const policy = Schedule.whileInput(
        policyOf(call),
        (error: WorkspacesError.WorkspacesError) => RetryPolicy.isUnapplied(error) || proven.has(error)
      )
      return yield* Effect.retry(once, policy)
    }) as Workspaces.Service["create"]

    const service: Workspaces.Service = {
      list: (input = {}, call) => list(input, call),
      create,
      delete: operation(WorkspacesApi.del),
      get,
      update: operation(WorkspacesApi.update),
      listBudgets: operation(WorkspacesApi.listBudgets),
      getBudget: operation(WorkspacesApi.getBudget),
      deleteBudget: operation(WorkspacesApi.deleteBudget),
      setBudget: operation(WorkspacesApi.setBudget),
      listMembers,
      bulkAddMembers: operation(WorkspacesApi.bulkAddMembers),
      bulkRemoveMembers: operation(WorkspacesApi.bulkRemoveMembers),
      streamWorkspaces: (streamOptions = {}) =>
        pages((offset, limit) => list({ offset, limit }, streamOptions), streamOptions),
      streamMembers: ({ id, ...streamOptions }) =>
        pages((offset, limit) => listMembers({ id, offset, limit }, streamOptions), streamOptions)
    }
    return service
  })
