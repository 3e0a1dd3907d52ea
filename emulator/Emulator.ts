/**
 * A local emulator of OpenRouter's Workspaces management API: a real HTTP server that speaks the
 * spec's wire format, enforces the documented rules, injects faults on demand and records what it
 * received, served from the same endpoint descriptions (`WorkspacesApi`) as the client.
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import type { InvalidRequestError } from "../src/WorkspacesError.js"
import * as Workspaces from "../src/Workspaces.js"
import { isLimit } from "./internal/bounded.js"
import * as BuiltinSeed from "./internal/builtinSeed.js"
import * as Faults from "./internal/faults.js"
import * as Loopback from "../src/internal/loopback.js"
import * as RateLimit from "./internal/rateLimit.js"
import * as Organization from "./internal/organization.js"
import * as Records from "./internal/records.js"
import * as Replay from "./internal/replay.js"
import type { LoggedRequest } from "./internal/requestLog.js"
import { RequestLog } from "./internal/requestLog.js"
import * as SeedInternal from "./internal/seed.js"
import * as Server from "./internal/server.js"
import * as StateFile from "./internal/stateFile.js"

/**
 * The organization an emulator starts from. Users have an organization role and may be
 * SCIM-managed; API keys belong to a user and a workspace (by slug); management keys to a user;
 * workspaces list their explicit members and budgets. The default workspace (slug `default`) is
 * added when the seed does not list it, and its members are always every user.
 *
 * @since 0.1.0
 * @category seeds
 */
export const Seed: Schema.Schema<Seed> = SeedInternal.Seed

/**
 * @since 0.1.0
 * @category seeds
 */
export interface Seed extends SeedInternal.Seed {}

/**
 * The built-in realistic seed: the default workspace, then `engineering`, `marketing`,
 * `data-science`, `sandbox`, then generated `team-0001`...; 250 users by default (about 4 % admins,
 * 10 % SCIM-managed), API keys (some disabled), budgets. Deterministic for given options;
 * `builtinSeed({ users: 100_000, workspaces: 1_000 })` makes a load seed.
 *
 * @since 0.1.0
 * @category seeds
 */
export const builtinSeed: (options?: {
  readonly users?: number | undefined
  readonly workspaces?: number | undefined
  /** Explicit members of each generated `team-NNNN` workspace (default: a tenth of the users, at most 100). */
  readonly membersPerWorkspace?: number | undefined
  /** The seed of the generator. */
  readonly seed?: number | undefined
}) => Seed = BuiltinSeed.builtin

/**
 * Reads a seed file, JSON (`.json`) or YAML (anything else; needs the optional `yaml` package), and
 * decodes it with {@link Seed}.
 *
 * @since 0.1.0
 * @category seeds
 */
export const readSeedFile = (file: string): Effect.Effect<Seed, EmulatorError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const seedError = (detail: string) => new EmulatorError({ reason: "Seed", detail })
    const text = yield* Effect.mapError(fs.readFileString(file), (cause) =>
      seedError(`cannot read ${file}: ${cause.message}`)
    )
    const parse = file.endsWith(".json")
      ? Effect.succeed(JSON.parse)
      : Effect.tryPromise({
          // yaml is an optional peer: loaded only for a YAML seed, so the emulator runs without it.
          try: () => import("yaml"),
          catch: () => seedError(`${file} is YAML, which needs the yaml package (npm install yaml); JSON seeds do not`)
        }).pipe(Effect.map((yaml) => yaml.parse))
    const value = yield* Effect.flatMap(parse, (parse) =>
      Effect.try({
        try: (): unknown => parse(text),
        catch: (cause) => seedError(`cannot parse ${file}: ${String(cause)}`)
      })
    )
    return yield* Either.mapLeft(SeedInternal.decode(value), (detail) => seedError(`${file}: ${detail}`))
  })

/**
 * A fault rule. `kind` is one of:
 * - `status`: answer 408, 429 (with `Retry-After` and `X-RateLimit-*`), 500, 502, 503 or 504 without
 *   processing the request;
 * - `latency`: wait `ms` before processing (adds up with other faults);
 * - `reset`: destroy the connection before the request is processed;
 * - `lostResponse`: process the request (the change is applied), then destroy the connection;
 * - `malformed`: process the request, then answer 200 with a body that is not JSON.
 *
 * `operations` scopes a rule (all operations when omitted); `times: n` fires on the next n matching
 * requests, `sequence: [true, false, ...]` on the matching requests whose entry is true, `rate` with
 * that probability from the seeded generator; with none of them the rule fires on every matching
 * request. Terminal rules are tried in order until one fires.
 *
 * @since 0.1.0
 * @category faults
 */
