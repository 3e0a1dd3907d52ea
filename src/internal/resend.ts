import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as RetryPolicy from "../RetryPolicy.js"
import type * as WorkspacesError from "../WorkspacesError.js"

/** A failed attempt, and whether it is proven not to have taken effect (so it may be sent again). */
interface Attempted<E> {
  readonly error: E
  readonly resendable: boolean
}

/** A failure the policy may resend after which the request may have taken effect: a 5xx, a reset, a timeout. */
const mayHaveApplied = (error: WorkspacesError.WorkspacesError) =>
  RetryPolicy.isTransient(error) && !RetryPolicy.isUnapplied(error)

/** A failure after which the request may or may not have taken effect: those, or a garbled answer. */
const isUnclear = (error: WorkspacesError.WorkspacesError) =>
  error._tag === "ResponseValidationError" || mayHaveApplied(error)

/**
 * Sends a request that is not idempotent again only when its failure is proven not to have taken
 * effect: a failure that says so itself (`RetryPolicy.isUnapplied`: a 429, a connection refused
 * before sending), or an unclear one (5xx, reset, timeout, a garbled answer) after which `lookUp`
 * finds no trace of it. When `lookUp` finds what the request made, that is the result. An error that
 * `isEcho` recognises (a "slug taken") may, after an unclear attempt, be the answer to our own earlier
 * attempt: it is looked up the same way, and is final when the lookup finds nothing of ours.
 * `retry` runs the attempts under `policy`, which sees the errors as they are.
 */
export const resendWhenProvenUnapplied = <A, E extends WorkspacesError.WorkspacesError>(options: {
  readonly attempt: Effect.Effect<A, E>
  readonly lookUp: Effect.Effect<Option.Option<A>, unknown>
  readonly isEcho: (error: E) => boolean
  readonly policy: () => Schedule.Schedule<unknown, E>
  readonly retry: <X>(once: Effect.Effect<A, X>, schedule: () => Schedule.Schedule<unknown, X>) => Effect.Effect<A, X>
}): Effect.Effect<A, E> =>
  Effect.flatMap(Ref.make(false), (unclearBefore) => {
    const once = Effect.catchAll(
      options.attempt,
      (error): Effect.Effect<A, Attempted<E>> =>
        Effect.gen(function* () {
          const unclear = isUnclear(error)
          const echo = options.isEcho(error) && (yield* Ref.get(unclearBefore))
          if (!unclear && !echo) return yield* Effect.fail({ error, resendable: RetryPolicy.isUnapplied(error) })
          if (unclear) yield* Ref.set(unclearBefore, true)
          const found = yield* Effect.mapError(options.lookUp, () => ({ error, resendable: false }))
          if (Option.isSome(found)) return found.value
          // nothing of ours is there: a transient failure is proven unapplied; an echo was a real conflict
          return yield* Effect.fail({ error, resendable: !options.isEcho(error) })
        })
    )
    const schedule = () =>
      Schedule.whileInput(
        Schedule.mapInput(options.policy(), (attempted: Attempted<E>) => attempted.error),
        (attempted: Attempted<E>) => attempted.resendable
      )
    return Effect.mapError(options.retry(once, schedule), (attempted) => attempted.error)
  })

/**
 * Runs an idempotent request under `policy`, answering a 404 met after an unclear attempt (a 5xx, a
 * reset, a timeout, a garbled answer) with `whenGone`: the earlier attempt may have taken effect (a
 * garbled 2xx answer says it did), deleting what the request names or changing the slug it was
 * named by. A 404 before any unclear attempt is final, as any 404. What the attempts share is made on the first failure: a call that succeeds at once runs
 * `attempt` and nothing else. `retryAfter` runs the attempts after that first failure under `policy`,
 * which sees the errors as they are (`whenGone`'s among them).
 */
export const answerGoneAfterUnclear = <A, E extends WorkspacesError.WorkspacesError, G>(options: {
  readonly attempt: Effect.Effect<A, E>
  readonly whenGone: (notFound: WorkspacesError.NotFoundResponseError) => Effect.Effect<A, G>
  readonly policy: () => Schedule.Schedule<unknown, E | G>
  readonly retryAfter: <X>(
    first: X,
    once: Effect.Effect<A, X>,
    schedule: () => Schedule.Schedule<unknown, X>
  ) => Effect.Effect<A, X>
}): Effect.Effect<A, E | G> =>
  Effect.catchAll(options.attempt, (first) =>
    Effect.flatMap(Ref.make(isUnclear(first)), (unclearBefore) => {
      const again = Effect.catchAll(options.attempt, (error): Effect.Effect<A, E | G> => {
        const failure: WorkspacesError.WorkspacesError = error
        if (failure._tag === "NotFoundResponseError") {
          return Effect.flatMap(
            Ref.get(unclearBefore),
            (unclear): Effect.Effect<A, E | G> => (unclear ? options.whenGone(failure) : Effect.fail(error))
          )
        }
        return isUnclear(failure)
          ? Effect.zipRight(Ref.set(unclearBefore, true), Effect.fail(error))
          : Effect.fail(error)
      })
      return options.retryAfter<E | G>(first, again, options.policy)
    })
  )
