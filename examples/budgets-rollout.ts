/**
 * Sets a monthly and a daily budget on every workspace whose slug starts with a prefix
 * (`streamWorkspaces` + `Workflows.setBudgets`, four workspaces at a time), and reports each one as
 * set, unchanged or failed with the typed error's message.
 *
 *   npx tsx examples/budgets-rollout.ts                              # a fresh emulator, every workspace
 *   npx tsx examples/budgets-rollout.ts --live --prefix team- --monthly 800 --daily 40
 *                                                                    # the organization of OPENROUTER_API_KEY
 *
 * Exits with 1 when a workspace failed, e.g. with a BudgetRuleError when the new monthly budget is
 * not below an existing lifetime budget (`--monthly 30000` on the emulator: data-science has 20000);
 * the other workspaces are still set.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Console, Effect, Either, Stream } from "effect"
import { Workflows, Workspaces } from "../src/index.js"
import { ExampleError, live, runCli, workspacesLayer } from "./target.js"

const describeSteps = (report: Workflows.SetBudgetsReport) =>
  [
    ...report.set.map((step) => `${step.interval} ${step.previous ?? "(none)"} -> ${step.limitUsd}`),
    ...report.unchanged.map((interval) => `${interval} unchanged`)
  ].join(", ")

const command = Command.make(
  "budgets-rollout",
  {
    live,
    prefix: Options.text("prefix").pipe(
      Options.withDefault(""),
      Options.withDescription("the workspaces whose slug starts with this; every workspace by default")
    ),
    monthly: Options.float("monthly").pipe(Options.withDefault(5000), Options.withDescription("monthly limit in USD")),
    daily: Options.float("daily").pipe(Options.withDefault(200), Options.withDescription("daily limit in USD"))
  },
  ({ daily, monthly, prefix }) =>
    Effect.gen(function* () {
      const workspaces = yield* Workspaces.Workspaces
      const targets = yield* workspaces.streamWorkspaces().pipe(
        Stream.filter((workspace) => workspace.slug.startsWith(prefix)),
        Stream.runCollect
      )
      if (targets.length === 0) {
        return yield* new ExampleError({ message: `no workspace slug starts with "${prefix}"` })
      }
      yield* Console.log(`setting monthly ${monthly} and daily ${daily} USD on ${targets.length} workspaces\n`)

      const results = yield* Effect.forEach(
        targets,
        (workspace) =>
          Workflows.setBudgets({ workspace: workspace.slug, budgets: { monthly, daily } }).pipe(
            Effect.either,
            Effect.map((result) => ({ slug: workspace.slug, result }))
          ),
        { concurrency: 4 }
      )

      const width = Math.max(...results.map(({ slug }) => slug.length))
      let failed = 0
      for (const { result, slug } of results) {
        const name = slug.padEnd(width)
        if (Either.isLeft(result)) {
          failed++
          yield* Console.log(`failed     ${name}  ${result.left._tag}: ${result.left.message}`)
        } else if (result.right.set.length === 0) {
          yield* Console.log(`unchanged  ${name}  monthly ${monthly}, daily ${daily}`)
        } else {
          yield* Console.log(`set        ${name}  ${describeSteps(result.right)}`)
        }
      }
      const set = results.filter(({ result }) => Either.isRight(result) && result.right.set.length > 0).length
      yield* Console.log(`\nBudgets: ${set} set, ${results.length - set - failed} unchanged, ${failed} failed.`)
      if (failed > 0) {
        return yield* new ExampleError({ message: `${failed} of ${results.length} workspaces failed` })
      }
    })
).pipe(Command.provide(({ live }) => workspacesLayer(live)))

runCli(command)
