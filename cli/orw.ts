#!/usr/bin/env node
/**
 * `orw`: the operator's command line for OpenRouter workspaces.
 *
 *   orw export [-o org.yaml] [--format yaml|json] [--members-as id|email]
 *   orw plan org.yaml [--prune] [-o plan.json] [--json] [--detailed-exitcode] [--show-members]
 *            [--confirm-default-workspace-deletion]
 *   orw apply <plan.json | org.yaml> [--yes] [--prune] [--concurrency n] [--audit-log changes.jsonl]
 *             [--max-removals 25] [--allow-destroy] [--confirm-default-workspace-deletion]
 *   orw members sync <workspace> --csv team.csv [--column user_id|email] [--prune] [--dry-run] [--yes]
 *   orw members move --from A --to B --csv moving.csv [--dry-run] [--yes]
 *   orw budgets set <workspace | --prefix p> [--lifetime n] [--monthly n] [--weekly n] [--daily n]
 *   orw rehearse org.yaml [--prune] [--faults standard|none]
 *   orw emulator [--port 8787] [--seed seed.yaml] [--state state.json] [--faults faults.json]
 *
 * Every command but `emulator` runs against the organization of the management key in
 * OPENROUTER_API_KEY, at --base-url (or OPENROUTER_BASE_URL, default https://openrouter.ai/api/v1),
 * or with --emulator against a fresh embedded emulator (the built-in seed; no key needed).
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Prompt from "@effect/cli/Prompt"
import * as ValidationError from "@effect/cli/ValidationError"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { Emulator } from "../emulator/index.js"
import { Manifest, Model, Plan, Workflows, Workspaces, type WorkspacesError } from "../src/index.js"
import { version } from "../src/internal/version.js"
import { auditing } from "./internal/auditLog.js"
import * as Csv from "./internal/csv.js"
import * as Hints from "./internal/hints.js"
import { command as emulatorCommand } from "./internal/emulatorCommand.js"
import * as PlanFile from "./internal/planFile.js"
import * as Progress from "./internal/progress.js"
import * as Summary from "./internal/summary.js"
import { renameWarnings } from "./internal/warnings.js"
import { rehearse, standardFaults } from "./internal/rehearse.js"

/** The process's exit code once the command has run: `--detailed-exitcode` and failed applies set it. */
let exitCode = 0
const exitWith = (code: number) => Effect.sync(() => void (exitCode = Math.max(exitCode, code)))

/** What the failure line of a failed command can say: the target's base URL, the connection attempts that failed. */
const connectionFailures = { count: 0 }
const failure: { baseUrl?: string } = {}

/** Status lines go to stderr, so that stdout holds only what a command outputs (a manifest, a plan, JSON). */
const status = (line: string) => Console.error(line)

const baseUrl = Options.text("base-url").pipe(
  Options.withFallbackConfig(Config.string("OPENROUTER_BASE_URL")),
  Options.optional,
  Options.withDescription(
    "the API's base URL (default: OPENROUTER_BASE_URL, else https://openrouter.ai/api/v1); the key is read " +
      "only from OPENROUTER_API_KEY, never from a flag"
  )
)
const emulator = Options.boolean("emulator").pipe(
  Options.withDescription("run against a fresh embedded emulator (the built-in seed) instead of an organization")
)
const defaultWorkspace = Options.text("default-workspace").pipe(
  Options.withFallbackConfig(Config.string("OPENROUTER_DEFAULT_WORKSPACE").pipe(Config.withDefault("default"))),
  Options.filterMap(
    (slug) => (slug.trim() === "" ? Option.none() : Option.some(slug.trim())),
    "--default-workspace (or OPENROUTER_DEFAULT_WORKSPACE) must not be empty"
  ),
  Options.withDescription(
    "the slug of the organization's default workspace (on OpenRouter, the one named Default), whose membership " +
      "is every member (default: OPENROUTER_DEFAULT_WORKSPACE, else default)"
  )
)
const noColor = Options.boolean("no-color").pipe(
  Options.withDescription("no colour (also NO_COLOR; never when the output is not a terminal)")
)
const target = { baseUrl, emulator, defaultWorkspace, noColor }

interface Target {
  readonly baseUrl: Option.Option<string>
  readonly emulator: boolean
  readonly defaultWorkspace: string
}

