/**
 * The emulator's rate limit: a fixed window per credential, `limit` requests per `windowMs` from
 * the window's first request, with the headers OpenRouter sends on every answer
 * (`X-RateLimit-Limit`, `X-RateLimit-Remaining`, and `X-RateLimit-Reset`, when the window ends and
 * the limit is whole again, as an epoch timestamp in ms), and `Retry-After` on a 429.
 *
 * @internal
 */

/** @internal */
export interface RateLimitOptions {
  /** Requests a credential may make in one window. */
  readonly limit: number
  readonly windowMs: number
}

/** What one request gets: whether it may go on, and the headers of its answer. @internal */
export interface Admission {
  readonly allowed: boolean
  readonly headers: Readonly<Record<string, string>>
}

/** @internal */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; used: number }>()

  constructor(readonly options: RateLimitOptions) {}

  /** Counts a request of `credential` at `now` (ms) in its window, if the window has room. */
  admit(credential: string, now: number): Admission {
    const { limit, windowMs } = this.options
    let window = this.windows.get(credential)
    if (window === undefined || now >= window.start + windowMs) {
      window = { start: now, used: 0 }
      this.windows.set(credential, window)
    }
    const allowed = window.used < limit
    if (allowed) window.used++
    const reset = window.start + windowMs
    const headers: Record<string, string> = {
      "x-ratelimit-limit": String(limit),
      "x-ratelimit-remaining": String(limit - window.used),
      "x-ratelimit-reset": String(reset)
    }
    if (!allowed) headers["retry-after"] = String(Math.max(1, Math.ceil((reset - now) / 1000)))
    return { allowed, headers }
  }
}
