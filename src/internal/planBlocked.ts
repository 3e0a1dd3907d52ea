import * as Arr from "effect/Array"
import * as Chunk from "effect/Chunk"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { ApiKey, Workspace } from "../Model.js"
import type * as Plan from "../Plan.js"
import type * as WorkspacesService from "../Workspaces.js"

type Change = Plan.Change

// The same constructor as `Plan.Change`'s; `plan.ts`, which defines that one, imports this file.
const { RemoveMembers } = Data.taggedEnum<Change>()

/** How many key names a reason spells out. */
const namedKeys = 5

const keyNames = (keys: ReadonlyArray<ApiKey>) => {
  const names = keys.slice(0, namedKeys).map((key) => `'${key.name}'`)
  return keys.length <= namedKeys ? names.join(", ") : `${names.join(", ")} and ${keys.length - namedKeys} more`
}

const holding = (keys: ReadonlyArray<ApiKey>, where: string) =>
  `holds ${keys.length} active API key${keys.length === 1 ? "" : "s"}${where}: ${keyNames(keys)} — ` +
  `disable or delete ${keys.length === 1 ? "it" : "them"} first`

const blockedBy = (change: Change, keys: ReadonlyArray<ApiKey>, where: string): Plan.BlockedChange => ({
  change,
  reason: holding(keys, where),
  apiKeys: keys.map(({ hash, name }) => ({ hash, name }))
})

/** Whether a step is one the API refuses while the workspace holds active keys (its members', for a removal). */
const keyed = (step: Change): boolean =>
  step._tag === "RemoveMembers" || (step._tag === "DeleteWorkspace" && step.confirmDefaultWorkspaceDeletion !== true)

/**
 * Splits the changes into those the API accepts and those it refuses while active API keys stand in
 * the way: a member who created active keys in a workspace cannot be removed from it, and a
 * workspace with active keys cannot be deleted. Only the workspaces that the changes remove members
 * from or delete are read, `concurrency` at once. The confirmed deletion of the default workspace is
 * never blocked: the API disables its keys.
 */
export const block = (
  service: WorkspacesService.Service,
  changes: ReadonlyArray<Change>,
  existing: ReadonlyMap<string, Workspace>,
  concurrency: number
) =>
  Effect.gen(function* () {
    const slugs = Arr.dedupe(changes.flatMap((step) => (keyed(step) ? [step.workspace] : [])))
    const read = yield* Effect.forEach(
      slugs,
      (slug) => {
        const workspace = existing.get(slug)
        const keys =
          workspace === undefined
            ? Effect.succeed(Chunk.empty<ApiKey>())
            : Stream.runCollect(service.streamApiKeys({ workspaceId: workspace.id }))
        return Effect.map(keys, (keys): readonly [string, ReadonlyArray<ApiKey>] => [
          slug,
          Chunk.toReadonlyArray(keys).filter((key) => !key.disabled)
        ])
      },
      { concurrency }
    )
    const keysOf = new Map(read)
    const blocked: Array<Plan.BlockedChange> = []
    const sent = changes.flatMap((step): ReadonlyArray<Change> => {
      const keys = keyed(step) ? (keysOf.get(step.workspace) ?? []) : []
      if (keys.length === 0) return [step]
      if (step._tag === "DeleteWorkspace") {
        blocked.push(blockedBy(step, keys, ""))
        return []
      }
      if (step._tag !== "RemoveMembers") return [step]
      const byCreator = Arr.groupBy(
        keys.filter((key) => key.creatorUserId !== null),
        (key) => key.creatorUserId!
      )
      const [removable, held] = Arr.partition(step.userIds, (userId) => byCreator[userId] !== undefined)
      for (const userId of held) {
        blocked.push(
          blockedBy(
            RemoveMembers({ workspace: step.workspace, userIds: [userId] }),
            byCreator[userId]!,
            ` in ${step.workspace}`
          )
        )
      }
      return removable.length === 0 ? [] : [RemoveMembers({ workspace: step.workspace, userIds: removable })]
    })
    return { changes: sent, blocked }
  })
