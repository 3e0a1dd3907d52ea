/**
 * Sets a monthly and a daily budget on every workspace whose slug starts with a prefix
 * (`streamWorkspaces` + `Workflows.setBudgets`, four workspaces at a time), and reports each one as
 * set, unchanged or failed with the typed error's message.
 *
 *   npx tsx examples/budgets-rollout.ts                              # a fresh emulator, every workspace
 *   npx tsx examples/budgets-rollout.ts --dry-run                    # the same, showing the changes; no write
 *   npx tsx examples/budgets-rollout.ts --live --prefix team- --monthly 800 --daily 40
 *                                                                    # the organization of OPENROUTER_API_KEY:
 *                                                                    # a dry run
 *   npx tsx examples/budgets-rollout.ts --live --prefix team- --monthly 800 --daily 40 --yes
 *                                                                    # ... that sets them
 *
 * The default workspace is skipped unless `--include-default` is given: every member of the
 * organization belongs to it, so its budgets bear on the organization's existing setup. It is the
 * workspace with slug `default` unless `--default-workspace <slug>` (or OPENROUTER_DEFAULT_WORKSPACE)
 * names another: on a real organization, give the slug of the workspace named Default.
 *
 * A dry run (`--dry-run`, or `--live` without `--yes`) prints, per workspace, the budget calls
 * `setBudgets` would send: it plans a manifest that states only those budgets (`Plan.make`
 * reads the workspaces and their budgets, orders the calls and checks the rule as `setBudgets` does)
 * and sends nothing.
 *
 * Exits with 1 when a workspace failed (or would fail), e.g. with a BudgetRuleError when the new
 * monthly budget is not below an existing lifetime budget (`--monthly 30000` on the emulator:
 * data-science has 20000); the other workspaces are still set.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Console, Effect, Either, Stream } from "effect"
import { type Budgets, type Manifest, Model, Plan, Workflows, Workspaces } from "../src/index.js"
import { endDryRun, ExampleError, runCli, targetOptions, workspacesLayer, writes } from "./target.js"

/** What was (or would be) sent for one workspace: the PUTs in order, and the intervals left as they were. */
interface Outcome {
  readonly set: ReadonlyArray<{
    readonly interval: Model.BudgetInterval
    readonly limitUsd: number
    readonly previous: number | null
  }>
  readonly unchanged: ReadonlyArray<Model.BudgetInterval>
}

const describeSteps = (outcome: Outcome) =>
  [
    ...outcome.set.map((step) => `${step.interval} ${step.previous ?? "(none)"} -> ${step.limitUsd}`),
    ...outcome.unchanged.map((interval) => `${interval} unchanged`)
  ].join(", ")

/**
 * What `setBudgets` would send to each workspace, read without a write: the plan of a manifest that
 * lists the workspaces with only these budgets (no prune: their other budgets, settings and members
 * are left alone). A workspace whose budgets would break the rule fails the whole plan, so then each
 * one is planned alone to tell which; limits that break the rule by themselves fail the run.
 */
const previewBudgets = (targets: ReadonlyArray<Model.Workspace>, budgets: Budgets.Budgets) => {
  const manifestOf = (workspaces: ReadonlyArray<Model.Workspace>): Manifest.Manifest => ({
    workspaces: workspaces.map(({ name, slug }) => ({ slug, name, budgets }))
  })
  const outcomeOf = (plan: Plan.Plan, slug: string): Outcome => {
    const set = plan.changes.filter(Plan.Change.$is("SetBudget")).filter((change) => change.workspace === slug)
    const touched = new Set(set.map((change) => change.interval))
    return {
      set,
      unchanged: Model.budgetIntervals.filter((interval) => budgets[interval] !== undefined && !touched.has(interval))
    }
  }
  const each = Effect.forEach(
    targets,
    (workspace) =>
      Plan.make(manifestOf([workspace])).pipe(
        Effect.map((plan) => outcomeOf(plan, workspace.slug)),
        Effect.either,
        Effect.map((result) => ({ slug: workspace.slug, result }))
      ),
    { concurrency: 4 }
  )
  return Plan.make(manifestOf(targets)).pipe(
    Effect.map((plan) =>
      targets.map((workspace) => ({
        slug: workspace.slug,
        result: Either.right(outcomeOf(plan, workspace.slug)) as Either.Either<Outcome, Plan.PlanError>
      }))
    ),
    Effect.catchTags({
      BudgetRuleError: () => each,
      // the limits break a rule by themselves (e.g. daily not below monthly): for every workspace alike
      ManifestError: (error) => {
        const rules = new Set(error.issues.map(({ rule }) => rule))
        return Effect.fail(new ExampleError({ message: `cannot plan these budgets: ${Array.from(rules).join("; ")}` }))
      }
    })
  )
}

