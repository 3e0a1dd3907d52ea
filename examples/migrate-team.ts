/**
 * Moves the users a CSV lists from one workspace to another with `Workflows.moveMembers` (each is
 * added to `--to` before being removed from `--from`, so nobody is ever in neither), and prints who
 * moved and whom the API refused, with its reason. A refusal is part of the report: the run still
 * exits with 0.
 *
 *   node dist/examples/migrate-team.js [--csv examples/data/team.csv] [--from sandbox] [--to engineering]
 *   node dist/examples/migrate-team.js --live [--yes] --csv team.csv --from staging --to research
 *
 * With `--live` and no `--yes` it reads the explicit members of `--from` and prints who would move.
 * The operator's path is `orw members move --from A --to B --csv team.csv`: the plan before anything
 * is sent, the safety rails, a confirmation.
 */
import { FileSystem } from "@effect/platform"
import { parse } from "csv-parse/sync"
import { Chunk, Console, Effect, Stream } from "effect"
import { Workflows, Workspaces } from "effect-openrouter-workspaces"
import { parseArgs } from "node:util"
import { endDryRun, run, targetOptions } from "./target.js"

const { values } = parseArgs({
  options: {
    ...targetOptions,
    csv: { type: "string", default: "examples/data/team.csv" },
    from: { type: "string", default: "sandbox" },
    to: { type: "string", default: "engineering" }
  }
})
const { csv, from, to } = values

/** The CSV's users by id, each with the row's other cells (an email, a name) to show next to it. */
const readTeam = Effect.gen(function* () {
  const text = yield* (yield* FileSystem.FileSystem).readFileString(csv)
  const rows: Array<Record<string, string>> = parse(text, {
    bom: true,
    columns: true,
    skip_empty_lines: true,
    trim: true
  })
  return new Map(
    rows.map(({ user_id = "", ...others }) => {
      const cells = Object.values(others).filter((cell) => cell !== "")
      return [user_id, cells.length === 0 ? user_id : `${user_id} (${cells.join(", ")})`]
    })
  )
})

run(values, (writes) =>
  Effect.gen(function* () {
    const team = yield* readTeam
    const label = (userId: string) => team.get(userId) ?? userId
    const userIds = Array.from(team.keys())

    if (!writes) {
      const members = yield* Workspaces.Workspaces.pipe(
        Effect.flatMap((workspaces) => Stream.runCollect(workspaces.streamMembers({ id: from }))),
        Effect.map(Chunk.map((member) => member.userId))
      )
      const moving = userIds.filter((userId) => Chunk.contains(members, userId))
      yield* Console.log(`would move ${moving.length} of ${userIds.length} users from ${from} to ${to}:`)
      for (const userId of moving) yield* Console.log(`  + ${label(userId)}`)
      return yield* endDryRun
    }

    yield* Console.log(`moving ${userIds.length} users listed in ${csv} from ${from} to ${to}`)
    const report = yield* Workflows.moveMembers({ from, to, userIds })
    yield* Console.log(`\nmoved ${report.moved.length} of ${userIds.length} users from ${from} to ${to}:`)
    for (const userId of report.moved) yield* Console.log(`  + ${label(userId)}`)
    if (report.failed.length > 0) yield* Console.log(`\ncould not move ${report.failed.length}:`)
    for (const { operation, reason, userId } of report.failed) {
      const left = operation === "add" ? `still only in ${from}` : `now in both ${from} and ${to}`
      yield* Console.log(`  ! ${label(userId)}: ${reason} (${left})`)
    }
    for (const userId of report.notMembers) yield* Console.log(`  ? ${label(userId)}: not a member of ${from}`)
  })
)