/** The organization a command works on, named as a saved plan records it. */
const targetName = (options: Target) =>
  options.emulator ? "emulator:builtin" : Option.getOrElse(options.baseUrl, () => "https://openrouter.ai/api/v1")

/** The `Workspaces` service of a command and its `Workflows.DefaultWorkspace`. */
const workspacesLayer = (
  options: Target,
  transformClient?: (client: HttpClient.HttpClient) => HttpClient.HttpClient
) => {
  failure.baseUrl = targetName(options)
  const counted = Hints.countConnectionFailures(connectionFailures)
  const client = {
    transformClient:
      transformClient === undefined ? counted : (http: HttpClient.HttpClient) => transformClient(counted(http))
  }
  const service: Layer.Layer<
    Workspaces.Workspaces,
    Emulator.EmulatorError | WorkspacesError.InvalidRequestError | ConfigError.ConfigError
  > = options.emulator
    ? Layer.effectDiscard(
        Effect.flatMap(Emulator.Emulator, (running) =>
          status(`target: a fresh emulator at ${running.baseUrl} (built-in seed)`)
        )
      ).pipe(Layer.provideMerge(Emulator.layerWorkspaces({ seed: Emulator.builtinSeed(), client })))
    : Layer.effectDiscard(status(`target: ${targetName(options)}`)).pipe(
        Layer.provideMerge(
          Workspaces.layerConfig({
            ...client,
            ...(Option.isSome(options.baseUrl) ? { baseUrl: Config.succeed(options.baseUrl.value) } : {})
          }).pipe(Layer.provide(FetchHttpClient.layer))
        )
      )
  return Layer.merge(service, Layer.succeed(Workflows.DefaultWorkspace, { slug: options.defaultWorkspace }))
}

const formatOf = (file: string | undefined, format: Option.Option<"yaml" | "json">) =>
  Option.getOrElse(format, () => (file?.toLowerCase().endsWith(".json") ? "json" : "yaml"))

const exportCommand = Command.make(
  "export",
  {
    ...target,
    output: Options.file("output").pipe(
      Options.withAlias("o"),
      Options.optional,
      Options.withDescription("write the manifest to this file (default: stdout)")
    ),
    format: Options.choice("format", ["yaml", "json"]).pipe(
      Options.optional,
      Options.withDescription("yaml or json (default: from the file's extension, else yaml)")
    ),
    membersAs: Options.choice("members-as", ["id", "email"]).pipe(
      Options.withDefault("id" as const),
      Options.withDescription(
        "name members by user id (the default) or by email (the user id of anyone whose email is not unique)"
      )
    )
  },
  (options) =>
    Effect.gen(function* () {
      const manifest = yield* Manifest.exportState({ membersAs: options.membersAs })
      const file = Option.getOrUndefined(options.output)
      const text = yield* Manifest.stringify(manifest, `manifest.${formatOf(file, options.format)}`)
      if (file === undefined) return yield* Console.log(text.trimEnd())
      yield* (yield* FileSystem.FileSystem).writeFileString(file, text)
      yield* status(`exported ${manifest.workspaces.length} workspaces to ${file}`)
    }).pipe(Effect.provide(workspacesLayer(options)))
).pipe(Command.withDescription("Write the organization's workspaces, budgets and members as a manifest."))

const manifestArg = Args.file({ name: "manifest", exists: "yes" }).pipe(
  Args.withDescription("the manifest: the organization's desired workspaces (YAML or JSON)")
)
const prune = Options.boolean("prune").pipe(
  Options.withDescription("also remove what the manifest does not list (members, budgets, workspaces)")
)

const maxRemovals = Options.integer("max-removals").pipe(
  Options.filterMap(
    (n) => (n >= 0 && n <= 100 ? Option.some(n) : Option.none()),
    "--max-removals is a percentage, 0 to 100"
  ),
  Options.withDefault(25),
  Options.withDescription(
    "the largest share of a workspace's explicit members (in %) a plan may remove without --allow-destroy"
  )
)
const allowDestroy = Options.boolean("allow-destroy").pipe(
  Options.withDescription("apply a plan that deletes a workspace or removes more than --max-removals of its members")
)

