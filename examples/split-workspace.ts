/**
 * Splits a workspace in two: creates `--into` with the settings and budgets of `--from` but none of its
 * members (`Workflows.cloneWorkspace`), then moves the listed users into it (`Workflows.moveMembers`).
 *
 *   npx tsx examples/split-workspace.ts            # a fresh emulator: engineering -> engineering-platform
 *   npx tsx examples/split-workspace.ts --dry-run  # the same, showing what would be created and who would move
 *   npx tsx examples/split-workspace.ts --live --from engineering --into engineering-platform --users platform.txt
 *                                                  # the organization of OPENROUTER_API_KEY: a dry run
 *   npx tsx examples/split-workspace.ts --live --from engineering --into engineering-platform --users platform.txt --yes
 *                                                  # ... that splits it
 *
 * `--users` is a file with one user id a line (`#` starts a comment) or, when no such file exists, a
 * comma-separated list of ids. Users the API refuses to move are reported; the run still exits with 0.
 *
 * A dry run (`--dry-run`, or `--live` without `--yes`) reads `--from` (its settings, budgets and
 * explicit members) and `--into`, and prints whether `--into` would be created or updated, the
 * budgets it would get, and the users that would move: those listed who are explicit members of
 * `--from`. Nothing is sent.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { FileSystem } from "@effect/platform"
import { Console, Effect, Option } from "effect"
import { Budgets, Workflows, Workspaces } from "../src/index.js"
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

const formatBudgets = (budgets: Budgets.Budgets) =>
  Object.entries(budgets)
    .map(([interval, limitUsd]) => `${interval} ${limitUsd}`)
    .join(", ") || "none"

const command = Command.make(
  "split-workspace",
  {
    ...targetOptions,
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
  ({ from, into, name, users, ...target }) =>
    Effect.gen(function* () {
      const userIds = yield* readUserIds(users)
      const intoName = Option.getOrElse(name, () => titleOf(into))

      if (!writes(target)) {
        const preview = yield* previewMove({ from, to: into, userIds })
        const source = yield* Workspaces.Workspaces.pipe(
          Effect.flatMap((workspaces) => workspaces.listBudgets({ id: preview.from.id }))
        )
        const budgets = Budgets.budgetsOf(source.data)
        yield* Option.match(preview.toWorkspace, {
          onNone: () => Console.log(`would create workspace ${into} (${intoName}) with the settings of ${from}`),
          onSome: (existing) =>
            Console.log(
              `workspace ${into} (${existing.name}) exists: would give it the name ${intoName} and the settings ` +
                `of ${from} where they differ`
            )
        })
        yield* Console.log(`budgets: ${formatBudgets(budgets)} (those of ${from})`)
        yield* printMovePreview(preview, userIds.length)
        return yield* endDryRun(target)
      }

      const clone = yield* Workflows.cloneWorkspace({
        from,
        to: { slug: into, name: intoName },
        members: false,
        budgets: true
      })
      const { outcome, workspace } = clone.workspace
      yield* Console.log(`${outcome} workspace ${workspace.slug} (${workspace.name}) with the settings of ${from}`)
      yield* Console.log(`budgets: ${formatBudgets(clone.budgets?.budgets ?? {})}`)

      const report = yield* Workflows.moveMembers({ from, to: into, userIds })
      yield* printMoveReport(report, userIds.length)
    })
).pipe(Command.provide((config) => workspacesLayer(config)))

runCli(command)