export const FaultRule: Schema.Schema<FaultRule, Faults.FaultRule> = Faults.FaultRule

/**
 * @since 0.1.0
 * @category faults
 */
export type FaultRule = Faults.FaultRule

/**
 * A rule as it stands, with its remaining `times`.
 *
 * @since 0.1.0
 * @category faults
 */
export type FaultRuleStatus = Faults.FaultRuleStatus

export type {
  /**
   * The credential a request carried (never the key itself): `"none"`, `"unknown"`,
   * `"managementKey"`, `"apiKey"` or `"disabledApiKey"`.
   *
   * @since 0.1.0
   * @category models
   */
  CredentialKind,
  /**
   * One request the emulator received (never its key).
   *
   * @since 0.1.0
   * @category models
   */
  LoggedRequest
} from "./internal/requestLog.js"

/**
 * One change of state (workspace created/updated/deleted, member added/removed, budget set/deleted,
 * `include_byok_in_budgets` set), numbered by `seq`, with what is needed to replay it.
 *
 * @since 0.1.0
 * @category models
 */
export type HistoryEvent = Organization.HistoryEvent

/**
 * The live state `mutate` hands over: plain maps of plain records. Lists come out in insertion order.
 *
 * @since 0.1.0
 * @category models
 */
export type State = Organization.State

/**
 * @since 0.1.0
 * @category models
 */
export type User = Records.User

/**
 * @since 0.1.0
 * @category models
 */
export type ApiKey = Records.ApiKey

/**
 * @since 0.1.0
 * @category models
 */
export type ManagementKey = Records.ManagementKey

/**
 * @since 0.1.0
 * @category models
 */
export type WorkspaceRecord = Records.Workspace

/**
 * @since 0.1.0
 * @category models
 */
export type Membership = Records.Membership

/**
 * @since 0.1.0
 * @category models
 */
export type BudgetRecord = Records.Budget

/**
 * The JSON view of the whole state: users, API keys, management keys, workspaces, explicit
 * memberships (the default workspace's are implicit) and budgets. Also the `--state` file format.
 *
 * @since 0.1.0
 * @category models
 */
export type StateSnapshot = Records.StateSnapshot

/**
 * @since 0.1.0
 * @category models
 */
export const StateSnapshot: Schema.Schema<StateSnapshot, StateSnapshotEncoded> = Records.StateSnapshot

/**
 * A state file as read: one written before revision 2 lacks the users' names and the keys' names,
 * creation times, usage and limits, which are then `null`, `"API key"`, the seed epoch, 0 and `null`.
 *
 * @since 0.3.0
 * @category models
 */
export type StateSnapshotEncoded = Records.StateSnapshotEncoded

/**
 * The emulator could not start: the port is taken, a seed or state file is unreadable or invalid, or
 * an option is out of range (`Options`).
 *
 * @since 0.1.0
 * @category errors
 */
export class EmulatorError extends Schema.TaggedError<EmulatorError>()("EmulatorError", {
  reason: Schema.Literal("Serve", "Seed", "State", "Options"),
  detail: Schema.String
}) {
  override get message() {
    return `emulator: ${this.reason.toLowerCase()}: ${this.detail}`
  }
}

/**
 * A running emulator.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** E.g. `http://127.0.0.1:40123/api/v1`. */
  readonly baseUrl: string
  /** E.g. `http://127.0.0.1:40123`; the admin routes live under `${origin}/__emulator`. */
  readonly origin: string
  readonly port: number
  /** A management key of an organization admin. */
  readonly managementKey: Redacted.Redacted<string>
  readonly keys: {
    /** A management key of a user who is not an organization admin. */
    readonly memberManagementKey: Redacted.Redacted<string>
    /** An active API key that is not a management key. */
    readonly inferenceKey: Redacted.Redacted<string>
  }
  /** The requests received so far (the last `logLimit`), in order of arrival. */
  readonly requests: Effect.Effect<ReadonlyArray<LoggedRequest>>
  readonly clearRequests: Effect.Effect<void>
  /** Replaces the fault rules and restarts the generator (from `options.seed` when given). */
  readonly setFaults: (rules: ReadonlyArray<FaultRule>, options?: { readonly seed?: number }) => Effect.Effect<void>
  readonly faults: Effect.Effect<ReadonlyArray<FaultRuleStatus>>
  /** Every change made through the API since the start (the last `logLimit`), oldest first. */
  readonly history: Effect.Effect<ReadonlyArray<HistoryEvent>>
  readonly snapshot: Effect.Effect<StateSnapshot>
  /** A test hook: change the state directly (add an active API key, mark a user SCIM-managed, ...). */
  readonly mutate: (f: (state: State) => void) => Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Emulator extends Context.Tag("effect-openrouter-workspaces/Emulator")<Emulator, Service>() {}

