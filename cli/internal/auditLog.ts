/**
 * `orw apply --audit-log changes.jsonl`: one JSON line per change sent (every request that is not a
 * GET), appended and flushed as its answer arrives: when, which workspace and operation, the user ids
 * or the budget sent, the outcome (the HTTP status, or why no answer came) and the server's request id.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import { WorkspacesApi } from "../../src/index.js"

/** One line of the audit log. */
export interface AuditEntry {
  readonly at: string
  readonly workspace: string | null
  readonly operation: string
  readonly method: string
  readonly path: string
  readonly userIds?: ReadonlyArray<string>
  readonly budget?: { readonly interval: string; readonly limitUsd?: number }
  /** The HTTP status, or `no answer: <reason>` when the request got none (a reset, a timeout). */
  readonly outcome: number | string
  readonly requestId: string | null
}

const routes = Object.values(WorkspacesApi.endpoints).map((endpoint) => ({
  name: endpoint.name,
  method: endpoint.method,
  pattern: new RegExp(`/api/v1${endpoint.path.replace(/\{[^}]+\}/g, "([^/]+)")}$`)
}))

/** The operation a request is, and the workspace it names (the first path parameter). */
const operationOf = (method: string, path: string) => {
  for (const route of routes) {
    const match = route.method === method ? route.pattern.exec(path) : null
    if (match !== null)
      return { operation: route.name, workspace: match[1] === undefined ? null : decodeURIComponent(match[1]) }
  }
  return { operation: `${method} ${path}`, workspace: null }
}

const bodyOf = (request: HttpClientRequest.HttpClientRequest): Record<string, unknown> => {
  if (request.body._tag !== "Uint8Array") return {}
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(request.body.body))
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

const entryOf = (
  request: HttpClientRequest.HttpClientRequest,
  outcome: number | string,
  requestId: string | null
): AuditEntry => {
  const url = new URL(request.url)
  const { operation, workspace } = operationOf(request.method, url.pathname)
  const body = bodyOf(request)
  const interval = url.pathname.match(/\/budgets\/([^/]+)$/)?.[1]
  return {
    at: new Date().toISOString(),
    workspace: workspace ?? (typeof body["slug"] === "string" ? body["slug"] : null),
    operation,
    method: request.method,
    path: url.pathname,
    ...(Array.isArray(body["user_ids"]) ? { userIds: body["user_ids"] as ReadonlyArray<string> } : {}),
    ...(interval === undefined
      ? {}
      : {
          budget: {
            interval,
            ...(typeof body["limit_usd"] === "number" ? { limitUsd: body["limit_usd"] } : {})
          }
        }),
    outcome,
    requestId
  }
}

/** Wraps a client so that every write it sends is appended to `file`, one JSON line each. */
export const auditing =
  (file: string) =>
  (client: HttpClient.HttpClient): HttpClient.HttpClient =>
    HttpClient.transform(client, (effect, request) => {
      if (request.method === "GET") return effect
      const append = (entry: AuditEntry) => Effect.sync(() => Fs.appendFileSync(file, JSON.stringify(entry) + "\n"))
      return effect.pipe(
        Effect.tap((response) => append(entryOf(request, response.status, response.headers["x-request-id"] ?? null))),
        Effect.tapErrorCause((cause) =>
          append(entryOf(request, `no answer: ${cause.toString().split("\n")[0]}`, null))
        ),
        Effect.onInterrupt(() => append(entryOf(request, "no answer: interrupted (the call timed out)", null)))
      )
    })
