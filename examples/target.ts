/**
 * What every example shares: the `--live` flag, the `Workspaces` layer of a run, and `runCli`.
 *
 * Without `--live` an example runs against a fresh emulator seeded with `Emulator.builtinSeed()`
 * (on 127.0.0.1, a free port, stopped when the example ends); OPENROUTER_API_KEY is then ignored.
 * With `--live` it runs against the organization of the management key in OPENROUTER_API_KEY, at
 * OPENROUTER_BASE_URL (default https://openrouter.ai/api/v1).
 *
 * Not an example itself: the others import it.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import { FetchHttpClient, type HttpClient } from "@effect/platform"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Cause, Config, type ConfigError, Console, Data, Effect, Layer, Option, Redacted } from "effect"
import { Emulator } from "../emulator/index.js"
import { type Workflows, Workspaces, type WorkspacesError } from "../src/index.js"

/**
 * A failure an example reports as one line, without a stack trace.
 */
export class ExampleError extends Data.TaggedError("ExampleError")<{ readonly message: string }> {}

export const live = Options.boolean("live").pipe(
  Options.withDescription(
    "run against the organization of OPENROUTER_API_KEY (a management key) at OPENROUTER_BASE_URL, " +
      "instead of a fresh local emulator"
  )
)

const liveTarget = Layer.unwrapEffect(
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
    yield* Console.log(`target: the live organization at ${baseUrl}`)
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

/**
 * The `Workspaces` service of a run: the live organization with `--live`, a fresh emulator otherwise.
 */
export const workspacesLayer = (live: boolean): Layer.Layer<Workspaces.Workspaces, TargetError> => {
  const target: Layer.Layer<Workspaces.Workspaces, TargetError, HttpClient.HttpClient> = live
    ? liveTarget
    : emulatorTarget
  return Layer.provide(target, FetchHttpClient.layer)
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
  Command.run(command, { name, version: "0.1.0" })(process.argv).pipe(
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
