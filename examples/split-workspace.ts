/**
 * Splits a workspace in two: `Workflows.cloneWorkspace` creates `--into` (or brings it up to date)
 * with the settings and budgets of `--from` but none of its members, then `Workflows.moveMembers`
 * moves the listed users into it, each added before being removed. Users the API refuses to move are
 * reported; the run still exits with 0.
 *
 *   node dist/examples/split-workspace.js [--from engineering] [--into engineering-platform] [--users file-or-ids]
 *   node dist/examples/split-workspace.js --live [--yes] --from engineering --into engineering-platform --users platform.txt
 *
 * `--users` is a file with one user id a line (`#` starts a comment) or a comma-separated list of ids.
 * With `--live` and no `--yes` it reads `--from`'s budgets and prints what it would create. The
 * operator's path is a manifest with the new workspace, and `orw plan` / `orw apply`.
 */
import { FileSystem } from "@effect/platform"
import { Console, Effect } from "effect"
import { Budgets, Workflows, Workspaces } from "effect-openrouter-workspaces"
import { parseArgs } from "node:util"
import { endDryRun, run, targetOptions } from "./target.js"

const { values } = parseArgs({
  options: {
    ...targetOptions,
    from: { type: "string", default: "engineering" },
    into: { type: "string", default: "engineering-platform" },
    users: { type: "string", default: "examples/data/platform-users.txt" }
  }
})
const { from, into, users } = values
const name = into.replace(/(^|-)(\w)/g, (_, dash: string, letter: string) => `${dash && " "}${letter.toUpperCase()}`)

const readUserIds = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const lines = (yield* fs.exists(users)) ? (yield* fs.readFileString(users)).split("\n") : users.split(",")
  return lines.map((line) => line.replace(/#.*/, "").trim()).filter((id) => id !== "")
})

const describeBudgets = (budgets: Budgets.Budgets) =>
  Object.entries(budgets)
    .map(([interval, limitUsd]) => `${interval} ${limitUsd}`)
    .join(", ") || "none"

run(values, (writes) =>
  Effect.gen(function* () {
    const userIds = yield* readUserIds
    if (!writes) {
      const { data } = yield* Effect.flatMap(Workspaces.Workspaces, (workspaces) =>
        workspaces.listBudgets({ id: from })
      )
      yield* Console.log(`would create workspace ${into} (${name}), or update it, with the settings of ${from}`)
      yield* Console.log(`budgets: ${describeBudgets(Budgets.budgetsOf(data))}`)
      yield* Console.log(`would move ${userIds.length} users from ${from} to ${into}: ${userIds.join(", ")}`)
      return yield* endDryRun
    }

    const clone = yield* Workflows.cloneWorkspace({ from, to: { slug: into, name }, members: false, budgets: true })
    const { outcome, workspace } = clone.workspace
    yield* Console.log(`${outcome} workspace ${workspace.slug} (${workspace.name}) with the settings of ${from}`)
    yield* Console.log(`budgets: ${describeBudgets(clone.budgets?.budgets ?? {})}`)

    const report = yield* Workflows.moveMembers({ from, to: into, userIds })
    yield* Console.log(`moved ${report.moved.length} of ${userIds.length} users from ${from} to ${into}:`)
    for (const userId of report.moved) yield* Console.log(`  + ${userId}`)
    if (report.failed.length > 0) yield* Console.log(`could not move ${report.failed.length}:`)
    for (const { reason, userId } of report.failed) yield* Console.log(`  ! ${userId}: ${reason}`)
    for (const userId of report.notMembers) yield* Console.log(`  ? ${userId}: not a member of ${from}`)
  })
)
