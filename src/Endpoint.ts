/**
 * A declarative description of one HTTP endpoint: method, path, the schemas of its path parameters,
 * query and body (whose type sides are the flat camelCase input of the operation), the response
 * schema, and the error statuses the spec documents for it. The client and the emulator are both
 * driven by these descriptions, so they cannot drift apart.
 *
 * This is the contract: it names statuses, not the client's error classes (`WorkspacesError` maps
 * each documented status to its class, and `WorkspacesError.ErrorForEndpoint` gives an operation's
 * errors).
 *
 * @since 0.1.0
 */
import type * as Types from "effect/Types"
import * as Schema from "effect/Schema"

/**
 * The error statuses the spec documents for some operation; each endpoint lists its own among them.
 *
 * @since 0.2.0
 * @category constants
 */
export const documentedStatuses = [400, 401, 403, 404, 429, 500] as const

/**
 * A status that the spec documents as an error of some operation.
 *
 * @since 0.2.0
 * @category models
 */
export type DocumentedStatus = (typeof documentedStatuses)[number]

/**
 * @since 0.1.0
 * @category models
 */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/**
 * A schema without requirements, as every part of an endpoint is.
 *
 * @since 0.1.0
 * @category models
 */
export type Part = Schema.Schema<any, any, never>

/**
 * The description of one endpoint.
 *
 * @since 0.1.0
 * @category models
 */
export interface Endpoint<
  Name extends string = string,
  Params extends Part = Part,
  Query extends Part = Part,
  Body extends Part = Part,
  Response extends Part = Part,
  Result = any,
  Status extends DocumentedStatus = DocumentedStatus
> {
  /** The operation name, as OpenRouter's SDK names it. */
  readonly name: Name
  readonly method: Method
  /** The path under the base URL, with `{param}` placeholders. */
  readonly path: string
  /** The path parameters; their type side is part of the input. */
  readonly params: Params
  /** The query parameters, encoded to strings. */
  readonly query: Query
  /** The JSON body, sent for POST, PUT and PATCH. */
  readonly body: Body
  readonly successStatus: 200 | 201
  /** The whole success body. */
  readonly response: Response
  /** What the client hands back from the decoded success body. */
  readonly result: (response: Schema.Schema.Type<Response>) => Result
  /** The error statuses the spec documents for this operation. */
  readonly errors: ReadonlyArray<Status>
}

/**
 * Any endpoint.
 *
 * @since 0.1.0
 * @category models
 */
export type Any = Endpoint<string, Part, Part, Part, Part, any, DocumentedStatus>

/**
 * The flat camelCase input of an endpoint's operation.
 *
 * @since 0.1.0
 * @category models
 */
export type Input<E extends Any> =
  E extends Endpoint<any, infer P, infer Q, infer B, any, any, any>
    ? Types.Simplify<Schema.Schema.Type<P> & Schema.Schema.Type<Q> & Schema.Schema.Type<B>>
    : never

/**
 * The decoded success body of an endpoint.
 *
 * @since 0.1.0
 * @category models
 */
export type Response<E extends Any> = Schema.Schema.Type<E["response"]>

/**
 * What an endpoint's operation succeeds with.
 *
 * @since 0.1.0
 * @category models
 */
export type Result<E extends Any> = E extends Endpoint<any, any, any, any, any, infer R, any> ? R : never

/**
 * The error statuses the spec documents for an endpoint.
 *
 * @since 0.2.0
 * @category models
 */
export type Status<E extends Any> =
  E extends Endpoint<any, any, any, any, any, any, infer S extends DocumentedStatus> ? S : never

const NoFields = Schema.Struct({})

/**
 * The part of an endpoint that carries nothing (no path parameters, no query or no body).
 *
 * @since 0.1.0
 * @category constants
 */
export const none: Part = NoFields

/**
 * Describes an endpoint; `query` and `body` default to empty.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <
  const Name extends string,
  Response extends Part,
  Result,
  const Status extends DocumentedStatus,
  Params extends Part = typeof NoFields,
  Query extends Part = typeof NoFields,
  Body extends Part = typeof NoFields
>(options: {
  readonly name: Name
  readonly method: Method
  readonly path: string
  readonly params?: Params
  readonly query?: Query
  readonly body?: Body
  readonly successStatus?: 200 | 201
  readonly response: Response
  readonly result: (response: Schema.Schema.Type<Response>) => Result
  readonly errors: ReadonlyArray<Status>
}): Endpoint<Name, Params, Query, Body, Response, Result, Status> => ({
  name: options.name,
  method: options.method,
  path: options.path,
  params: (options.params ?? NoFields) as Params,
  query: (options.query ?? NoFields) as Query,
  body: (options.body ?? NoFields) as Body,
  successStatus: options.successStatus ?? 200,
  response: options.response,
  result: options.result,
  errors: options.errors
})

/**
 * Whether the endpoint sends a JSON body.
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasBody = (endpoint: Any): boolean =>
  endpoint.method === "POST" || endpoint.method === "PUT" || endpoint.method === "PATCH"

/**
 * Fills the `{param}` placeholders of the path with URL-encoded values.
 *
 * @since 0.1.0
 * @category utils
 */
export const renderPath = (endpoint: Any, params: Readonly<Record<string, string>>): string => {
  let parts = pathParts.get(endpoint.path)
  if (parts === undefined) {
    parts = endpoint.path.split(/\{(\w+)\}/)
    pathParts.set(endpoint.path, parts)
  }
  let path = parts[0]!
  for (let i = 1; i < parts.length; i += 2) path += encodeURIComponent(params[parts[i]!]!) + parts[i + 1]!
  return path
}

/** Each path split once: its literal parts at even indexes, the names of its placeholders between them. */
const pathParts = new Map<string, ReadonlyArray<string>>()
