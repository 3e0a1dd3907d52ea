/**
 * Warnings `orw plan` and `orw apply` print before a pruning plan: a workspace the plan creates whose
 * slug is a near miss of one that exists (a typo would create one workspace and, with --prune,
 * delete the other), and a create and a delete that look like a rename.
 */
import type { Plan } from "../../src/index.js"

/** Levenshtein distance, given up on past `max` (only small distances matter here). */
export const editDistance = (a: string, b: string, max = 2): number => {
  if (Math.abs(a.length - b.length) > max) return max + 1
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    if (Math.min(...current) > max) return max + 1
    previous = current
  }
  return previous[b.length]!
}

/** One line per suspicious pair; `existing` are the slugs of the organization's workspaces. */
export const renameWarnings = (plan: Plan.Plan, existing: ReadonlyArray<string>): ReadonlyArray<string> => {
  const created = plan.changes.flatMap((step) => (step._tag === "CreateWorkspace" ? [step] : []))
  const deleted = plan.changes.flatMap((step) => (step._tag === "DeleteWorkspace" ? [step] : []))
  const warnings: Array<string> = []
  for (const create of created) {
    for (const remove of deleted) {
      if (create.name === remove.name || editDistance(create.workspace, remove.workspace) <= 2) {
        warnings.push(
          `warning: the plan creates ${create.workspace} and deletes ${remove.workspace}: if this is a rename, ` +
            `the members, budgets and keys of ${remove.workspace} do not move with it; rename it in the manifest ` +
            `(keep the slug ${remove.workspace}, change its name) or update its slug instead`
        )
      }
    }
    for (const slug of existing) {
      if (
        slug !== create.workspace &&
        editDistance(create.workspace, slug) <= 2 &&
        !deleted.some((d) => d.workspace === slug)
      ) {
        warnings.push(`warning: the plan creates ${create.workspace}, close to the existing ${slug}: is it a typo?`)
      }
    }
  }
  return warnings
}
