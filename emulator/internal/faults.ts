/**
 * Fault injection: rules scoped to operations, each fired by a counter (`times`), a script
 * (`sequence`) or a probability (`rate`) drawn from a seeded generator, so a run is reproducible.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import type { OperationName } from "../../src/WorkspacesApi.js"
import { endpoints } from "../../src/WorkspacesApi.js"
import * as Prng from "./prng.js"

const operationNames = Object.keys(endpoints) as [OperationName, ...Array<OperationName>]

const NonNegative = Schema.Number.pipe(Schema.finite(), Schema.nonNegative())

const Trigger = {
  /** The operations (names from `WorkspacesApi.endpoints`) the rule applies to; all when omitted. */
  operations: Schema.optional(Schema.Array(Schema.Literal(...operationNames))),
  /** Fire on the next `times` matching requests. */
  times: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  /** Fire on the n-th matching request when `sequence[n]` is true; never once it is exhausted. */
  sequence: Schema.optional(Schema.Array(Schema.Boolean)),
  /** Fire with this probability, drawn from the seeded generator. */
  rate: Schema.optional(Schema.Number.pipe(Schema.between(0, 1)))
}

/** @internal */
export const StatusFault = Schema.Struct({
  kind: Schema.Literal("status"),
  status: Schema.Literal(408, 429, 500, 502, 503, 504),
  /** `Retry-After` in seconds (or an HTTP date); 1 by default for 429, absent otherwise; `null` omits it. */
  retryAfter: Schema.optional(Schema.NullOr(Schema.Union(Schema.Int.pipe(Schema.nonNegative()), Schema.String))),
  /** Adds `retry-after-ms`. */
  retryAfterMs: Schema.optional(NonNegative),
  /** Whether to send `X-RateLimit-Limit/Remaining/Reset`; true by default for 429. */
  rateLimitHeaders: Schema.optional(Schema.Boolean),
  /** `X-RateLimit-Reset` is now + this many ms (an epoch timestamp in ms); by default `Retry-After`, else 1000. */
  resetAfterMs: Schema.optional(NonNegative),
  message: Schema.optional(Schema.String),
  ...Trigger
})

/** @internal */
export const LatencyFault = Schema.Struct({
  kind: Schema.Literal("latency"),
  /** Added before the request is processed. */
  ms: NonNegative,
  ...Trigger
})

/** @internal */
export const ResetFault = Schema.Struct({ kind: Schema.Literal("reset"), ...Trigger })

/** @internal */
export const LostResponseFault = Schema.Struct({ kind: Schema.Literal("lostResponse"), ...Trigger })

/** @internal */
export const MalformedFault = Schema.Struct({
  kind: Schema.Literal("malformed"),
  /** The body to send; by default the first half of the real JSON body. */
  body: Schema.optional(Schema.String),
  ...Trigger
})

/** @internal */
export const FaultRule = Schema.Union(StatusFault, LatencyFault, ResetFault, LostResponseFault, MalformedFault).pipe(
  Schema.filter(
    (rule) =>
      [rule.times, rule.sequence, rule.rate].filter((_) => _ !== undefined).length <= 1 ||
      "use at most one of times, sequence, rate"
  )
)

/** @internal */
export type FaultRule = typeof FaultRule.Type

/** What `POST /__emulator/faults` accepts: the rules, or `{ rules, seed? }`. @internal */
export const FaultRules = Schema.Union(
  Schema.Array(FaultRule),
  Schema.Struct({ rules: Schema.Array(FaultRule), seed: Schema.optional(Schema.Int) })
)

/** @internal */
export type TerminalFault = Exclude<FaultRule, { readonly kind: "latency" }>

/**
 * The faults decided for one request.
 *
 * @internal
 */
export interface FaultPlan {
  readonly latencyMs: number
  readonly terminal: TerminalFault | undefined
  /** The kinds applied, joined with `+`, e.g. `latency+status`. */
  readonly label: string | undefined
}

interface ActiveRule {
  readonly rule: FaultRule
  remaining: number | undefined
  seen: number
}

/**
 * A rule with its remaining `times`, as `GET /__emulator/faults` shows it.
 *
 * @internal
 */
export type FaultRuleStatus = FaultRule & { readonly remaining?: number }

/** @internal */
export class FaultInjector {
  private rules: Array<ActiveRule> = []
  private random: () => number

  constructor(
    rules: ReadonlyArray<FaultRule>,
    private seed: number
  ) {
    this.random = Prng.make(seed)
    this.set(rules)
  }

  /** Replaces the rules and restarts the generator (from `seed` when given). */
  set(rules: ReadonlyArray<FaultRule>, seed?: number): void {
    if (seed !== undefined) this.seed = seed
    this.random = Prng.make(this.seed)
    this.rules = rules.map((rule) => ({ rule, remaining: rule.times, seen: 0 }))
  }

  get current(): ReadonlyArray<FaultRuleStatus> {
    return this.rules.map(({ remaining, rule }) => (remaining === undefined ? rule : { ...rule, remaining }))
  }

  private fires(active: ActiveRule): boolean {
    const { rule } = active
    const index = active.seen++
    if (active.remaining !== undefined) {
      if (active.remaining <= 0) return false
      active.remaining--
      return true
    }
    if (rule.sequence !== undefined) return rule.sequence[index] ?? false
    if (rule.rate !== undefined) return this.random() < rule.rate
    return true
  }

  /**
   * Decides the faults of a request. Latency rules add up; terminal rules are tried in order until
   * one fires, and the rules after it do not see the request (their triggers do not advance).
   */
  decide(operation: OperationName): FaultPlan {
    let latencyMs = 0
    let terminal: TerminalFault | undefined
    const kinds: Array<string> = []
    for (const active of this.rules) {
      const { rule } = active
      if (rule.operations !== undefined && !rule.operations.includes(operation)) continue
      if (rule.kind === "latency") {
        if (this.fires(active)) {
          latencyMs += rule.ms
          if (!kinds.includes("latency")) kinds.push("latency")
        }
      } else if (terminal === undefined && this.fires(active)) {
        terminal = rule
        kinds.push(rule.kind)
      }
    }
    return { latencyMs, terminal, label: kinds.length === 0 ? undefined : kinds.join("+") }
  }
}
