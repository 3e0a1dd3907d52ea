/**
 * Sets a monthly and a daily budget on every workspace whose slug starts with a prefix, four at a
 * time, with `Workflows.setBudgets`: it orders the calls so that lifetime > monthly > weekly > daily
 * holds after each one, or fails with `BudgetRuleError` (`--monthly 30000` on the emulator: data-science
 * has a lifetime budget of 20000). Each workspace is reported as set, unchanged or failed; the run
 * exits with 1 when one failed. The default workspace (every member belongs to it) is skipped unless
 * `--include-default`.
 *
 *   node dist/examples/budgets-rollout.js [--prefix team-] [--monthly 5000] [--daily 200] [--include-default]
 *   node dist/examples/budgets-rollout.js --live [--yes] --prefix team- --monthly 800 --daily 40
 *
 * With `--live` and no `--yes` it reads each workspace's budgets (`Budgets.budgetsOf`) and prints what
 * would change. The operator's path is `orw budgets set --prefix team- --monthly 800 --daily 40`: a plan
 * that checks the budget order before anything is sent, and a confirmation.
 */
import { Chunk, Console, Effect, Either, Stream } from "effect"
import { Budgets, Workflows, Workspaces } from "effect-openrouter-workspaces"
import { parseArgs } from "node:util"
import { endDryRun, run, targetOptions } from "./target.js"

const { values } = parseArgs({
  options: {
    ...targetOptions,
    prefix: { type: "string", default: "" },
    monthly: { type: "string", default: "5000" },
    daily: { type: "string", default: "200" },
    "include-default": { type: "boolean", default: false }
  }
})
const budgets = { monthly: Number(values.monthly), daily: Number(values.daily) }

run(values, (writes) =>
  Effect.gen(function* () {
    const workspaces = yield* Workspaces.Workspaces
    const { slug: defaultSlug } = yield* Workflows.DefaultWorkspace
    const matching = yield* Stream.runCollect(
      Stream.filter(workspaces.streamWorkspaces(), ({ slug }) => slug.startsWith(values.prefix))
    )
    const skip = !values["include-default"] && Chunk.some(matching, ({ slug }) => slug === defaultSlug)
    if (skip) yield* Console.log(`skipping ${defaultSlug}: every member belongs to it; --include-default sets them too`)
    const targets = Chunk.toReadonlyArray(matching).filter(({ slug }) => !skip || slug !== defaultSlug)
    yield* Console.log(
      `${writes ? "setting" : "would set"} monthly ${budgets.monthly} and daily ${budgets.daily} USD on ${targets.length} workspaces\n`
    )

    const describe = (steps: ReadonlyArray<{ interval: string; limitUsd: number; previous: number | null }>) =>
      steps.map(({ interval, limitUsd, previous }) => `${interval} ${previous ?? "(none)"} -> ${limitUsd}`).join(", ")
    const changes = (slug: string) =>
      writes
        ? Effect.map(Workflows.setBudgets({ workspace: slug, budgets }), (report) => describe(report.set))
        : Effect.map(workspaces.listBudgets({ id: slug }), ({ data }) => {
            const current = Budgets.budgetsOf(data)
            const intervals = (["monthly", "daily"] as const).filter(
              (interval) => current[interval] !== budgets[interval]
            )
            return describe(intervals.map((i) => ({ interval: i, limitUsd: budgets[i], previous: current[i] ?? null })))
          })
    const results = yield* Effect.forEach(targets, ({ slug }) => Effect.either(changes(slug)), { concurrency: 4 })

    const width = Math.max(...targets.map(({ slug }) => slug.length))
    const count = { set: 0, unchanged: 0, failed: 0 }
    for (const [index, result] of results.entries()) {
      const [outcome, text] = Either.isLeft(result)
        ? (["failed", `${result.left._tag}: ${result.left.message}`] as const)
        : ([result.right === "" ? "unchanged" : "set", result.right] as const)
      count[outcome]++
      const label = outcome === "set" && !writes ? "would set" : outcome
      yield* Console.log(`${label.padEnd(10)} ${targets[index]!.slug.padEnd(width)}  ${text}`.trimEnd())
    }
    const set = writes ? `${count.set} set` : `${count.set} would be set`
    yield* Console.log(`\nBudgets: ${set}, ${count.unchanged} unchanged, ${count.failed} failed.`)
    if (count.failed > 0) return yield* Effect.fail(`${count.failed} of ${results.length} workspaces failed`)
    if (!writes) yield* endDryRun
  })
)
