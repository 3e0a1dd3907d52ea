/**
 * Splits a workspace in two: creates `--into` with the settings and budgets of `--from` but none of its
 * members (`Workflows.cloneWorkspace`), then moves the listed users into it (`Workflows.moveMembers`).
 *
 *   npx tsx examples/split-workspace.ts          # a fresh emulator: engineering -> engineering-platform
 *   npx tsx examples/split-workspace.ts --live --from engineering --into engineering-platform --users platform.txt
 *                                                # the organization of OPENROUTER_API_KEY
 *
 * `--users` is a file with one user id a line (`#` starts a comment) or, when no such file exists, a
 * comma-separated list of ids. Users the API refuses to move are reported; the run still exits with 0.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { FileSystem } from "@effect/platform"
import { Console, Effect, Option } from "effect"
import { Workflows } from "../src/index.js"
import { ExampleError, live, printMoveReport, runCli, workspacesLayer } from "./target.js"

const readUserIds = (users: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const isFile = yield* fs.exists(users)
    const ids = isFile
      ? (yield* fs.readFileString(users)).split(/\r?\n/).map((line) => line.replace(/#.*/, "").trim())
      : users.split(",").map((id) => id.trim())
    const userIds = ids.filter((id) => id !== "")
    if (userIds.length === 0) return yield* new ExampleError({ message: `--users ${users}: no user ids` })
    return userIds
  })

const titleOf = (slug: string) =>
  slug
    .split("-")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(" ")

const formatBudgets = (budgets: Workflows.Budgets) =>
  Object.entries(budgets)
    .map(([interval, limitUsd]) => `${interval} ${limitUsd}`)
    .join(", ") || "none"

const command = Command.make(
  "split-workspace",
  {
    live,
    from: Options.text("from").pipe(
      Options.withDefault("engineering"),
      Options.withDescription("slug or id of the workspace to split")
    ),
    into: Options.text("into").pipe(
      Options.withDefault("engineering-platform"),
      Options.withDescription("slug of the new workspace")
    ),
    name: Options.text("name").pipe(
      Options.optional,
      Options.withDescription("name of the new workspace; by default its slug in title case")
    ),
    users: Options.text("users").pipe(
      Options.withDefault("examples/data/platform-users.txt"),
      Options.withDescription("the users who move: a file with one user id a line, or a comma-separated list")
    )
  },
  ({ from, into, name, users }) =>
    Effect.gen(function* () {
      const userIds = yield* readUserIds(users)
      const clone = yield* Workflows.cloneWorkspace({
        from,
        to: { slug: into, name: Option.getOrElse(name, () => titleOf(into)) },
        members: false,
        budgets: true
      })
      const { outcome, workspace } = clone.workspace
      yield* Console.log(`${outcome} workspace ${workspace.slug} (${workspace.name}) with the settings of ${from}`)
      yield* Console.log(`budgets: ${formatBudgets(clone.budgets?.budgets ?? {})}`)

      const report = yield* Workflows.moveMembers({ from, to: into, userIds })
      yield* printMoveReport(report, userIds.length)
    })
).pipe(Command.provide(({ live }) => workspacesLayer(live)))

runCli(command)
