import type * as Schema from "effect/Schema"
import type * as Manifest from "../Manifest.js"
import type { Budgets } from "../Budgets.js"
import { orderViolation } from "./budgets.js"

/** The first index of each value, to name the entry a duplicate repeats. */
export const duplicates = <A>(
  items: ReadonlyArray<A>
): ReadonlyArray<{ readonly index: number; readonly first: number }> => {
  const seen = new Map<A, number>()
  return items.flatMap((item, index) => {
    const first = seen.get(item)
    if (first === undefined) {
      seen.set(item, index)
      return []
    }
    return [{ index, first }]
  })
}

/**
 * The rules that span fields: unique slugs, unique members, budget order. That the default workspace
 * has no `members` depends on the organization (`DefaultWorkspace`): `Plan.make` checks it.
 */
export const manifestRules = (manifest: {
  readonly workspaces: ReadonlyArray<Manifest.WorkspaceEntry>
}): ReadonlyArray<Schema.FilterIssue> => {
  const { workspaces } = manifest
  return [
    ...duplicates(workspaces.map((_) => _.slug)).map(({ first, index }) => ({
      path: ["workspaces", index, "slug"],
      message: `duplicates workspaces[${first}].slug ("${workspaces[index]!.slug}"): each workspace appears once`
    })),
    ...workspaces.flatMap((workspace, index) => {
      const issues: Array<Schema.FilterIssue> = []
      for (const { first, index: member } of duplicates(workspace.members ?? [])) {
        issues.push({
          path: ["workspaces", index, "members", member],
          message: `duplicates members[${first}] ("${workspace.members![member]}")`
        })
      }
      const limits = Object.fromEntries(
        Object.entries(workspace.budgets ?? {}).filter(([, limitUsd]) => typeof limitUsd === "number")
      ) as Budgets
      const violation = orderViolation(limits)
      if (violation !== undefined) {
        issues.push({ path: ["workspaces", index, "budgets", violation.interval], message: violation.rule })
      }
      return issues
    })
  ]
}
