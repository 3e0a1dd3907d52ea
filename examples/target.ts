/**
 * What every example shares: the `--live`, `--dry-run`, `--yes` and `--default-workspace` flags, the
 * layer of a run (`Workspaces` and `Workflows.DefaultWorkspace`), `runCli`, and the reports of a
 * move and of its preview.
 *
 * Without `--live` an example runs against a fresh emulator seeded with `Emulator.builtinSeed()`
 * (on 127.0.0.1, a free port, stopped when the example ends); OPENROUTER_API_KEY is then ignored.
 * With `--live` it runs against the organization of the management key in OPENROUTER_API_KEY, at
 * OPENROUTER_BASE_URL (default https://openrouter.ai/api/v1).
 *
 * Writes are sent only when a run says so:
 * - `--dry-run`: the example reads what it needs and prints what it would change; no write is sent;
 * - `--live` without `--yes` is a dry run too, ending with a line that says to re-run with `--yes`;
 * - against the emulator, a run writes unless given `--dry-run` (it is a fresh copy, dropped at the end).
 * In a dry run the `Workspaces` service refuses every write operation (the run dies), so an example
 * that forgot to check cannot send one.
 *
 * `--default-workspace <slug>` (or OPENROUTER_DEFAULT_WORKSPACE; `default` otherwise) names the
 * organization's default workspace, the one every member belongs to: the workflows refuse to move
 * members in or out of it and budgets-rollout skips it. On OpenRouter it is the workspace named
 * Default; give its slug when it is not `default`.
 *
 * Not an example itself: the others import it.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import { FetchHttpClient, type HttpClient } from "@effect/platform"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Cause, Config, type ConfigError, Console, Data, Effect, Layer, Option, Redacted, Stream } from "effect"
import { Emulator } from "../emulator/index.js"
import { version } from "../src/internal/version.js"
import { type Model, Workflows, WorkflowsError, Workspaces, type WorkspacesError } from "../src/index.js"

/**
 * A failure an example reports as one line, without a stack trace.
 */
export class ExampleError extends Data.TaggedError("ExampleError")<{ readonly message: string }> {}

export const live = Options.boolean("live").pipe(
  Options.withDescription(
    "run against the organization of OPENROUTER_API_KEY (a management key) at OPENROUTER_BASE_URL, " +
      "instead of a fresh local emulator; a dry run unless --yes is given"
  )
)

export const dryRun = Options.boolean("dry-run").pipe(
  Options.withDescription("read the target and print what would change, without sending any write")
)

export const yes = Options.boolean("yes").pipe(
  Options.withDescription("with --live, send the writes; without it a --live run is a dry run")
)

export const defaultWorkspace = Options.text("default-workspace").pipe(
  Options.withFallbackConfig(Config.string("OPENROUTER_DEFAULT_WORKSPACE").pipe(Config.withDefault("default"))),
  Options.filterMap(
    (slug) => (slug.trim() === "" ? Option.none() : Option.some(slug.trim())),
    "--default-workspace (or OPENROUTER_DEFAULT_WORKSPACE) must not be empty"
  ),
  Options.withDescription(
    "the slug of the organization's default workspace, the one every member belongs to (on OpenRouter, the " +
      "workspace named Default): members are never moved in or out of it and budgets-rollout skips it; " +
      "OPENROUTER_DEFAULT_WORKSPACE when not given, else default"
  )
)

/**
 * The options every example takes: where it runs (`--live`), whether it writes (`--dry-run`,
 * `--yes`) and which workspace is the default one (`--default-workspace`). Spread them into the
 * example's options.
 */
export const targetOptions = { live, dryRun, yes, defaultWorkspace }

/**
 * The target flags of a run.
 */
export interface Target {
  readonly live: boolean
  readonly dryRun: boolean
  readonly yes: boolean
  /** The slug of the organization's default workspace. */
  readonly defaultWorkspace: string
}

/**
 * Whether a run sends writes: never with `--dry-run`; with `--live`, only with `--yes`; against the
 * emulator, unless `--dry-run`.
 */
export const writes = (target: Target): boolean => !target.dryRun && (!target.live || target.yes)

/**
 * The last line of a dry run: nothing was sent (`what`, e.g. "the plan was not applied", says more),
 * and how to apply.
 */
export const endDryRun = (target: Target, what = "nothing was sent") =>
  Console.log(
    target.dryRun
      ? `\nDry run: ${what}. Run without --dry-run${target.live ? " and with --yes" : ""} to apply.`
      : `\nDry run: ${what} (--live writes only with --yes). Re-run with --yes to apply.`
  )