/**
 * @since 0.1.0
 * @category models
 */
export interface EmulatorOptions {
  /** The organization to start from, as a value. */
  readonly seed?: Seed | undefined
  /** The organization to start from, as a JSON or YAML file. */
  readonly seedFile?: string | undefined
  /**
   * Loaded at start when it exists (and then wins over the seed). Every change is journaled to
   * `<stateFile>.journal` and flushed to disk before its request is answered; the file itself is
   * rewritten from the journal at start, as the journal grows, and at stop. Both are created `0600`.
   */
  readonly stateFile?: string | undefined
  readonly faults?: ReadonlyArray<FaultRule> | undefined
  /** The seed of the generator behind `rate` rules; 1 by default. */
  readonly faultSeed?: number | undefined
  /** 0 (any free port) by default. */
  readonly port?: number | undefined
  /** `127.0.0.1` by default. */
  readonly host?: string | undefined
  /**
   * Whether the admin routes (`/__emulator/*`, whose `/state` holds every key) answer only to a
   * management key of an organization admin (`Authorization: Bearer`), 401 otherwise. By default
   * only when `host` is not a loopback address (`127.0.0.0/8`, `::1`, `localhost`), e.g. `0.0.0.0`.
   */
  readonly adminAuth?: boolean | undefined
  /**
   * How many entries the request log and the history each keep: when one is full, its oldest entry
   * is dropped for every new one (`seq` numbers keep increasing). 100,000 by default, so that an
   * emulator left running for days keeps a bounded memory; `Infinity` keeps everything.
   */
  readonly logLimit?: number | undefined
  /** The page size of `GET /keys`, which takes no `limit`; 100 by default. */
  readonly keysPageSize?: number | undefined
  /**
   * `"confirm"` (the default): the default workspace is deleted when the request says
   * `confirm_default_workspace_deletion=true`, refused with 400 otherwise. `"unavailable"`: refused
   * with 403, as for an organization the capability has not reached.
   */
  readonly defaultWorkspaceDeletion?: "confirm" | "unavailable" | undefined
  /**
   * The secrets the seed leaves out (all of the built-in seed's, the management and API keys a
   * seed lists without `key`) are new at every start unless this is `true`: then they are the same
   * on every machine and every start. The emulator hands its keys back (`managementKey`, `keys`)
   * either way; a state file keeps them across restarts.
   */
  readonly deterministicKeys?: boolean | undefined
  /**
   * A rate limit per credential, as the API has: `limit` requests per `window` (a fixed window from
   * its first request). Every answer then carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
   * `X-RateLimit-Reset` (when the window ends, as an epoch timestamp in ms), and a request past the
   * limit gets 429 with `Retry-After` (seconds). None by default.
   */
  readonly rateLimit?: { readonly limit: number; readonly window: Duration.DurationInput } | undefined
}

/**
 * How many entries the request log and the history each keep by default.
 *
 * @since 0.1.0
 * @category utils
 */
export const defaultLogLimit = 100_000

/**
 * Whether a host to listen on is a loopback address, reachable only from this machine.
 *
 * @since 0.1.0
 * @category utils
 */
export const isLoopbackHost: (host: string) => boolean = Loopback.isLoopbackHost

/**
 * A `node:http` server with the listener, on the port and host, until the scope closes: then the
 * in-flight and idle keep-alive connections are closed too, so that none holds the close.
 */