const confirmDefaultWorkspaceDeletion = Options.boolean("confirm-default-workspace-deletion").pipe(
  Options.withDescription(
    "let a manifest with deleteDefaultWorkspace: true delete the default workspace, which disables its inference " +
      "API keys and deletes its budgets and guardrails (needed to plan it and to apply it)"
  )
)

/** Refuses, before anything is sent, a plan that deletes or removes more than the rails allow. */
const guard = (
  plan: Plan.Plan,
  seen: Record<string, PlanFile.Fingerprint>,
  options: { readonly maxRemovals: number; readonly allowDestroy: boolean }
) =>
  Effect.gen(function* () {
    const reasons = options.allowDestroy ? [] : PlanFile.destructive(plan, seen, options.maxRemovals / 100)
    for (const reason of reasons) yield* Console.log(`refused: ${reason}; re-run with --allow-destroy to apply it`)
    return reasons.length === 0
  })

const planCommand = Command.make(
  "plan",
  {
    ...target,
    manifest: manifestArg,
    prune,
    out: Options.file("out").pipe(
      Options.withAlias("o"),
      Options.optional,
      Options.withDescription("save the plan to this file, for orw apply")
    ),
    json: Options.boolean("json").pipe(Options.withDescription("print the plan as JSON (the plan file's format)")),
    detailedExitcode: Options.boolean("detailed-exitcode").pipe(
      Options.withDescription(
        "exit 0 when there is nothing to change, 2 when there are changes to apply, 3 when there is nothing to " +
          "apply but changes are blocked (active API keys), 1 on error"
      )
    ),
    showMembers: Options.boolean("show-members").pipe(Options.withDescription("list every user id")),
    maxRemovals,
    confirmDefaultWorkspaceDeletion
  },
  (options) =>
    Effect.gen(function* () {
      const manifest = yield* Manifest.readFile(options.manifest)
      const plan = yield* Plan.make(manifest, {
        prune: options.prune,
        file: options.manifest,
        confirmDefaultWorkspaceDeletion: options.confirmDefaultWorkspaceDeletion
      })
      const seen = yield* PlanFile.fingerprints(plan, options.defaultWorkspace, 4)
      if (Option.isSome(options.out) || options.json) {
        const saved = PlanFile.make({
          plan,
          target: targetName(options),
          defaultWorkspace: options.defaultWorkspace,
          fingerprints: seen,
          now: new Date()
        })
        const text = JSON.stringify(saved, null, 2) + "\n"
        if (Option.isSome(options.out)) {
          yield* (yield* FileSystem.FileSystem).writeFileString(options.out.value, text)
          yield* status(`saved the plan to ${options.out.value}: orw apply ${options.out.value} applies it as it is`)
        }
        if (options.json) yield* Console.log(text.trimEnd())
      }
      if (!options.json) {
        yield* Console.log(
          Plan.render(plan, { maxUserIds: options.showMembers ? Number.MAX_SAFE_INTEGER : 10 }).trimEnd()
        )
      }
      yield* warn(plan)
      for (const reason of PlanFile.destructive(plan, seen, options.maxRemovals / 100)) {
        yield* status(`note: orw apply will need --allow-destroy: ${reason}`)
      }
      if (options.detailedExitcode) yield* exitWith(!Plan.isEmpty(plan) ? 2 : Plan.isConvergedWithBlocked(plan) ? 3 : 0)
    }).pipe(Effect.provide(workspacesLayer(options)))
).pipe(Command.withDescription("Show what applying a manifest would change; -o saves the plan for orw apply."))

const describeStep = (step: Plan.Change): string =>
  Plan.Change.$match(step, {
    CreateWorkspace: (c) => `+ create workspace ${c.workspace}`,
    UpdateWorkspace: (c) => `~ update workspace ${c.workspace} (${c.changes.map((f) => f.field).join(", ")})`,
    DeleteWorkspace: (c) => `- delete workspace ${c.workspace}`,
    AddMembers: (c) => `+ add ${c.userIds.length} members to ${c.workspace}`,
    RemoveMembers: (c) => `- remove ${c.userIds.length} members from ${c.workspace}`,
    SetBudget: (c) => `${c.previous === null ? "+" : "~"} budget ${c.interval} = ${c.limitUsd} on ${c.workspace}`,
    DeleteBudget: (c) => `- budget ${c.interval} on ${c.workspace}`
  })