const liveTarget = (defaultWorkspace: string) =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const { apiKey, baseUrl } = yield* Config.all({
        apiKey: Config.option(Config.redacted("OPENROUTER_API_KEY")),
        baseUrl: Config.string("OPENROUTER_BASE_URL").pipe(Config.withDefault("https://openrouter.ai/api/v1"))
      })
      if (Option.isNone(apiKey) || Redacted.value(apiKey.value).trim() === "") {
        return yield* new ExampleError({
          message: "--live needs a management key in OPENROUTER_API_KEY (and OPENROUTER_BASE_URL for another API host)"
        })
      }
      yield* Console.log(
        `target: the live organization at ${baseUrl} (default workspace: ${defaultWorkspace}; --default-workspace to change)`
      )
      return Workspaces.layerConfig()
    })
  )

const emulatorTarget = Layer.unwrapScoped(
  Effect.gen(function* () {
    const emulator = yield* Emulator.make({ seed: Emulator.builtinSeed(), host: "127.0.0.1", port: 0 })
    yield* Console.log(
      `target: a fresh emulator at ${emulator.baseUrl} (built-in seed; --live for a real organization)`
    )
    return Workspaces.layer({ apiKey: emulator.managementKey, baseUrl: emulator.baseUrl })
  })
)

/**
 * Why a run could not reach its target.
 */
export type TargetError =
  | ExampleError
  | ConfigError.ConfigError
  | WorkspacesError.InvalidRequestError
  | Emulator.EmulatorError

const refuse = (operation: string) => () =>
  Effect.dieMessage(`dry run: the example tried to send ${operation}, a write; nothing was sent`)

/** The service with every write operation refused before it reaches the network. */
const readOnly = (service: Workspaces.Service): Workspaces.Service => ({
  ...service,
  create: refuse("create"),
  update: refuse("update"),
  delete: refuse("delete"),
  setBudget: refuse("setBudget"),
  deleteBudget: refuse("deleteBudget"),
  bulkAddMembers: refuse("bulkAddMembers"),
  bulkRemoveMembers: refuse("bulkRemoveMembers")
})

/**
 * The `Workspaces` service of a run: the live organization with `--live`, a fresh emulator otherwise;
 * read-only (and announced as a dry run) when the run does not write, see `writes`. With it, the
 * `Workflows.DefaultWorkspace` of `--default-workspace`.
 */
export const workspacesLayer = (
  target: Target
): Layer.Layer<Workspaces.Workspaces | Workflows.DefaultWorkspace, TargetError> => {
  const service: Layer.Layer<Workspaces.Workspaces, TargetError, HttpClient.HttpClient> = target.live
    ? liveTarget(target.defaultWorkspace)
    : emulatorTarget
  const guarded = writes(target)
    ? service
    : Layer.effect(
        Workspaces.Workspaces,
        Effect.zipRight(
          Console.log(
            target.dryRun
              ? "dry run (--dry-run): reading only, no write will be sent\n"
              : "dry run (--live without --yes): reading only, no write will be sent\n"
          ),
          Effect.map(Workspaces.Workspaces, readOnly)
        )
      ).pipe(Layer.provide(service))
  return Layer.merge(
    Layer.provide(guarded, FetchHttpClient.layer),
    Layer.succeed(Workflows.DefaultWorkspace, { slug: target.defaultWorkspace })
  )
}

const describeFailure = (error: unknown): string => {
  if (error instanceof ExampleError) return error.message
  if (typeof error === "object" && error !== null && "message" in error) {
    const tag = "_tag" in error ? `${String(error._tag)}: ` : ""
    return `${tag}${String(error.message)}`
  }
  return String(error)
}

/**
 * Runs a command with the process's arguments: a failure prints one line to stderr and exits with 1
 * (@effect/cli prints its own usage errors), a defect prints its cause.
 */
export const runCli = <Name extends string, E, A>(command: Command.Command<Name, NodeContext.NodeContext, E, A>) => {
  const name = Array.from(Command.getNames(command))[0] ?? "example"
  Command.run(command, { name, version })(process.argv).pipe(
    Effect.tapErrorCause((cause) =>
      Option.match(Cause.failureOption(cause), {
        onNone: () => (Cause.isInterruptedOnly(cause) ? Effect.void : Console.error(Cause.pretty(cause))),
        onSome: (error) =>
          ValidationError.isValidationError(error) ? Effect.void : Console.error(`error: ${describeFailure(error)}`)
      })
    ),
    Effect.provide(NodeContext.layer),
    NodeRuntime.runMain({ disableErrorReporting: true })
  )
}

