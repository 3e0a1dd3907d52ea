/**
 * Moves the users listed in a CSV file from one workspace to another (`Workflows.moveMembers`), and
 * prints who moved and who could not, with the API's reason.
 *
 *   npx tsx examples/migrate-team.ts                      # a fresh emulator: sandbox -> engineering
 *   npx tsx examples/migrate-team.ts --dry-run            # the same, showing who would move; no write
 *   npx tsx examples/migrate-team.ts --live --csv team.csv --from staging --to research
 *                                                         # the organization of OPENROUTER_API_KEY: a dry run
 *   npx tsx examples/migrate-team.ts --live --csv team.csv --from staging --to research --yes
 *                                                         # ... that moves them
 *
 * A dry run (`--dry-run`, or `--live` without `--yes`) reads `--from`, `--to` and the explicit members
 * of `--from` (`streamMembers`) and prints the users that would move: those listed who are explicit
 * members of `--from`. It cannot tell which of them the API would refuse.
 *
 * The CSV has a header row with a `user_id` column (other columns, such as `email`, are shown next to
 * the id). No CSV library is installed, so it is read by splitting lines on commas: no quoted fields.
 *
 * A user the API refuses (SCIM-managed, active API keys in `--from`) is reported and the run still
 * exits with 0: the report is the result.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { FileSystem } from "@effect/platform"
import { Console, Effect, Option } from "effect"
import { Workflows } from "../src/index.js"
import {
  endDryRun,
  ExampleError,
  previewMove,
  printMovePreview,
  printMoveReport,
  runCli,
  targetOptions,
  workspacesLayer,
  writes
} from "./target.js"

interface TeamMember {
  readonly userId: string
  readonly label: string
}

const readTeam = (file: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(file)
    const [header, ...rows] = text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== "")
      .map((line) => line.split(",").map((cell) => cell.trim()))
    const column = header?.indexOf("user_id") ?? -1
    if (header === undefined || column === -1) {
      return yield* new ExampleError({ message: `${file}: the header row has no user_id column` })
    }
    return rows.flatMap((cells): Array<TeamMember> => {
      const userId = cells[column] ?? ""
      const others = cells.filter((cell, index) => index !== column && cell !== "")
      return userId === "" ? [] : [{ userId, label: others.length === 0 ? userId : `${userId} (${others.join(", ")})` }]
    })
  })

const command = Command.make(
  "migrate-team",
  {
    ...targetOptions,
    csv: Options.file("csv", { exists: "yes" }).pipe(
      Options.withDefault("examples/data/team.csv"),
      Options.withDescription("CSV file with a user_id column: the users to move")
    ),
    from: Options.text("from").pipe(
      Options.withDefault("sandbox"),
      Options.withDescription("slug or id of the workspace they leave")
    ),
    to: Options.text("to").pipe(
      Options.withDefault("engineering"),
      Options.withDescription("slug or id of the workspace they join")
    )
  },
  ({ csv, from, to, ...target }) =>
    Effect.gen(function* () {
      const team = yield* readTeam(csv)
      const labels = new Map(team.map((member) => [member.userId, member.label]))
      const label = (userId: string) => labels.get(userId) ?? userId
      const userIds = team.map((member) => member.userId)

      if (!writes(target)) {
        yield* Console.log(`${team.length} users listed in ${csv} to move from ${from} to ${to}`)
        const preview = yield* previewMove({ from, to, userIds })
        if (Option.isNone(preview.toWorkspace)) {
          return yield* new ExampleError({ message: `--to ${to}: no such workspace` })
        }
        yield* printMovePreview(preview, team.length, label)
        return yield* endDryRun(target)
      }

      yield* Console.log(`moving ${team.length} users listed in ${csv} from ${from} to ${to}`)
      const report = yield* Workflows.moveMembers({ from, to, userIds })
      yield* printMoveReport(report, team.length, label)
    })
).pipe(Command.provide((config) => workspacesLayer(config)))

runCli(command)