const describeBlocked = ({ change, reason }: Plan.BlockedChange): string =>
  `${
    change._tag === "RemoveMembers"
      ? `remove ${change.userIds.join(", ")} from ${change.workspace}`
      : change._tag === "DeleteWorkspace"
        ? `delete workspace ${change.workspace}`
        : describeStep(change)
  }: ${reason}`

/**
 * Applies a plan: a kept line per finished step (under a progress bar on a terminal), then the
 * report, a table per workspace, and whether everything went through.
 */
const runApply = (plan: Plan.Plan, options: Plan.ApplyOptions<PlanFile.CheckError, Workspaces.Workspaces>) =>
  Effect.suspend(() => {
    let progress: Progress.Progress | undefined
    const done: Array<Plan.Change> = []
    const line = (text: string) => Effect.sync(() => (progress === undefined ? console.log(text) : progress.line(text)))
    return Plan.apply(plan, options).pipe(
      Stream.runFoldEffect(true, (ok, event) => {
        const counter = (index: number, total: number) =>
          `[${String(index + 1).padStart(String(total).length)}/${total}]`
        switch (event._tag) {
          case "Started":
            return Effect.as(
              Effect.zipRight(
                status(
                  `applying ${event.total} steps` +
                    (event.blocked.length === 0 ? "" : ` (${event.blocked.length} blocked changes are not sent)`)
                ),
                Effect.sync(() => void (progress = Progress.make(event.total)))
              ),
              ok
            )
          case "StepDone":
            done.push(event.step)
            return Effect.as(
              line(
                `${counter(event.index, event.total)} done     ${describeStep(event.step)}` +
                  (event.rejected.length === 0 ? "" : ` (${event.rejected.length} users refused)`)
              ),
              ok
            )
          case "StepFailed":
            return Effect.as(
              line(`${counter(event.index, event.total)} failed   ${describeStep(event.step)}: ${event.error.message}`),
              false
            )
          case "StepSkipped":
            return Effect.as(
              line(`${counter(event.index, event.total)} skipped  ${describeStep(event.step)}: ${event.reason}`),
              false
            )
          case "WorkspaceRefused":
            return Effect.as(
              line(
                event.error._tag === "StaleWorkspaceError"
                  ? `refused: ${event.error.message}`
                  : `refused: workspace ${event.workspace} could not be read again before its first step ` +
                      `(${event.error.message}): nothing was sent for it`
              ),
              false
            )
          case "Finished": {
            progress?.stop()
            progress = undefined
            const { blocked, failed, rejected, skipped, total } = event.report
            const lines = [
              `\nApplied: ${event.report.done} of ${total} done, ${failed.length} failed, ${skipped.length} skipped, ${rejected.length} users refused` +
                (blocked.length === 0 ? "." : `; ${blocked.length} changes blocked, not sent.`),
              ...rejected.map((r) => `  ! ${r.operation} ${r.userId} in ${r.workspace}: ${r.reason}`),
              ...blocked.map((entry) => `  blocked: ${describeBlocked(entry)}`),
              ...(total + blocked.length === 0 ? [] : ["", Summary.render(Summary.countsOf(done, event.report))])
            ]
            return Effect.as(Console.log(lines.join("\n")), ok && failed.length === 0)
          }
        }
      })
    )
  })

/** A confirmation on a terminal; without one (and without --yes), nothing is sent. */
const confirmed = (yes: boolean, question: string) =>
  Effect.gen(function* () {
    if (yes) return true
    if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) {
      yield* status("not applied: there is no terminal to confirm on, and --yes was not given; nothing was sent")
      return false
    }
    return yield* Prompt.confirm({ message: question })
  })

/** Prints the near-miss and rename warnings of a plan that creates a workspace. */
const warn = (plan: Plan.Plan) =>
  Effect.gen(function* () {
    if (!plan.changes.some((step) => step._tag === "CreateWorkspace")) return
    const service = yield* Workspaces.Workspaces
    const existing = Chunk.toArray(yield* Stream.runCollect(service.streamWorkspaces())).map((w) => w.slug)
    for (const line of renameWarnings(plan, existing)) yield* status(line)
  })

interface ApplyFlags extends Target {
  readonly yes: boolean
  readonly dryRun: boolean
  readonly concurrency: number
  readonly maxRemovals: number
  readonly allowDestroy: boolean
  readonly confirmDefaultWorkspaceDeletion?: boolean
}

