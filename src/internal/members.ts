import * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { BadRequestResponseError, ForbiddenResponseError } from "../WorkspacesError.js"
import type * as Workspaces from "../Workspaces.js"
import { DefaultWorkspaceError } from "../WorkflowsError.js"
import type { MemberCallError, MemberFailure } from "../Workflows.js"
import { defaultSlug } from "./workspaceSpec.js"

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

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Fails when the workspace is the default one. A slug is checked as is; a UUID costs one `get`,
 * since only the workspace knows its slug.
 */
export const requireExplicitMembership = (service: Workspaces.Service, operation: string, workspace: string) => {
  const refuse = Effect.fail(new DefaultWorkspaceError({ operation, workspace }))
  if (workspace === defaultSlug) return refuse
  if (!uuid.test(workspace)) return Effect.void
  return Effect.flatMap(service.get({ id: workspace }), (found) => (found.slug === defaultSlug ? refuse : Effect.void))
}

/** The user ids of a workspace's explicit members, read in pages of 100. */
export const memberIds = (service: Workspaces.Service, workspace: string) =>
  service
    .streamMembers({ id: workspace, pageSize: batchSize })
    .pipe(Stream.runFold(new Set<string>(), (ids, member) => ids.add(member.userId)))

const namedUserIds = (error: BadRequestResponseError | ForbiddenResponseError): ReadonlySet<string> => {
  const named = error.metadata?.["user_ids"]
  return new Set(Array.isArray(named) ? named.filter((id): id is string => typeof id === "string") : [])
}

/**
 * Sends one bulk add or remove of at most 100 users. The API refuses a whole batch (400 or 403) when
 * some of its users cannot be added or removed (active API keys in the workspace, SCIM-managed
 * members, users outside the organization): those users are reported and the others sent again,
 * found from the error's `metadata.user_ids` when it names them, else by halving the batch.
 *
 * A 400 or 403 that concerns the whole call (a key that may not manage workspaces) has already
 * failed the member read that every workflow starts with, so it never reaches this point.
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
  const send = (ids: ReadonlyArray<string>): Effect.Effect<Settled, MemberCallError> => {
    const refused = (
      error: BadRequestResponseError | ForbiddenResponseError
    ): Effect.Effect<Settled, MemberCallError> => {
      const named = namedUserIds(error)
      const failed = (id: string): MemberFailure => ({ userId: id, operation, reason: error.detail })
      const [rest, offending] = Arr.partition(ids, (id) => named.has(id))
      if (offending.length > 0) {
        const settled = { done: [], failed: offending.map(failed) }
        return rest.length === 0 ? Effect.succeed(settled) : Effect.map(send(rest), (_) => mergeSettled([settled, _]))
      }
      if (ids.length === 1) return Effect.succeed({ done: [], failed: ids.map(failed) })
      const [left, right] = Arr.splitAt(ids, Math.ceil(ids.length / 2))
      return Effect.map(Effect.all([send(left), send(right)]), mergeSettled)
    }
    return call(ids).pipe(
      Effect.as<Settled>({ done: ids, failed: [] }),
      Effect.catchTags({ BadRequestResponseError: refused, ForbiddenResponseError: refused })
    )
  }
  return send(userIds)
}
