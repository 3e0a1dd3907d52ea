/**
 * The admin routes under `/__emulator`: the request log, the fault rules, the history and the state.
 *
 * @internal
 */
import * as Either from "effect/Either"
import type { Body } from "./decode.js"
import { decoderOf } from "./decode.js"
import type { FaultInjector, FaultRule } from "./faults.js"
import { FaultRules } from "./faults.js"
import { errorBody } from "./handlers.js"
import type { Organization } from "./organization.js"
import type { RequestLog } from "./requestLog.js"

/** @internal */
export const adminPrefix = "/__emulator"

/** What the admin routes read and change. @internal */
export interface AdminEnv {
  readonly organization: Organization
  readonly faults: FaultInjector
  readonly log: RequestLog
}

/** An answer of an admin route. @internal */
export interface AdminOutcome {
  readonly status: number
  readonly body: unknown
}

export const json = (body: unknown, status = 200): AdminOutcome => ({ status, body })

const decodeFaultRules = decoderOf(FaultRules)

const setFaults = (env: AdminEnv, body: Body): AdminOutcome => {
  if (body._tag !== "Json") return json(errorBody(400, "Expected a JSON body: [rules] or { rules, seed? }"), 400)
  const decoded = decodeFaultRules(body.value)
  if (Either.isLeft(decoded)) return json(errorBody(400, `Invalid fault rules: ${decoded.left}`), 400)
  const value = decoded.right
  if (Array.isArray(value)) env.faults.set(value as ReadonlyArray<FaultRule>)
  else {
    const { rules, seed } = value as { readonly rules: ReadonlyArray<FaultRule>; readonly seed?: number }
    env.faults.set(rules, seed)
  }
  return json({ rules: env.faults.current })
}

/** The admin routes, by `METHOD path` under the admin prefix. */
export const adminRoutes = (env: AdminEnv): ReadonlyMap<string, (body: Body) => AdminOutcome> =>
  new Map<string, (body: Body) => AdminOutcome>([
    ["GET /requests", () => json(env.log.all)],
    [
      "DELETE /requests",
      () => {
        env.log.clear()
        return json({ cleared: true })
      }
    ],
    ["GET /faults", () => json({ rules: env.faults.current })],
    ["POST /faults", (body) => setFaults(env, body)],
    [
      "DELETE /faults",
      () => {
        env.faults.set([])
        return json({ rules: [] })
      }
    ],
    ["GET /history", () => json(env.organization.history)],
    ["GET /state", () => json(env.organization.snapshot())]
  ])
