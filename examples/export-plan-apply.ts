/**
 * Desired state end to end: exports the organization to a YAML manifest (`Manifest.exportState`),
 * changes it in code (adds a `research` workspace with five data-science members and budgets, halves
 * sandbox's daily budget, drops sandbox's first three members), writes the changed manifest next to
 * the export, reads it back (`Manifest.readFile`), prints the plan (`Plan.render`), applies it
 * (`Plan.apply`, one line per progress event), then plans again and shows that nothing is left.
 *
 *   npx tsx examples/export-plan-apply.ts                               # a fresh emulator; files in a new temp dir
 *   npx tsx examples/export-plan-apply.ts --dry-run                     # the same up to the plan; no write
 *   npx tsx examples/export-plan-apply.ts --live --out org.yaml         # the organization of OPENROUTER_API_KEY:
 *                                                                       # export, edit and plan only
 *   npx tsx examples/export-plan-apply.ts --live --out org.yaml --yes   # ... and apply the plan
 *
 * A dry run (`--dry-run`, or `--live` without `--yes`) exports, writes both manifest files and prints
 * the plan, then stops: nothing is applied, no write is sent to the API.
 *
 * The new workspace never replaces one the organization has: when `research` is taken (the export
 * lists it, or it is the default workspace) the example picks the first free slug of `research-2`,
 * `research-3`, ... and says so, and leaves the existing one as it was exported.
 *
 * The plan prunes (workspaces and members missing from the manifest are removed), so with --live a
 * member added between the export and the plan would be removed too: read the plan of a dry run
 * first. A step that fails makes the run exit with 1.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { FileSystem, Path } from "@effect/platform"
import { Console, Effect, Option, Stream } from "effect"
import { Manifest, Plan, Workflows } from "../src/index.js"
import { endDryRun, ExampleError, runCli, targetOptions, workspacesLayer, writes } from "./target.js"

const describeStep = Plan.Change.$match({
  CreateWorkspace: ({ name, workspace }) => `create workspace ${workspace} (${name})`,
  UpdateWorkspace: ({ changes, workspace }) => `update ${workspace}: ${changes.map(({ field }) => field).join(", ")}`,
  DeleteWorkspace: ({ workspace }) => `delete workspace ${workspace}`,
  AddMembers: ({ userIds, workspace }) => `add ${userIds.length} members to ${workspace}`,
  RemoveMembers: ({ userIds, workspace }) => `remove ${userIds.length} members from ${workspace}`,
  SetBudget: ({ interval, limitUsd, previous, workspace }) =>
    `set ${workspace} ${interval} budget ${previous ?? "(none)"} -> ${limitUsd}`,
  DeleteBudget: ({ interval, previous, workspace }) => `delete ${workspace} ${interval} budget (was ${previous})`
})

const describeEvent = Plan.ApplyEvent.$match({
  Started: ({ total }) => `applying ${total} steps`,
  StepDone: ({ index, rejected, step, total }) =>
    `  step ${index + 1}/${total} done     ${describeStep(step)}` +
    rejected.map(({ reason, userId }) => `\n      refused ${userId}: ${reason}`).join(""),
  StepFailed: ({ error, index, step, total }) =>
    `  step ${index + 1}/${total} FAILED   ${describeStep(step)}: ${error._tag}: ${error.message}`,
  StepSkipped: ({ index, reason, step, total }) =>
    `  step ${index + 1}/${total} skipped  ${describeStep(step)}: ${reason}`,
  Finished: ({ report }) =>
    `applied: ${report.done} done, ${report.failed.length} failed, ${report.skipped.length} skipped, ` +
    `${report.rejected.length} users refused`
})

/**
 * The first of `research`, `research-2`, `research-3`, ... that is not `taken`, with its name.
 */
const freeSlug = (taken: ReadonlySet<string>) => {
  for (let n = 1; ; n++) {
    const slug = n === 1 ? "research" : `research-${n}`
    if (!taken.has(slug)) return { slug, name: n === 1 ? "Research" : `Research ${n}` }
  }
}

