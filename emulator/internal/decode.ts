/**
 * Reading and decoding a request: the body as JSON, the query parameters, and each part of the
 * input with its endpoint's schemas, with errors worded as the API words them.
 *
 * @internal
 */
import type { IncomingMessage } from "node:http"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import type * as Schema from "effect/Schema"
import * as Endpoint from "../../src/Endpoint.js"
import * as Issues from "../../src/internal/issues.js"
import * as WireCodec from "../../src/internal/wireCodec.js"
import { Rejection } from "./handlers.js"

export type Body =
  | { readonly _tag: "None" }
  | { readonly _tag: "Json"; readonly value: unknown }
  | { readonly _tag: "Invalid"; readonly text: string; readonly reason?: string }

export const loggedBody = (body: Body): unknown =>
  body._tag === "Json" ? body.value : body._tag === "Invalid" ? body.text : undefined

/** The most a request body may hold, as `@effect/platform`'s server allows by default. */
const maxBodyBytes = 10 * 1024 * 1024

/**
 * How deep a request body may nest. The API's bodies nest three levels; decoding one nested a
 * million deep would overflow the stack (a 500), so it is refused before parsing, as a 400.
 */
export const maxBodyDepth = 32

/** Whether the JSON text nests deeper than `limit` (brackets inside strings do not count). */
const nestsDeeperThan = (text: string, limit: number): boolean => {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92)
        i++ // a backslash escapes the next character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 || c === 91) {
      if (++depth > limit) return true
    } else if (c === 125 || c === 93) depth--
  }
  return false
}

const parseBody = (text: string): Body => {
  if (text.trim() === "") return { _tag: "None" }
  if (nestsDeeperThan(text, maxBodyDepth)) {
    return { _tag: "Invalid", text: text.slice(0, 200), reason: `nested deeper than ${maxBodyDepth} levels` }
  }
  try {
    return { _tag: "Json", value: JSON.parse(text) }
  } catch {
    return { _tag: "Invalid", text }
  }
}

/** Reads the whole body, then calls `done`; a body over the limit or a failed read counts as none. */
export const readBody = (request: IncomingMessage, done: (body: Body) => void) => {
  const chunks: Array<Buffer> = []
  let size = 0
  request.on("data", (chunk: Buffer) => {
    size += chunk.length
    if (size <= maxBodyBytes) chunks.push(chunk)
  })
  request.once("end", () => done(size > maxBodyBytes ? { _tag: "None" } : parseBody(Buffer.concat(chunks).toString())))
  request.once("error", () => done({ _tag: "None" }))
}

/** One message per field, e.g. `limit_usd: must be greater than 0` (the body itself is `body`). */
const describeIssues = (error: ParseResult.ParseError): string => Issues.describeIssues(error, { root: "body" })

/** A decoder compiled once, whose errors are described as the API words them. */
export const decoderOf = <A>(schema: Schema.Schema<A, any>): ((input: unknown) => Either.Either<A, string>) => {
  const decode = WireCodec.decodeUnknownEither(schema, { errors: "all" })
  return (input) => Either.mapLeft(decode(input), describeIssues)
}

/** What is compiled once per endpoint: the decoders of its request's parts and its response's encoder. */
export interface Codec {
  readonly params: (input: unknown) => Either.Either<object, string>
  readonly query: (input: unknown) => Either.Either<object, string>
  readonly body: (input: unknown) => Either.Either<object, string>
  readonly response: (value: unknown) => Either.Either<unknown, ParseResult.ParseError>
}

export const codecOf = (endpoint: Endpoint.Any): Codec => ({
  params: decoderOf(endpoint.params),
  query: decoderOf(endpoint.query),
  body: decoderOf(endpoint.body),
  response: WireCodec.encodeTrusted(endpoint.response)
})

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

export type Search = Record<string, string | Array<string>>

/** The query parameters; a repeated one as an array, as `@effect/platform`'s server gives them. */
export const searchOf = (query: string): Search => {
  const search: Search = {}
  if (query === "") return search
  for (const [key, value] of new URLSearchParams(query)) {
    const seen = search[key]
    search[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value]
  }
  return search
}

export interface Received {
  readonly token: string | undefined
  readonly params: Readonly<Record<string, string | undefined>>
  readonly search: Readonly<Record<string, string | ReadonlyArray<string>>>
  readonly body: Body
  readonly requestSeq: number
}

export const decodeInput = (
  endpoint: Endpoint.Any,
  codec: Codec,
  received: Pick<Received, "params" | "search" | "body">
): Either.Either<object, Rejection> => {
  const documents400 = endpoint.errors.includes(400)
  const params = codec.params(received.params)
  if (Either.isLeft(params)) {
    return Either.left(
      documents400 ? new Rejection(400, `Invalid path parameter: ${params.left}`) : new Rejection(404, "Not found")
    )
  }
  let query = codec.query(received.search)
  if (Either.isLeft(query)) {
    if (documents400) return Either.left(new Rejection(400, `Invalid query parameter: ${query.left}`))
    query = Either.orElse(codec.query(lenientPaging(received.search)), () => codec.query({}))
    if (Either.isLeft(query)) return Either.left(new Rejection(404, "Not found"))
  }
  let body: Either.Either<object, Rejection> = Either.right({})
  if (Endpoint.hasBody(endpoint)) {
    // every operation with a body documents 400
    body =
      received.body._tag === "Invalid"
        ? Either.left(new Rejection(400, `Invalid request body: ${received.body.reason ?? "not valid JSON"}`))
        : Either.mapLeft(
            codec.body(received.body._tag === "Json" ? received.body.value : undefined),
            (message) => new Rejection(400, `Invalid request body: ${message}`)
          )
  }
  return Either.map(body, (body) => ({ ...params.right, ...query.right, ...body }))
}