/**
 * The path every writing command takes: plan, show the plan, check the safety rails, confirm (on a
 * terminal, or `--yes`), apply with a line per step, and plan again. `--dry-run` stops after the plan.
 */
const planConfirmApply = <E, R>(makePlan: Effect.Effect<Plan.Plan, E, R>, options: ApplyFlags) =>
  Effect.gen(function* () {
    const plan = yield* makePlan
    yield* Console.log(Plan.render(plan).trimEnd())
    if (Plan.isEmpty(plan)) return
    yield* warn(plan)
    const seen = yield* PlanFile.fingerprints(plan, options.defaultWorkspace, options.concurrency)
    if (!(yield* guard(plan, seen, options))) return yield* exitWith(1)
    if (options.dryRun) return yield* status("dry run (--dry-run): nothing was sent")
    if (!(yield* confirmed(options.yes, `Apply these ${plan.changes.length} steps to ${targetName(options)}?`))) {
      return yield* exitWith(1)
    }
    const ok = yield* runApply(plan, {
      concurrency: options.concurrency,
      confirmDefaultWorkspaceDeletion: options.confirmDefaultWorkspaceDeletion === true
    })
    const replan = yield* makePlan
    yield* Console.log(`\nPlanning again:\n${Plan.render(replan).trimEnd()}`)
    if (!ok) yield* exitWith(1)
  })

