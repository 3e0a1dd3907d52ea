/**
 * The one line `orw` prints for a failed command: what happened, then what to do. A base URL that
 * answers "No route" is missing `/api/v1`; a connection error names the host, the port and the
 * attempts that failed; a slug that does not exist comes with the nearest one that does.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { editDistance } from "./warnings.js"

/** What the failure line can say beyond the error itself. */
export interface Context {
  /** The base URL the command ran against. */
  readonly baseUrl?: string | undefined
  /** The connection attempts that failed during the command (each retry is one), when counted. */
  readonly connectionFailures?: number | undefined
}

/** A workspace named on the command line that the organization does not have. */
export class UnknownWorkspaceError extends Schema.TaggedError<UnknownWorkspaceError>()("UnknownWorkspaceError", {
  slug: Schema.String,
  nearest: Schema.optionalWith(Schema.String, { exact: true })
}) {
  override get message() {
    return (
      `there is no workspace ${this.slug}: ` +
      (this.nearest === undefined
        ? "check the slug (orw export lists every workspace)"
        : `did you mean ${this.nearest}? (orw export lists every workspace)`)
    )
  }
}

/**
 * The existing slug closest to `slug` by edit distance, if one is close enough to be a typo of it
 * (at most 2 edits, or a third of its length for longer slugs); ties go to the first in sort order.
 */
export const nearestSlug = (slug: string, existing: Iterable<string>): string | undefined => {
  const max = Math.max(2, Math.floor(slug.length / 3))
  let best: { readonly slug: string; readonly distance: number } | undefined
  for (const candidate of Array.from(existing).sort()) {
    if (candidate === slug) continue
    const distance = editDistance(slug, candidate, max)
    if (distance <= max && (best === undefined || distance < best.distance)) best = { slug: candidate, distance }
  }
  return best?.slug
}

/** The answer of a server (or of the emulator) to a path that is no operation, as an error's `detail`. */
export const isNoRoute = (error: { readonly status: number; readonly detail: string }): boolean =>
  error.status === 404 && /\bno route\b/i.test(error.detail)

const isRecord = (error: unknown): error is Record<string, unknown> => typeof error === "object" && error !== null

/** `--base-url` with `/api/v1` added, when it does not end with it. */
const withApiV1 = (baseUrl: string): string | undefined => {
  if (!URL.canParse(baseUrl)) return undefined
  const url = new URL(baseUrl)
  if (/\/api\/v1\/?$/.test(url.pathname)) return undefined
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/api/v1`
  return url.toString().replace(/\/$/, "")
}

const noRouteHint = (context: Context): string => {
  const suggested = context.baseUrl === undefined ? undefined : withApiV1(context.baseUrl)
  return suggested === undefined
    ? "the base URL serves no such operation: OpenRouter's API is under /api/v1 (--base-url https://openrouter.ai/api/v1)"
    : `the base URL ${context.baseUrl} serves no such operation: OpenRouter's API is under /api/v1, try --base-url ${suggested}`
}

const connectionHint = (error: Record<string, unknown>, context: Context): string => {
  const host = typeof error["host"] === "string" ? error["host"] : undefined
  const port = typeof error["port"] === "number" ? error["port"] : undefined
  const where = host === undefined ? "the server" : port === undefined ? host : `${host} port ${port}`
  const code = typeof error["code"] === "string" ? ` (${error["code"]})` : ""
  const failures = context.connectionFailures ?? 0
  const attempts =
    failures > 1
      ? `after ${failures} failed attempts (${failures - 1} retries)`
      : failures === 1
        ? "after 1 failed attempt"
        : "after retries"
  return (
    `could not connect to ${where}${code} ${attempts}: check that it is up and that --base-url ` +
    `(or OPENROUTER_BASE_URL) names it`
  )
}

/** The hint for an error, if it has one. */
export const hint = (error: unknown, context: Context = {}): string | undefined => {
  if (!isRecord(error)) return undefined
  if (error["_tag"] === "ConnectionError") return connectionHint(error, context)
  if (
    typeof error["status"] === "number" &&
    typeof error["detail"] === "string" &&
    isNoRoute({ status: error["status"], detail: error["detail"] })
  ) {
    return noRouteHint(context)
  }
  return undefined
}

/** The failure as one line: its tag and message, then the hint. */
export const describeFailure = (error: unknown, context: Context = {}): string => {
  if (ConfigError.isConfigError(error)) {
    const text = String(error)
    return text.includes("OPENROUTER_API_KEY")
      ? `${text}: set OPENROUTER_API_KEY to a management key, or run with --emulator`
      : text
  }
  const what =
    isRecord(error) && "message" in error
      ? `${"_tag" in error ? `${String(error["_tag"])}: ` : ""}${String(error["message"])}`
      : String(error)
  const then = hint(error, context)
  return then === undefined ? what : `${what} — ${then}`
}

/** Counts the connection attempts that fail (the transport's errors, each retry included) in `failures.count`. */
export const countConnectionFailures =
  (failures: { count: number }) =>
  (client: HttpClient.HttpClient): HttpClient.HttpClient =>
    client.pipe(
      HttpClient.tapError((error) =>
        error._tag === "RequestError" && error.reason === "Transport"
          ? Effect.sync(() => void failures.count++)
          : Effect.void
      )
    )