/**
 * The edits this example makes, and a line for each. The new workspace gets a slug the organization
 * does not have (`defaultSlug`, the default workspace's, is taken too): an existing workspace is
 * never dropped from the manifest, so the pruning plan never deletes or rebuilds one.
 */
const edit = (manifest: Manifest.Manifest, defaultSlug: string) => {
  const notes: Array<string> = []
  const membersOf = (slug: string) => manifest.workspaces.find((entry) => entry.slug === slug)?.members ?? []
  const workspaces = manifest.workspaces.map((entry): Manifest.WorkspaceEntry => {
    if (entry.slug !== "sandbox") return entry
    const daily = entry.budgets?.daily
    const members = entry.members ?? []
    if (typeof daily === "number") notes.push(`~ sandbox: daily budget ${daily} -> ${daily / 2}`)
    if (members.length > 0) notes.push(`- sandbox: members ${members.slice(0, 3).join(", ")}`)
    return {
      ...entry,
      ...(typeof daily === "number" ? { budgets: { ...entry.budgets, daily: daily / 2 } } : {}),
      ...(entry.members === undefined ? {} : { members: members.slice(3) })
    }
  })
  const { name, slug } = freeSlug(new Set([defaultSlug, ...manifest.workspaces.map((entry) => entry.slug)]))
  const researchMembers = membersOf("data-science").slice(0, 5)
  if (slug !== "research") {
    notes.push(`  (the organization already has a workspace research, left as it is: the new one is ${slug})`)
  }
  notes.push(`+ ${slug}: monthly 800, daily 40, members ${researchMembers.join(", ") || "(none)"}`)
  const research: Manifest.WorkspaceEntry = {
    slug,
    name,
    description: "Models under evaluation",
    budgets: { monthly: 800, daily: 40 },
    members: researchMembers
  }
  return { manifest: { ...manifest, workspaces: [...workspaces, research] }, notes }
}

const command = Command.make(
  "export-plan-apply",
  {
    ...targetOptions,
    out: Options.file("out").pipe(
      Options.optional,
      Options.withDescription(
        "where to write the export (YAML, or JSON for .json); the changed manifest goes next to it"
      )
    )
  },
  ({ out, ...target }) =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const exportFile = Option.isSome(out)
        ? out.value
        : path.join(yield* fs.makeTempDirectory({ prefix: "workspaces-" }), "org.yaml")
      const parsed = path.parse(exportFile)
      const changedFile = path.join(parsed.dir, `${parsed.name}.changed${parsed.ext || ".yaml"}`)

      const exported = yield* Manifest.exportState()
      yield* fs.writeFileString(exportFile, yield* Manifest.stringify(exported, exportFile))
      yield* Console.log(`exported ${exported.workspaces.length} workspaces to ${exportFile}`)

      const changed = edit(exported, (yield* Workflows.DefaultWorkspace).slug)
      yield* fs.writeFileString(changedFile, yield* Manifest.stringify(changed.manifest, changedFile))
      yield* Console.log(
        `wrote the changed manifest to ${changedFile}:\n${changed.notes.map((_) => `  ${_}`).join("\n")}\n`
      )

      const manifest = yield* Manifest.readFile(changedFile)
      const plan = yield* Plan.make(manifest, { prune: true })
      yield* Console.log(Plan.render(plan))
      if (!writes(target)) {
        return yield* endDryRun(target, "the plan was not applied, nothing was sent")
      }

      const finished = yield* Plan.apply(plan).pipe(
        Stream.tap((event) => Console.log(describeEvent(event))),
        Stream.filter(Plan.ApplyEvent.$is("Finished")),
        Stream.runLast
      )

      yield* Console.log("\nplanning again:")
      yield* Console.log(Plan.render(yield* Plan.make(manifest, { prune: true })))

      const failed = Option.match(finished, { onNone: () => 0, onSome: ({ report }) => report.failed.length })
      if (failed > 0) return yield* new ExampleError({ message: `${failed} steps of the plan failed` })
    })
).pipe(Command.provide((config) => workspacesLayer(config)))

runCli(command)
