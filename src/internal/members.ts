import * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { BadRequestResponseError, ForbiddenResponseError } from "../WorkspacesError.js"
import type * as Workspaces from "../Workspaces.js"
import { DefaultWorkspaceError } from "../WorkflowsError.js"
import type { MemberCallError, MemberFailure } from "../Workflows.js"
import { DefaultWorkspace, isDefault, namesDefault } from "./defaultWorkspace.js"

/** The API takes 1..100 user ids per bulk call. */
export const batchSize = 100

export const batches = <A>(items: ReadonlyArray<A>): ReadonlyArray<ReadonlyArray<A>> => Arr.chunksOf(items, batchSize)

/** What one bulk call settled: the ids it applied to and the ids the API refused, with its reason. */
export interface Settled {
  readonly done: ReadonlyArray<string>
  readonly failed: ReadonlyArray<MemberFailure>
}

export const mergeSettled = (settled: ReadonlyArray<Settled>): Settled => ({
  done: settled.flatMap((_) => _.done),
  failed: settled.flatMap((_) => _.failed)
})

/**
 * Runs the effects, at most `concurrency` at once, until one fails: from then on none more is
 * started, and those in flight are let finish, so that `results` (in the effects' order) is every
 * effect that succeeded and `error` the first failure.
 */
export const settleAll = <A, E, R>(
  effects: ReadonlyArray<Effect.Effect<A, E, R>>,
  concurrency: number
): Effect.Effect<{ readonly results: ReadonlyArray<A>; readonly error: E | undefined }, never, R> =>
  Effect.suspend(() => {
    let error: Option.Option<E> = Option.none()
    return Effect.map(
      Effect.forEach(
        effects,
        (effect) =>
          Effect.suspend(() =>
            Option.isSome(error)
              ? Effect.succeed(Option.none<A>())
              : Effect.match(effect, {
                  onFailure: (failure) => {
                    if (Option.isNone(error)) error = Option.some(failure)
                    return Option.none<A>()
                  },
                  onSuccess: Option.some
                })
          ),
        { concurrency }
      ),
      (settled) => ({ results: Arr.getSomes(settled), error: Option.getOrUndefined(error) })
    )
  })

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Fails when the workspace is the default one (`DefaultWorkspace`). A slug, or the configured UUID,
 * is checked as is; another UUID costs one `get` when no UUID is configured, since only the
 * workspace knows its slug.
 */
export const requireExplicitMembership = (service: Workspaces.Service, operation: string, workspace: string) =>
  Effect.flatMap(DefaultWorkspace, (defaultWorkspace) => {
    const refuse = Effect.fail(new DefaultWorkspaceError({ operation, workspace }))
    if (namesDefault(defaultWorkspace, workspace)) return refuse
    if (!uuid.test(workspace) || defaultWorkspace.id !== undefined) return Effect.void
    return Effect.flatMap(service.get({ id: workspace }), (found) =>
      isDefault(defaultWorkspace, found) ? refuse : Effect.void
    )
  })

/**
 * The user ids of a workspace's explicit members, read in pages of 100 with at most `concurrency`
 * pages in flight (the stream's default when omitted).
 */
export const memberIds = (service: Workspaces.Service, workspace: string, concurrency?: number) =>
  service
    .streamMembers({ id: workspace, pageSize: batchSize, ...(concurrency === undefined ? {} : { concurrency }) })
    .pipe(Stream.runFold(new Set<string>(), (ids, member) => ids.add(member.userId)))

const namedUserIds = (error: BadRequestResponseError | ForbiddenResponseError): ReadonlySet<string> => {
  const named = error.metadata?.["user_ids"]
  return new Set(Array.isArray(named) ? named.filter((id): id is string => typeof id === "string") : [])
}

type Refusal = BadRequestResponseError | ForbiddenResponseError

/** A refusal that names none of the batch's users and gives no reason for the whole call. */
interface Unnamed {
  readonly _tag: "Unnamed"
  readonly error: Refusal
}

