/**
 * The log of the requests an emulator received, for tests to count and inspect. It never holds a
 * key: the `authorization` (and cookie) headers are left out and only the kind of credential is kept.
 *
 * @internal
 */
import type { OperationName } from "../../src/WorkspacesApi.js"
import { Bounded } from "./bounded.js"

/**
 * The credential a request carried, never the key itself.
 *
 * @internal
 */
export type CredentialKind = "none" | "unknown" | "managementKey" | "apiKey" | "disabledApiKey"

/** @internal */
export interface LoggedRequest {
  /** 1, 2, ... in order of arrival. */
  readonly seq: number
  /** The `x-request-id` header sent with the response: `req_<seq>`. */
  readonly requestId: string
  readonly at: string
  readonly method: string
  /** The path without the query string, e.g. `/api/v1/workspaces/engineering`. */
  readonly path: string
  /** The query parameters (the first value of a repeated one). */
  readonly query: Readonly<Record<string, string>>
  /** The parsed JSON body; the raw text when it was not JSON; `undefined` when there was none. */
  readonly body: unknown
  /** The request headers except `authorization`, `cookie` and `proxy-authorization`. */
  readonly headers: Readonly<Record<string, string>>
  readonly credential: CredentialKind
  /** The operation (from `WorkspacesApi.endpoints`) the request was routed to. */
  readonly operation: OperationName | undefined
  /**
   * How many API requests the emulator was serving when this one arrived, this one included: from
   * its arrival until its response was made (or its connection dropped). A client that waits for
   * each answer before the next request always shows 1; one with n requests in flight, up to n.
   */
  readonly inFlight: number
  /** The status sent; 0 when nothing was sent (a `reset` or `lostResponse` fault, or still in flight). */
  readonly status: number
  /** The faults applied, e.g. `status`, `latency+reset`. */
  readonly fault?: string
  /** For `lostResponse`: the status of the response that was processed and then not sent. */
  readonly discardedStatus?: number
}

/** An entry as the server fills it in while it answers. @internal */
export type LogEntry = { -readonly [K in keyof Omit<LoggedRequest, Worded>]: LoggedRequest[K] }

/** What an entry keeps of its request's URL as it came, and words only when the log is read. */
type Worded = "path" | "query"

interface Stored extends LogEntry {
  readonly url: string
}

/** The path and query of a request, as `LoggedRequest` words them. */
const worded = (stored: Stored): Pick<LoggedRequest, Worded> => {
  const url = new URL(stored.url, "http://emulator")
  const query: Record<string, string> = {}
  for (const [key, value] of url.searchParams) if (!(key in query)) query[key] = value
  return { path: url.pathname, query }
}

const secretHeaders = new Set(["authorization", "cookie", "proxy-authorization"])

/**
 * The log keeps the last `limit` requests (`Infinity`: all of them); `seq` keeps counting when the
 * oldest are dropped or the log is cleared.
 *
 * @internal
 */
export class RequestLog {
  private readonly entries: Bounded<Stored>
  private seq = 0
  private serving = 0

  constructor(limit: number = Infinity) {
    this.entries = new Bounded(limit)
  }

  start(request: {
    readonly method: string
    readonly url: string
    readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
    readonly body: unknown
    readonly credential: CredentialKind
    readonly operation: OperationName | undefined
  }): LogEntry {
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined || secretHeaders.has(name.toLowerCase())) continue
      headers[name.toLowerCase()] = typeof value === "string" ? value : value.join(", ")
    }
    // the URL is parsed when the log is read: most entries never are
    const seq = ++this.seq
    const entry: Stored = {
      seq,
      requestId: `req_${seq}`,
      at: new Date().toISOString(),
      method: request.method,
      url: request.url,
      body: request.body,
      headers,
      credential: request.credential,
      operation: request.operation,
      inFlight: ++this.serving,
      status: 0
    }
    this.entries.push(entry)
    return entry
  }

  /** The response to a request `start` logged has been made, or its connection dropped. */
  finish(): void {
    this.serving--
  }

  get all(): ReadonlyArray<LoggedRequest> {
    return this.entries.toArray().map((stored): LoggedRequest => {
      const { url: _url, ...entry } = stored
      return { ...entry, ...worded(stored) }
    })
  }

  clear(): void {
    this.entries.clear()
  }
}
