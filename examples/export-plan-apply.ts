/**
 * Desired state as a program: exports the organization with members by email
 * (`Manifest.exportState({ membersAs: "email" })`), edits it in code (a new workspace `research`, or
 * `research-2` when the slug is taken, with five of data-science's members and budgets; sandbox's
 * daily budget halved, its last three members dropped), plans it (`Plan.make`, pruning), prints the
 * plan and the API keys in the way of its blocked changes (`Plan.blocked`), applies it (`Plan.apply`,
 * a line per step) and plans again: left are what the API refused (on the emulator, a SCIM-managed
 * member) and the blocked changes. It exits with 1 when a step failed.
 *
 *   node dist/examples/export-plan-apply.js [--live [--yes]]   # --live without --yes: export, edit, plan
 *
 * The operator's path is `orw export -o org.yaml`, an edit by hand, `orw plan org.yaml -o plan.json` and
 * `orw apply plan.json` (applied only if the organization has not moved since), with the safety rails.
 */
import { Console, Effect, Option, Stream } from "effect"
import { Manifest, Plan, Workflows } from "effect-openrouter-workspaces"
import { parseArgs } from "node:util"
import { endDryRun, run, targetOptions } from "./target.js"

const { values } = parseArgs({ options: targetOptions })

const describeEvent = (event: Plan.ApplyEvent) =>
  Plan.ApplyEvent.$match(event, {
    Started: ({ total }) => `applying ${total} steps`,
    StepDone: ({ index, rejected, step }) =>
      `  ${index + 1}. done     ${step._tag} ${step.workspace}` +
      rejected.map(({ reason, userId }) => `\n       refused ${userId}: ${reason}`).join(""),
    StepFailed: ({ error, index, step }) => `  ${index + 1}. FAILED   ${step._tag} ${step.workspace}: ${error.message}`,
    StepSkipped: ({ index, reason, step }) => `  ${index + 1}. skipped  ${step._tag} ${step.workspace}: ${reason}`,
    Finished: ({ report }) =>
      `applied: ${report.done} done, ${report.failed.length} failed, ${report.skipped.length} skipped, ` +
      `${report.rejected.length} users refused`
  })

/** The manifest with this example's edits, and the slug of its new workspace. */
const edit = (exported: Manifest.Manifest, defaultSlug: string) => {
  const taken = new Set([defaultSlug, ...exported.workspaces.map((entry) => entry.slug)])
  const n = taken.has("research") ? [2, 3, 4, 5, 6, 7, 8, 9].find((n) => !taken.has(`research-${n}`))! : 1
  const dataScience = exported.workspaces.find((entry) => entry.slug === "data-science")?.members ?? []
  const workspaces = exported.workspaces.map((entry): Manifest.WorkspaceEntry => {
    if (entry.slug !== "sandbox") return entry
    const daily = entry.budgets?.daily
    return {
      ...entry,
      ...(typeof daily === "number" ? { budgets: { ...entry.budgets, daily: daily / 2 } } : {}),
      ...(entry.members === undefined ? {} : { members: entry.members.slice(0, -3) })
    }
  })
  const research: Manifest.WorkspaceEntry = {
    slug: n === 1 ? "research" : `research-${n}`,
    name: n === 1 ? "Research" : `Research ${n}`,
    description: "Models under evaluation",
    budgets: { monthly: 800, daily: 40 },
    members: dataScience.slice(0, 5)
  }
  return { manifest: { ...exported, workspaces: [...workspaces, research] }, slug: research.slug }
}

run(values, (writes) =>
  Effect.gen(function* () {
    const exported = yield* Manifest.exportState({ membersAs: "email" })
    const { manifest, slug } = edit(exported, (yield* Workflows.DefaultWorkspace).slug)
    yield* Console.log(`exported ${exported.workspaces.length} workspaces; the edit adds ${slug}, changes sandbox\n`)

    const plan = yield* Plan.make(manifest, { prune: true })
    yield* Console.log(Plan.render(plan))
    const keys = Plan.blocked(plan).flatMap(({ apiKeys }) => apiKeys.map(({ name }) => `'${name}'`))
    if (keys.length > 0) yield* Console.log(`to unblock them, disable or delete the API keys ${keys.join(", ")}\n`)
    if (!writes) return yield* endDryRun

    const last = yield* Plan.apply(plan).pipe(
      Stream.tap((event) => Console.log(describeEvent(event))),
      Stream.runLast
    )
    yield* Console.log("\nplanning again:")
    yield* Console.log(Plan.render(yield* Plan.make(manifest, { prune: true })))
    if (Option.exists(last, (event) => event._tag === "Finished" && event.report.failed.length > 0)) {
      return yield* Effect.fail("some steps of the plan failed")
    }
  })
)
