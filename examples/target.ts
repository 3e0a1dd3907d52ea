/**
 * Where an example runs, shared by the others. By default a fresh emulator seeded with
 * `Emulator.builtinSeed()`, dropped at the end, and OPENROUTER_API_KEY is ignored. With `--live`, the
 * organization of the management key in OPENROUTER_API_KEY (at OPENROUTER_BASE_URL), read only unless
 * `--yes` is given too. OPENROUTER_DEFAULT_WORKSPACE names the default workspace (`default` otherwise).
 *
 * The examples show how a program composes the library; the operator's path to the same jobs, with
 * plans shown before anything is sent, safety rails and confirmations, is `orw`.
 */
import { FetchHttpClient } from "@effect/platform"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Cause, Config, Console, Context, Effect, Layer, Option } from "effect"
import { Workflows, Workspaces } from "effect-openrouter-workspaces"
import { Emulator } from "effect-openrouter-workspaces/emulator"

/** The options `--live` and `--yes`, for `parseArgs` from `node:util`. */
export const targetOptions = {
  live: { type: "boolean", default: false },
  yes: { type: "boolean", default: false }
} as const

const emulator = Emulator.layerWorkspaces({ seed: Emulator.builtinSeed() }).pipe(
  Layer.tap((context) =>
    Console.log(`target: a fresh emulator at ${Context.get(context, Emulator.Emulator).baseUrl} (--live for yours)`)
  )
)

const live = Workspaces.layerConfig().pipe(
  Layer.tap(() =>
    Config.string("OPENROUTER_BASE_URL").pipe(
      Config.withDefault("https://openrouter.ai/api/v1"),
      Effect.flatMap((baseUrl) => Console.log(`target: the live organization at ${baseUrl}`))
    )
  ),
  Layer.provide(FetchHttpClient.layer)
)

const target = (
  isLive: boolean
): Layer.Layer<Workspaces.Workspaces, Layer.Layer.Error<typeof live> | Layer.Layer.Error<typeof emulator>> =>
  isLive ? live : emulator

const defaultWorkspace = Layer.effect(
  Workflows.DefaultWorkspace,
  Effect.map(Config.string("OPENROUTER_DEFAULT_WORKSPACE").pipe(Config.withDefault("default")), (slug) => ({ slug }))
)

/** The last line of a run that did not write. */
export const endDryRun = Console.log(
  "\nDry run: nothing was sent (--live writes only with --yes). Re-run with --yes to apply."
)

/**
 * Runs `program` on the target the flags choose; `program` is told whether it may write (with
 * `--live`, only with `--yes`). A failure prints one line to stderr (a defect, its cause) and exits with 1.
 */
export const run = <E>(
  flags: { readonly live: boolean; readonly yes: boolean },
  program: (writes: boolean) => Effect.Effect<void, E, Workspaces.Workspaces | NodeContext.NodeContext>
) =>
  program(!flags.live || flags.yes).pipe(
    Effect.provide(Layer.merge(target(flags.live), defaultWorkspace)),
    Effect.tapErrorCause((cause) =>
      Console.error(
        Option.match(Cause.failureOption(cause), {
          onNone: () => Cause.pretty(cause),
          onSome: (error) => `error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`
        })
      )
    ),
    Effect.provide(NodeContext.layer),
    NodeRuntime.runMain({ disableErrorReporting: true })
  )