const command = Command.make(
  "budgets-rollout",
  {
    ...targetOptions,
    prefix: Options.text("prefix").pipe(
      Options.withDefault(""),
      Options.withDescription("the workspaces whose slug starts with this; every workspace by default")
    ),
    monthly: Options.float("monthly").pipe(Options.withDefault(5000), Options.withDescription("monthly limit in USD")),
    daily: Options.float("daily").pipe(Options.withDefault(200), Options.withDescription("daily limit in USD")),
    includeDefault: Options.boolean("include-default").pipe(
      Options.withDescription("also set the default workspace's budgets (it is skipped otherwise)")
    )
  },
  ({ daily, includeDefault, monthly, prefix, ...target }) =>
    Effect.gen(function* () {
      const workspaces = yield* Workspaces.Workspaces
      const matching = yield* workspaces.streamWorkspaces().pipe(
        Stream.filter((workspace) => workspace.slug.startsWith(prefix)),
        Stream.runCollect,
        Effect.map((chunk) => Array.from(chunk))
      )
      const { slug: defaultSlug } = yield* Workflows.DefaultWorkspace
      const skipDefault = !includeDefault && matching.some((workspace) => workspace.slug === defaultSlug)
      const targets = matching.filter((workspace) => !skipDefault || workspace.slug !== defaultSlug)
      if (skipDefault) {
        yield* Console.log(
          `skipping ${defaultSlug}: every member of the organization belongs to the default workspace, so its ` +
            "budgets bear on the organization's existing setup; --include-default sets them too"
        )
      }
      if (targets.length === 0) {
        return yield* new ExampleError({
          message: skipDefault
            ? `only the default workspace's slug starts with "${prefix}" (--include-default to set it)`
            : `no workspace slug starts with "${prefix}"`
        })
      }
      const budgets = { monthly, daily }
      const write = writes(target)
      yield* Console.log(
        `${write ? "setting" : "would set"} monthly ${monthly} and daily ${daily} USD on ${targets.length} workspaces\n`
      )

      const results: ReadonlyArray<{
        readonly slug: string
        readonly result: Either.Either<Outcome, Workflows.SetBudgetsError | Plan.PlanError>
      }> = write
        ? yield* Effect.forEach(
            targets,
            (workspace) =>
              Workflows.setBudgets({ workspace: workspace.slug, budgets }).pipe(
                Effect.map((report): Outcome => report),
                Effect.either,
                Effect.map((result) => ({ slug: workspace.slug, result }))
              ),
            { concurrency: 4 }
          )
        : yield* previewBudgets(targets, budgets)

      const width = Math.max(...results.map(({ slug }) => slug.length))
      const [setLabel, failedLabel] = write ? ["set", "failed"] : ["would set", "would fail"]
      const column = Math.max(setLabel.length, failedLabel.length, "unchanged".length) + 2
      let failed = 0
      for (const { result, slug } of results) {
        const name = slug.padEnd(width)
        if (Either.isLeft(result)) {
          failed++
          yield* Console.log(`${failedLabel.padEnd(column)}${name}  ${result.left._tag}: ${result.left.message}`)
        } else if (result.right.set.length === 0) {
          yield* Console.log(`${"unchanged".padEnd(column)}${name}  monthly ${monthly}, daily ${daily}`)
        } else {
          yield* Console.log(`${setLabel.padEnd(column)}${name}  ${describeSteps(result.right)}`)
        }
      }
      const set = results.filter(({ result }) => Either.isRight(result) && result.right.set.length > 0).length
      const unchanged = results.length - set - failed
      if (write) {
        yield* Console.log(`\nBudgets: ${set} set, ${unchanged} unchanged, ${failed} failed.`)
      } else {
        yield* Console.log(`\nBudgets: ${set} would be set, ${unchanged} unchanged, ${failed} would fail.`)
      }
      if (failed > 0) {
        return yield* new ExampleError({
          message: `${failed} of ${results.length} workspaces ${write ? "failed" : "would fail"}`
        })
      }
      if (!write) yield* endDryRun(target)
    })
).pipe(Command.provide((config) => workspacesLayer(config)))

runCli(command)