const isSavedPlan = (text: string) => /^\s*\{[\s\S]*"format"\s*:\s*"orw-plan"/.test(text)

const applyCommand = Command.make(
  "apply",
  {
    ...target,
    source: Args.file({ name: "plan-or-manifest", exists: "yes" }).pipe(
      Args.withDescription("a plan saved by orw plan -o (applied exactly as saved), or a manifest (planned first)")
    ),
    yes: Options.boolean("yes").pipe(Options.withDescription("apply a manifest's plan without asking")),
    prune,
    concurrency: Options.integer("concurrency").pipe(
      Options.filterMap((n) => (n >= 1 ? Option.some(n) : Option.none()), "--concurrency must be at least 1"),
      Options.withDefault(4),
      Options.withDescription("calls in flight at once")
    ),
    maxRemovals,
    allowDestroy,
    confirmDefaultWorkspaceDeletion,
    auditLog: Options.file("audit-log").pipe(
      Options.optional,
      Options.withDescription("append one JSON line per change sent (time, workspace, operation, outcome, request id)")
    )
  },
  (options) =>
    Effect.gen(function* () {
      const text = yield* (yield* FileSystem.FileSystem).readFileString(options.source)
      if (isSavedPlan(text)) {
        const saved = yield* Either.match(PlanFile.parse(options.source, text), {
          onLeft: Effect.fail,
          onRight: Effect.succeed
        })
        if (saved.target !== targetName(options)) {
          return yield* new PlanFile.PlanFileError({
            file: options.source,
            detail: `was made against ${saved.target}, not ${targetName(options)}: make a new plan for this target`
          })
        }
        if (saved.defaultWorkspace !== options.defaultWorkspace) {
          return yield* new PlanFile.PlanFileError({
            file: options.source,
            detail: `was made with --default-workspace ${saved.defaultWorkspace}, not ${options.defaultWorkspace}`
          })
        }
        const plan = PlanFile.planOf(saved)
        if (PlanFile.deletesDefault(plan) && !options.confirmDefaultWorkspaceDeletion) {
          yield* Console.log(
            `refused: the plan deletes the default workspace ${saved.defaultWorkspace}; re-run with ` +
              `--confirm-default-workspace-deletion to apply it (nothing was sent)`
          )
          return yield* exitWith(1)
        }
        // Each workspace is read again right before its first step, not all of them up front: a
        // change made while the steps of the others run is caught too.
        if (!(yield* guard(plan, saved.fingerprints, options))) return yield* exitWith(1)
        for (const entry of Plan.blocked(plan)) yield* Console.log(`blocked, not sent: ${describeBlocked(entry)}`)
        const ok = Plan.isEmpty(plan)
          ? true
          : yield* runApply(plan, {
              concurrency: options.concurrency,
              confirmDefaultWorkspaceDeletion: options.confirmDefaultWorkspaceDeletion,
              beforeWorkspace: PlanFile.check(saved)
            })
        if (!ok) yield* exitWith(1)
        return
      }
      const manifest = yield* Manifest.parse(text, options.source)
      const makePlan = Plan.make(manifest, {
        prune: options.prune,
        file: options.source,
        confirmDefaultWorkspaceDeletion: options.confirmDefaultWorkspaceDeletion
      })
      yield* planConfirmApply(makePlan, { ...options, dryRun: false })
    }).pipe(Effect.provide(workspacesLayer(options, Option.getOrUndefined(Option.map(options.auditLog, auditing)))))
).pipe(Command.withDescription("Apply a saved plan (refusing workspaces changed since) or a manifest."))

const concurrency = Options.integer("concurrency").pipe(
  Options.filterMap((n) => (n >= 1 ? Option.some(n) : Option.none()), "--concurrency must be at least 1"),
  Options.withDefault(4),
  Options.withDescription("calls in flight at once (default 4)")
)

/** The flags of every command that writes through a plan. */
const writeFlags = {
  ...target,
  yes: Options.boolean("yes").pipe(Options.withDescription("apply the plan without asking")),
  dryRun: Options.boolean("dry-run").pipe(Options.withDescription("show the plan and send nothing")),
  concurrency,
  maxRemovals,
  allowDestroy,
  auditLog: Options.file("audit-log").pipe(
    Options.optional,
    Options.withDescription("append one JSON line per change sent (time, workspace, operation, outcome, request id)")
  )
}

const auditLayer = (options: Target & { readonly auditLog: Option.Option<string> }) =>
  workspacesLayer(options, Option.getOrUndefined(Option.map(options.auditLog, auditing)))

const slugArg = Args.text({ name: "workspace" }).pipe(
  Args.withSchema(Model.Slug),
  Args.withDescription("the workspace's slug")
)
const csv = Options.file("csv", { exists: "yes" }).pipe(
  Options.withDescription("a CSV file with a header row (quoted fields, a BOM and CRLF are fine)")
)
const column = Options.text("column").pipe(
  Options.withDefault("user_id"),
  Options.withDescription(
    "the CSV column that holds the users (default user_id): user ids, or emails (e.g. --column email), each " +
      "resolved through the organization's members before anything is sent"
  )
)

/** A workspace named on the command line; one that does not exist fails with the nearest slug that does. */
const workspaceNamed = (slug: string) =>
  Effect.flatMap(Workspaces.Workspaces, (service) =>
    service.get({ id: slug }).pipe(
      Effect.catchTag("NotFoundResponseError", (error) =>
        Effect.gen(function* () {
          if (Hints.isNoRoute(error)) return yield* error
          const slugs = yield* Stream.runCollect(service.streamWorkspaces().pipe(Stream.map((entry) => entry.slug)))
          const nearest = Hints.nearestSlug(slug, slugs)
          return yield* new Hints.UnknownWorkspaceError({ slug, ...(nearest === undefined ? {} : { nearest }) })
        })
      )
    )
  )

/** The current explicit members of a workspace. */
const membersOf = (slug: string) =>
  Effect.flatMap(Workspaces.Workspaces, (service) =>
    Stream.runCollect(service.streamMembers({ id: slug }).pipe(Stream.map((member) => member.userId)))
  ).pipe(Effect.map(Chunk.toArray))

/** A plan of `manifest`'s entries only: pruning their members, never deleting a workspace it does not list. */
const planOnly = (entries: ReadonlyArray<Manifest.WorkspaceEntry>, prune: boolean) =>
  Effect.map(Plan.make({ workspaces: entries }, { prune }), (plan) => {
    const own = (step: Plan.Change) =>
      step._tag !== "DeleteWorkspace" && entries.some((entry) => entry.slug === step.workspace)
    return {
      ...plan,
      changes: plan.changes.filter(own),
      blocked: Plan.blocked(plan).filter((entry) => own(entry.change))
    }
  })

const membersSync = Command.make("sync", { ...writeFlags, workspace: slugArg, csv, column, prune }, (options) =>
  Effect.gen(function* () {
    const userIds = yield* Csv.userIds(options.csv, options.column)
    const makePlan = Effect.gen(function* () {
      const workspace = yield* workspaceNamed(options.workspace)
      return yield* planOnly([{ slug: workspace.slug, name: workspace.name, members: userIds }], options.prune)
    })
    yield* status(`${options.workspace}: ${userIds.length} users listed in ${options.csv}`)
    yield* planConfirmApply(makePlan, options)
  }).pipe(Effect.provide(auditLayer(options)))
).pipe(
  Command.withDescription("Add the CSV's users to a workspace; with --prune, also remove the members it does not list.")
)

const membersMove = Command.make(
  "move",
  {
    ...writeFlags,
    from: Options.text("from").pipe(
      Options.withSchema(Model.Slug),
      Options.withDescription("the workspace they leave")
    ),
    to: Options.text("to").pipe(Options.withSchema(Model.Slug), Options.withDescription("the workspace they join")),
    csv,
    column
  },
  (options) =>
    Effect.gen(function* () {
      const moving = new Set(yield* Csv.userIds(options.csv, options.column))
      const makePlan = Effect.gen(function* () {
        const [from, to] = [yield* workspaceNamed(options.from), yield* workspaceNamed(options.to)]
        const [leaving, joining] = [yield* membersOf(from.slug), yield* membersOf(to.slug)]
        const movers = leaving.filter((id) => moving.has(id))
        return yield* planOnly(
          [
            { slug: from.slug, name: from.name, members: leaving.filter((id) => !moving.has(id)) },
            { slug: to.slug, name: to.name, members: Array.from(new Set([...joining, ...movers])) }
          ],
          true
        )
      })
      yield* status(`moving the ${moving.size} users listed in ${options.csv} from ${options.from} to ${options.to}`)
      yield* planConfirmApply(makePlan, options)
    }).pipe(Effect.provide(auditLayer(options)))
).pipe(
  Command.withDescription(
    "Move the CSV's users from one workspace to another: added to the one before removed from the other."
  )
)

const limit = (interval: Model.BudgetInterval) =>
  Options.float(interval).pipe(
    Options.filterMap(
      (n) => (Number.isFinite(n) && n > 0 ? Option.some(n) : Option.none()),
      `--${interval} must be a number of USD greater than 0`
    ),
    Options.optional,
    Options.withDescription(`the ${interval} budget in USD`)
  )

const budgetsSet = Command.make(
  "set",
  {
    ...writeFlags,
    workspace: slugArg.pipe(Args.optional),
    prefix: Options.text("prefix").pipe(
      Options.optional,
      Options.withDescription("every workspace whose slug starts with this, instead of one workspace")
    ),
    lifetime: limit("lifetime"),
    monthly: limit("monthly"),
    weekly: limit("weekly"),
    daily: limit("daily")
  },
  (options) =>
    Effect.gen(function* () {
      const budgets = Object.fromEntries(
        Model.budgetIntervals.flatMap((interval) => Option.toArray(Option.map(options[interval], (n) => [interval, n])))
      )
      if (Object.keys(budgets).length === 0) {
        return yield* Effect.fail(new Error("give at least one of --lifetime, --monthly, --weekly, --daily"))
      }
      if (Option.isSome(options.workspace) === Option.isSome(options.prefix)) {
        return yield* Effect.fail(new Error("give either a workspace or --prefix, not both and not neither"))
      }
      const makePlan = Effect.gen(function* () {
        const all = Chunk.toArray(yield* Stream.runCollect((yield* Workspaces.Workspaces).streamWorkspaces()))
        const chosen = all.filter((workspace) =>
          Option.isSome(options.workspace)
            ? workspace.slug === options.workspace.value
            : workspace.slug.startsWith(Option.getOrElse(options.prefix, () => "")) &&
              workspace.slug !== options.defaultWorkspace
        )
        if (chosen.length === 0 && Option.isSome(options.workspace)) {
          const nearest = Hints.nearestSlug(
            options.workspace.value,
            all.map((workspace) => workspace.slug)
          )
          return yield* new Hints.UnknownWorkspaceError({
            slug: options.workspace.value,
            ...(nearest === undefined ? {} : { nearest })
          })
        }
        if (chosen.length === 0) {
          return yield* Effect.fail(
            new Error(
              `no workspace but the default one has a slug starting with ${Option.getOrElse(options.prefix, () => "")}`
            )
          )
        }
        return yield* planOnly(
          chosen.map((workspace) => ({ slug: workspace.slug, name: workspace.name, budgets })),
          false
        )
      })
      yield* planConfirmApply(makePlan, options)
    }).pipe(Effect.provide(auditLayer(options)))
).pipe(
  Command.withDescription(
    "Set budgets on a workspace, or on every workspace with a slug prefix (not the default one); the order rule is checked first."
  )
)

const membersCommand = Command.make("members").pipe(
  Command.withDescription("Change a workspace's members from a CSV file, on the plan, confirm, apply path."),
  Command.withSubcommands([membersSync, membersMove])
)
const budgetsCommand = Command.make("budgets").pipe(
  Command.withDescription("Change budgets, on the plan, confirm, apply path."),
  Command.withSubcommands([budgetsSet])
)

const rehearseCommand = Command.make(
  "rehearse",
  {
    ...target,
    manifest: manifestArg,
    prune,
    faults: Options.choice("faults", ["standard", "none"]).pipe(
      Options.withDefault("standard" as const),
      Options.withDescription(
        "faults injected on the copy: standard (5 % 429s, 5 % 503s, 3 % resets, 3 % lost responses) or none"
      )
    ),
    concurrency: Options.integer("concurrency").pipe(
      Options.filterMap((n) => (n >= 1 ? Option.some(n) : Option.none()), "--concurrency must be at least 1"),
      Options.withDefault(4),
      Options.withDescription("calls in flight at once")
    )
  },
  (options) =>
    Effect.gen(function* () {
      const manifest = yield* Manifest.readFile(options.manifest)
      const ok = yield* rehearse({
        manifest,
        file: options.manifest,
        prune: options.prune,
        faults: options.faults === "standard" ? standardFaults : [],
        concurrency: options.concurrency,
        defaultWorkspace: options.defaultWorkspace
      })
      if (!ok) yield* exitWith(1)
    }).pipe(Effect.provide(workspacesLayer(options)))
).pipe(
  Command.withDescription(
    "Rehearse a manifest: apply its plan on an emulator holding a copy of the organization, under faults, and check it."
  )
)

const orw = Command.make("orw").pipe(
  Command.withDescription(
    "Manage OpenRouter workspaces from a manifest: export, plan, apply. Exit codes: 0 done (or no changes), " +
      "1 error or refused, 2 changes to apply, 3 nothing to apply but changes blocked by active API keys " +
      "(2 and 3: plan --detailed-exitcode)."
  ),
  Command.withSubcommands([
    exportCommand,
    planCommand,
    applyCommand,
    membersCommand,
    budgetsCommand,
    rehearseCommand,
    emulatorCommand.pipe(Command.withDescription("Serve the Workspaces emulator until interrupted."))
  ])
)

/** Colour only on a terminal, and never with NO_COLOR or --no-color. */
const colour =
  process.stdout.isTTY === true && (process.env["NO_COLOR"] ?? "") === "" && !process.argv.includes("--no-color")

const escapes = /\u001b\[[0-9;]*[A-Za-z]/g
const plain = (args: ReadonlyArray<unknown>) =>
  args.map((arg) => (typeof arg === "string" ? arg.replace(escapes, "") : arg))

/** The console without escape codes (the help @effect/cli prints is always styled). */
const plainConsole = Effect.map(
  Effect.console,
  (base): Console.Console => ({
    ...base,
    log: (...args) => base.log(...plain(args)),
    error: (...args) => base.error(...plain(args)),
    unsafe: {
      ...base.unsafe,
      log: (...args) => base.unsafe.log(...plain(args)),
      error: (...args) => base.unsafe.error(...plain(args))
    }
  })
)

Command.run(orw, { name: "orw", version })(process.argv).pipe(
  (program) => (colour ? program : Effect.flatMap(plainConsole, (console) => Effect.withConsole(program, console))),
  Effect.tapErrorCause((cause) =>
    Option.match(Cause.failureOption(cause), {
      onNone: () => (Cause.isInterruptedOnly(cause) ? Effect.void : Console.error(Cause.pretty(cause))),
      onSome: (error) =>
        ValidationError.isValidationError(error)
          ? Effect.void
          : Console.error(
              `error: ${Hints.describeFailure(error, { ...failure, connectionFailures: connectionFailures.count })}`
            )
    })
  ),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) ? exitCode : Cause.isInterruptedOnly(exit.cause) ? 130 : 1)
  })
)