const listen = (
  listener: Http.RequestListener,
  port: number,
  host: string
): Effect.Effect<AddressInfo, EmulatorError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<Http.Server, EmulatorError>((resume) => {
      const server = Http.createServer(listener)
      server.keepAliveTimeout = 60_000
      const failed = (error: Error) =>
        resume(Effect.fail(new EmulatorError({ reason: "Serve", detail: String(error) })))
      server.once("error", failed)
      server.listen(port, host, () => {
        server.off("error", failed)
        resume(Effect.succeed(server))
      })
    }),
    (server) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      })
  ).pipe(Effect.map((server) => server.address() as AddressInfo))

const initialState = (options: EmulatorOptions, salt: string): Effect.Effect<Organization.State, EmulatorError> =>
  Effect.gen(function* () {
    if (options.stateFile !== undefined) {
      const found = yield* Effect.mapError(
        StateFile.read(options.stateFile),
        (detail) => new EmulatorError({ reason: "State", detail })
      )
      if (found !== undefined) {
        const state = Organization.stateFromSnapshot(found.snapshot)
        for (const change of found.changes) Organization.redo(state, change)
        return state
      }
    }
    const seed =
      options.seed ??
      (options.seedFile === undefined
        ? BuiltinSeed.builtin()
        : yield* Effect.provide(readSeedFile(options.seedFile), NodeFileSystem.layer))
    return yield* Either.mapLeft(
      SeedInternal.toState(seed, salt),
      (detail) => new EmulatorError({ reason: "Seed", detail })
    )
  })

/**
 * Starts an emulator for the life of the scope: it listens on 127.0.0.1 and a free port unless told
 * otherwise, and stops (and writes its state file) when the scope closes. It always runs on the
 * wall clock, even when built under a `TestClock`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: EmulatorOptions = {}): Effect.Effect<Service, EmulatorError, Scope.Scope> => {
  // The seed is read once, into the state: nothing the running emulator keeps may refer to it
  // (100,000 users make a seed of about 90 MB), so only the other options reach `start`.
  const { seed: _seed, seedFile: _seedFile, ...settings } = options
  const logLimit = options.logLimit ?? defaultLogLimit
  const { keysPageSize } = options
  // The secrets a seed leaves out are derived from names and this salt: new at every start, so
  // that no two machines share the built-in seed's keys, unless the same keys are asked for.
  const salt = options.deterministicKeys === true ? "" : randomBytes(16).toString("hex")
  const load = !isLimit(logLimit)
    ? new EmulatorError({
        reason: "Options",
        detail: `logLimit must be a non-negative integer or Infinity, got ${logLimit}`
      })
    : options.rateLimit !== undefined && !isRateLimit(options.rateLimit)
      ? new EmulatorError({
          reason: "Options",
          detail: "rateLimit needs an integer limit >= 1 and a finite window > 0"
        })
      : keysPageSize !== undefined && !(Number.isInteger(keysPageSize) && keysPageSize >= 1)
        ? new EmulatorError({ reason: "Options", detail: `keysPageSize must be an integer >= 1, got ${keysPageSize}` })
        : initialState(options, salt)
  return Effect.flatMap(load, (state) => start(state, { ...settings, logLimit }, salt)).pipe(
    Effect.withClock(Clock.make())
  )
}

const isRateLimit = (rateLimit: NonNullable<EmulatorOptions["rateLimit"]>): boolean => {
  const window = Duration.decodeUnknown(rateLimit.window)
  return (
    Number.isInteger(rateLimit.limit) &&
    rateLimit.limit >= 1 &&
    window._tag === "Some" &&
    Duration.isFinite(window.value) &&
    Duration.toMillis(window.value) > 0
  )
}

const start = (
  state: Organization.State,
  options: Omit<EmulatorOptions, "seed" | "seedFile"> & { readonly logLimit: number },
  salt: string
) =>
  Effect.gen(function* () {
    const { logLimit } = options
    const accessKeys = SeedInternal.ensureAccessKeys(state, salt)
    const organization = new Organization.Organization(state, logLimit, {
      keysPageSize: options.keysPageSize ?? Organization.defaultSettings.keysPageSize,
      defaultWorkspaceDeletion:
        options.defaultWorkspaceDeletion ?? Organization.defaultSettings.defaultWorkspaceDeletion
    })
    const faults = new Faults.FaultInjector(options.faults ?? [], options.faultSeed ?? 1)
    const log = new RequestLog(logLimit)

    const journal =
      options.stateFile === undefined
        ? undefined
        : yield* Effect.mapError(
            StateFile.persist(organization, options.stateFile),
            (detail) => new EmulatorError({ reason: "State", detail })
          )

    const host = options.host ?? "127.0.0.1"
    const adminAuth = options.adminAuth ?? !isLoopbackHost(host)
    const address = yield* listen(
      Server.makeListener({
        organization,
        faults,
        log,
        adminAuth,
        journal,
        rateLimiter:
          options.rateLimit === undefined
            ? undefined
            : new RateLimit.RateLimiter({
                limit: options.rateLimit.limit,
                windowMs: Duration.toMillis(options.rateLimit.window)
              })
      }),
      options.port ?? 0,
      host
    )
    const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host
    const origin = `http://${urlHost}:${address.port}`

    return Emulator.of({
      baseUrl: `${origin}${Server.apiPrefix}`,
      origin,
      port: address.port,
      managementKey: Redacted.make(accessKeys.managementKey),
      keys: {
        memberManagementKey: Redacted.make(accessKeys.memberManagementKey),
        inferenceKey: Redacted.make(accessKeys.inferenceKey)
      },
      requests: Effect.sync(() => log.all),
      clearRequests: Effect.sync(() => log.clear()),
      setFaults: (rules, faultOptions) => Effect.sync(() => faults.set(rules, faultOptions?.seed)),
      faults: Effect.sync(() => faults.current),
      history: Effect.sync(() => organization.history),
      snapshot: Effect.sync(() => organization.snapshot()),
      mutate: (f) =>
        Effect.suspend(() => {
          f(organization.state)
          organization.invalidate()
          organization.changed()
          if (journal === undefined) return Effect.void
          journal.changedDirectly()
          return Effect.async<void>((resume) => journal.whenDurable(() => resume(Effect.void)))
        })
    })
  })

/**
 * The emulator as a scoped layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: EmulatorOptions): Layer.Layer<Emulator, EmulatorError> =>
  Layer.scoped(Emulator, make(options))

/**
 * The client settings {@link layerWorkspaces} lets through: all but the key and the base URL,
 * which are the emulator's.
 *
 * @since 0.1.0
 * @category models
 */