const isUnnamed = (outcome: Settled | Unnamed): outcome is Unnamed => "_tag" in outcome

/**
 * Sends one bulk add or remove of at most 100 users. The API refuses a whole batch (400 or 403) when
 * some of its users cannot be added or removed (active API keys in the workspace, SCIM-managed
 * members, users outside the organization): those users are reported and the others sent again.
 *
 * - A refusal that names users (`metadata.user_ids`) reports them; the rest of the batch is sent again.
 * - A refusal that names nobody but states a reason for the whole call (`metadata.reason`, e.g.
 *   `default_workspace`) reports every user of the batch with its message; nothing more is sent.
 * - A refusal that names nobody and gives no reason is narrowed down by halving the batch. When both
 *   halves are refused again without naming anyone, the refusal is taken to concern them all: both
 *   halves are reported with its message and nothing more is sent. A batch costs at most about
 *   2·log2(n) + 1 calls, and a refusal of the whole call 3; the price is that users of a batch with
 *   refused users in both halves may be reported though the API would have taken them (a later run
 *   sends them again).
 */
export const settleBatch = (
  service: Workspaces.Service,
  workspace: string,
  operation: MemberFailure["operation"],
  userIds: ReadonlyArray<string>
) => {
  const call = (ids: ReadonlyArray<string>) =>
    operation === "add"
      ? Effect.asVoid(service.bulkAddMembers({ id: workspace, userIds: ids }))
      : Effect.asVoid(service.bulkRemoveMembers({ id: workspace, userIds: ids }))
  const failedAll = (ids: ReadonlyArray<string>, error: Refusal): Settled => ({
    done: [],
    failed: ids.map((id) => ({ userId: id, operation, reason: error.detail }))
  })
  /** Sends the ids once; a refusal that names nobody and gives no reason is returned as `Unnamed`. */
  const attempt = (ids: ReadonlyArray<string>): Effect.Effect<Settled | Unnamed, MemberCallError> => {
    const refused = (error: Refusal): Effect.Effect<Settled | Unnamed, MemberCallError> => {
      const named = namedUserIds(error)
      const [rest, offending] = Arr.partition(ids, (id) => named.has(id))
      if (offending.length > 0) {
        const settled = failedAll(offending, error)
        return rest.length === 0 ? Effect.succeed(settled) : Effect.map(send(rest), (_) => mergeSettled([settled, _]))
      }
      if ((named.size === 0 && typeof error.metadata?.["reason"] === "string") || ids.length === 1) {
        return Effect.succeed(failedAll(ids, error))
      }
      return Effect.succeed<Unnamed>({ _tag: "Unnamed", error })
    }
    return call(ids).pipe(
      Effect.as<Settled | Unnamed>({ done: ids, failed: [] }),
      Effect.catchTags({ BadRequestResponseError: refused, ForbiddenResponseError: refused })
    )
  }
  /** Narrows down ids the API refused without naming anyone or giving a reason. */
  const narrow = (ids: ReadonlyArray<string>): Effect.Effect<Settled, MemberCallError> => {
    const halves = Arr.splitAt(ids, Math.ceil(ids.length / 2))
    return Effect.flatMap(Effect.all([attempt(halves[0]), attempt(halves[1])]), ([left, right]) =>
      isUnnamed(left) && isUnnamed(right)
        ? Effect.succeed(mergeSettled([failedAll(halves[0], left.error), failedAll(halves[1], right.error)]))
        : Effect.map(
            Effect.all(
              [left, right].map((outcome, i) => (isUnnamed(outcome) ? narrow(halves[i]!) : Effect.succeed(outcome)))
            ),
            mergeSettled
          )
    )
  }
  const send = (ids: ReadonlyArray<string>): Effect.Effect<Settled, MemberCallError> =>
    Effect.flatMap(attempt(ids), (outcome) => (isUnnamed(outcome) ? narrow(ids) : Effect.succeed(outcome)))
  return send(userIds)
}