/**
 * Prints what `Workflows.moveMembers` did: who moved, who could not and where they are left, and who
 * was listed without being a member of `from`. `label` names a user (by default, its id).
 */
export const printMoveReport = (
  report: Workflows.MoveMembersReport,
  listed: number,
  label: (userId: string) => string = (userId) => userId
) =>
  Effect.gen(function* () {
    const { from, to } = report
    yield* Console.log(`\nmoved ${report.moved.length} of ${listed} users from ${from} to ${to}:`)
    for (const userId of report.moved) yield* Console.log(`  + ${label(userId)}`)
    if (report.failed.length > 0) {
      yield* Console.log(`\ncould not move ${report.failed.length}:`)
      for (const { operation, reason, userId } of report.failed) {
        const where = operation === "add" ? `still only in ${from}` : `now in both ${from} and ${to}`
        yield* Console.log(`  ! ${label(userId)}: ${reason} (${where})`)
      }
    }
    if (report.notMembers.length > 0) {
      yield* Console.log(`\nnot explicit members of ${from}, nothing sent (${report.notMembers.length}):`)
      for (const userId of report.notMembers) yield* Console.log(`  ? ${label(userId)}`)
    }
  })

/**
 * What `Workflows.moveMembers` would do, read without a write: the listed users who are explicit
 * members of `from` (they would move) and those who are not (nothing would be sent for them).
 */
export interface MovePreview {
  readonly from: Model.Workspace
  /** The slug or id of the workspace they would join, as given. */
  readonly to: string
  /** That workspace; `None` when it does not exist (yet). */
  readonly toWorkspace: Option.Option<Model.Workspace>
  readonly moves: ReadonlyArray<string>
  readonly notMembers: ReadonlyArray<string>
}

/**
 * Reads what `Workflows.moveMembers({ from, to, userIds })` would do, with reads only: `from` and
 * `to` (`get`) and the explicit members of `from` (`streamMembers`). Fails like `moveMembers` when
 * `from` does not exist or either workspace is the default one.
 */
export const previewMove = (options: {
  readonly from: string
  readonly to: string
  readonly userIds: ReadonlyArray<string>
}) =>
  Effect.gen(function* () {
    const workspaces = yield* Workspaces.Workspaces
    // Its members are implicit, so none can be moved in or out.
    const defaultWorkspace = yield* Workflows.DefaultWorkspace
    const refuseDefault = (workspace: Model.Workspace, named: string) =>
      workspace.slug === defaultWorkspace.slug || workspace.id === defaultWorkspace.id
        ? Effect.fail(
            new WorkflowsError.DefaultWorkspaceError({ operation: "Workflows.moveMembers", workspace: named })
          )
        : Effect.void
    const from = yield* workspaces.get({ id: options.from })
    yield* refuseDefault(from, options.from)
    const toWorkspace = yield* workspaces.get({ id: options.to }).pipe(
      Effect.map(Option.some),
      Effect.catchTag("NotFoundResponseError", () => Effect.succeedNone)
    )
    if (Option.isSome(toWorkspace)) yield* refuseDefault(toWorkspace.value, options.to)
    const members = new Set(
      yield* workspaces.streamMembers({ id: from.id }).pipe(
        Stream.map((member) => member.userId),
        Stream.runCollect
      )
    )
    const listed = Array.from(new Set(options.userIds))
    return {
      from,
      to: options.to,
      toWorkspace,
      moves: listed.filter((userId) => members.has(userId)),
      notMembers: listed.filter((userId) => !members.has(userId))
    } satisfies MovePreview
  })

/**
 * Prints a `MovePreview`, as `printMoveReport` prints what was done.
 */
export const printMovePreview = (
  preview: MovePreview,
  listed: number,
  label: (userId: string) => string = (userId) => userId
) =>
  Effect.gen(function* () {
    const from = preview.from.slug
    yield* Console.log(`\nwould move ${preview.moves.length} of ${listed} users from ${from} to ${preview.to}:`)
    for (const userId of preview.moves) yield* Console.log(`  + ${label(userId)}`)
    if (preview.moves.length > 0) {
      yield* Console.log(
        `  (the API may still refuse some: SCIM-managed users, users with active API keys in ${from}; ` +
          "a run that writes reports them)"
      )
    }
    if (preview.notMembers.length > 0) {
      yield* Console.log(`\nnot explicit members of ${from}, nothing would be sent (${preview.notMembers.length}):`)
      for (const userId of preview.notMembers) yield* Console.log(`  ? ${label(userId)}`)
    }
  })
