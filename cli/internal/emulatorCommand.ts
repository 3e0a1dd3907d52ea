/**
 * `orw emulator` (and `npm run emulator`): serves the Workspaces emulator until interrupted, printing
 * its base URL and the local, fake management keys it accepts.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Fs from "node:fs"
import * as Yaml from "yaml"
import { Emulator } from "../../emulator/index.js"

const port = Options.integer("port").pipe(Options.withDefault(8787), Options.withDescription("port to listen on"))
const host = Options.text("host").pipe(Options.withDefault("127.0.0.1"), Options.withDescription("address to bind"))
const seed = Options.file("seed", { exists: "yes" }).pipe(
  Options.optional,
  Options.withDescription("seed file (JSON or YAML); the built-in seed otherwise")
)
const state = Options.file("state").pipe(
  Options.optional,
  Options.withDescription(
    "state file: loaded at start if it exists; each change is on disk (journaled to <file>.journal) before it is answered"
  )
)
const faultSeed = Options.integer("fault-seed").pipe(
  Options.optional,
  Options.withDescription("seed of the generator behind fault rules with a rate")
)
const faults = Options.file("faults", { exists: "yes" }).pipe(
  Options.optional,
  Options.withDescription("fault rules to start with (JSON or YAML array)")
)
const users = Options.integer("users").pipe(
  Options.optional,
  Options.withDescription("size of the built-in seed: number of users")
)
const workspaces = Options.integer("workspaces").pipe(
  Options.optional,
  Options.withDescription("size of the built-in seed: number of workspaces")
)

const logLimit = Options.integer("log-limit").pipe(
  Options.filterMap((n) => (n >= 0 ? Option.some(n) : Option.none()), "--log-limit must be a non-negative integer"),
  Options.withDefault(Emulator.defaultLogLimit),
  Options.withDescription(
    "how many entries the request log and the history each keep (/__emulator/requests, /__emulator/history); " +
      "the oldest are dropped"
  )
)

const keysPageSize = Options.integer("keys-page-size").pipe(
  Options.filterMap((n) => (n >= 1 ? Option.some(n) : Option.none()), "--keys-page-size must be at least 1"),
  Options.optional,
  Options.withDescription("page size of GET /keys, which takes no limit (100 by default)")
)
const defaultWorkspaceDeletion = Options.choice("default-workspace-deletion", ["confirm", "unavailable"]).pipe(
  Options.withDefault("confirm" as const),
  Options.withDescription(
    "confirm: the default workspace is deleted with confirm_default_workspace_deletion=true (400 without); " +
      "unavailable: refused with 403, as for organizations the capability has not reached"
  )
)

const deterministicKeys = Options.boolean("deterministic-keys").pipe(
  Options.withDescription(
    "derive the keys the seed leaves out from names alone, the same on every machine and start (new at each start otherwise)"
  )
)

/** `60/1m`: 60 requests a minute (units ms, s, m, h). */
const parseRateLimit = (
  text: string
): Option.Option<{ readonly limit: number; readonly window: Duration.Duration }> => {
  const match = /^(\d+)\/(\d*)(ms|s|m|h)$/.exec(text.trim())
  if (match === null) return Option.none()
  const limit = Number(match[1])
  const count = match[2] === "" ? 1 : Number(match[2])
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[3] as "ms" | "s" | "m" | "h"]
  return limit >= 1 && count >= 1 ? Option.some({ limit, window: Duration.millis(count * unit) }) : Option.none()
}
const rateLimit = Options.text("rate-limit").pipe(
  Options.filterMap(parseRateLimit, "--rate-limit takes LIMIT/WINDOW, e.g. 60/1m, 20/500ms"),
  Options.optional,
  Options.withDescription("a rate limit per key, e.g. 60/1m: 60 requests a minute (a fixed window), 429 past it")
)

const readFaults = (file: string) =>
  Effect.try(() => Yaml.parse(Fs.readFileSync(file, "utf8")) as unknown).pipe(
    Effect.flatMap(Schema.decodeUnknown(Schema.Array(Emulator.FaultRule))),
    Effect.mapError((error) => new Error(`${file}: ${error.message}`))
  )

export const command = Command.make(
  "emulator",
  {
    port,
    host,
    seed,
    state,
    faultSeed,
    faults,
    users,
    workspaces,
    logLimit,
    keysPageSize,
    defaultWorkspaceDeletion,
    deterministicKeys,
    rateLimit
  },
  (options) =>
    Effect.gen(function* () {
      const rules = Option.isSome(options.faults) ? yield* readFaults(options.faults.value) : []
      const builtin = Option.isNone(options.seed) && (Option.isSome(options.users) || Option.isSome(options.workspaces))
      const emulator = yield* Emulator.make({
        port: options.port,
        host: options.host,
        // made in place, so that nothing here holds the seed once the emulator has loaded it
        seed: builtin
          ? Emulator.builtinSeed({
              users: Option.getOrUndefined(options.users),
              workspaces: Option.getOrUndefined(options.workspaces)
            })
          : undefined,
        seedFile: Option.getOrUndefined(options.seed),
        stateFile: Option.getOrUndefined(options.state),
        faults: rules,
        faultSeed: Option.getOrUndefined(options.faultSeed),
        logLimit: options.logLimit,
        keysPageSize: Option.getOrUndefined(options.keysPageSize),
        defaultWorkspaceDeletion: options.defaultWorkspaceDeletion,
        deterministicKeys: options.deterministicKeys,
        rateLimit: Option.getOrUndefined(options.rateLimit)
      })
      // local fake keys: printing them is the point
      const key = Redacted.value(emulator.managementKey)
      const rows: ReadonlyArray<readonly [string, string]> = [
        ["base URL", emulator.baseUrl],
        ["management key (admin)", key],
        ["management key (member)", Redacted.value(emulator.keys.memberManagementKey)],
        ["API key (not management)", Redacted.value(emulator.keys.inferenceKey)],
        ["state file", Option.getOrElse(options.state, () => "none (in memory)")],
        [
          "admin routes",
          `${emulator.origin}/__emulator/{requests,history,faults,state}` +
            (Emulator.isLoopbackHost(options.host) ? "" : " (Bearer admin key required)")
        ],
        ["log limit", `the last ${options.logLimit} requests and changes (--log-limit)`]
      ]
      yield* Console.log(
        [
          "OpenRouter Workspaces emulator listening",
          "",
          ...rows.map(([label, value]) => `  ${label.padEnd(26)}${value}`),
          "",
          `  curl -H "Authorization: Bearer ${key}" ${emulator.baseUrl}/workspaces`
        ].join("\n")
      )
      return yield* Effect.never
    }).pipe(Effect.scoped)
)