export type ClientOptions = Omit<Partial<Workspaces.Options>, "apiKey" | "baseUrl">

/**
 * A fresh emulator and a `Workspaces` client wired to it with its admin management key, both in
 * the layer's output: what a test, a demo or a dress rehearsal needs in one line. The client runs on
 * `FetchHttpClient`; `client` sets its other options (retry policy, timeouts, `transformClient`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Workspaces } from "effect-openrouter-workspaces"
 * import { Emulator } from "effect-openrouter-workspaces/emulator"
 *
 * const program = Effect.flatMap(Workspaces.Workspaces, (ws) => ws.list())
 * Effect.runPromise(program.pipe(Effect.provide(Emulator.layerWorkspaces({ seed: Emulator.builtinSeed() }))))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWorkspaces = (
  options: EmulatorOptions & { readonly client?: ClientOptions | undefined } = {}
): Layer.Layer<Emulator | Workspaces.Workspaces, EmulatorError | InvalidRequestError> => {
  const { client, ...emulator } = options
  return Layer.unwrapEffect(
    Effect.map(Emulator, (running) =>
      Workspaces.layer({ ...client, apiKey: running.managementKey, baseUrl: running.baseUrl })
    )
  ).pipe(Layer.provide(FetchHttpClient.layer), Layer.provideMerge(layer(emulator)))
}

/**
 * What a history replay tracks, by workspace id: slugs, explicit members, budgets.
 *
 * @since 0.2.0
 * @category models
 */
export type Replayed = Replay.Replayed

/**
 * Replays `events` (from `history`) over `snapshot` (taken before them), checking at every change
 * what the API's clients must never break: no two workspaces with one slug, no member added twice or
 * removed while absent, budgets in order (lifetime > monthly > weekly > daily); and over the whole
 * run, that nobody with an explicit membership before and after was ever in none. `check` adds a
 * rule of its own, asked after every event. Returns the broken rules (`#<seq>: ...`) and the state
 * at the end. A dress rehearsal (`orw rehearse`) and the tests read an apply's safety from it.
 *
 * @since 0.2.0
 * @category history
 */
export const replayHistory: (
  snapshot: StateSnapshot,
  events: ReadonlyArray<HistoryEvent>,
  check?: (state: Replayed) => string | undefined
) => { readonly broken: ReadonlyArray<string>; readonly state: Replayed } = Replay.replay
