/**
 * `npm start`: a whole migration from a manifest, end to end, against an embedded emulator seeded
 * with a realistic organization (no key, no network). It exports the organization, writes the
 * reorganized manifest to a YAML file, reads it back, prints the plan, applies it with progress
 * while the emulator injects rate limits and server errors, and ends with a summary table and the
 * re-plan, which is empty.
 */
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { FileSystem, Path } from "@effect/platform"
import { SingleBar } from "cli-progress"
import { Console, Effect, Layer, Stream } from "effect"
import { Emulator } from "../emulator/index.js"
import { Manifest, Plan, RetryPolicy } from "../src/index.js"

/** Rate limits and server errors during the apply, from a fixed seed: every run is the same. */
const faults: ReadonlyArray<Emulator.FaultRule> = [
  { kind: "status", status: 429, rate: 0.05, retryAfter: null, retryAfterMs: 50 },
  { kind: "status", status: 503, rate: 0.05 }
]

/**
 * The reorganization: engineering's platform people (every other movable member) move to a new
 * `platform` workspace with its own budgets; a new `research` workspace gets 150 people (two bulk
 * calls); marketing gets weekly and daily budgets under its monthly one; sandbox's daily budget
 * goes up. Members with active API keys in engineering or SCIM-managed stay where they are: the
 * API would refuse to remove them.
 */
const reorganize = (current: Manifest.Manifest, state: Emulator.StateSnapshot): Manifest.Manifest => {
  const engineering = state.workspaces.find((w) => w.slug === "engineering")!
  const pinned = new Set([
    ...state.users.filter((u) => u.scim).map((u) => u.id),
    ...state.apiKeys.filter((k) => !k.disabled && k.workspaceId === engineering.id).map((k) => k.userId)
  ])
  const engineers = current.workspaces.find((w) => w.slug === "engineering")?.members ?? []
  const platform = engineers.filter((id, i) => !pinned.has(id) && i % 2 === 0)
  const research = state.users.slice(50, 200).map((u) => u.id)
  const workspaces = current.workspaces.map((entry): Manifest.WorkspaceEntry => {
    switch (entry.slug) {
      case "engineering":
        return { ...entry, members: engineers.filter((id) => !platform.includes(id)) }
      case "marketing":
        return { ...entry, budgets: { ...entry.budgets, weekly: 400, daily: 75 } }
      case "sandbox":
        return { ...entry, budgets: { ...entry.budgets, daily: 25 } }
      default:
        return entry
    }
  })
  return {
    ...current,
    workspaces: [
      ...workspaces,
      {
        slug: "platform",
        name: "Platform",
        description: "Shared infrastructure, split from engineering",
        defaultTextModel: "anthropic/claude-sonnet-4",
        budgets: { lifetime: 20000, monthly: 4000, weekly: 1000, daily: 150 },
        members: platform
      },
      {
        slug: "research",
        name: "Research",
        description: "Model evaluations",
        budgets: { monthly: 3000, daily: 120 },
        includeByokInBudgets: true,
        members: research
      }
    ]
  }
}

const describeStep = (step: Plan.Change): string =>
  Plan.Change.$match(step, {
    CreateWorkspace: (c) => `+ create workspace ${c.workspace}`,
    UpdateWorkspace: (c) => `~ update ${c.workspace} (${c.changes.map((f) => f.field).join(", ")})`,
    DeleteWorkspace: (c) => `- delete workspace ${c.workspace}`,
    AddMembers: (c) => `+ add ${c.userIds.length} members to ${c.workspace}`,
    RemoveMembers: (c) => `- remove ${c.userIds.length} members from ${c.workspace}`,
    SetBudget: (c) => `~ ${c.workspace} ${c.interval} budget ${c.previous ?? "none"} -> ${c.limitUsd} USD`,
    DeleteBudget: (c) => `- ${c.workspace} ${c.interval} budget`
  })

/** A bar on a terminal, one line per step otherwise (CI logs, pipes). */
const progress = (total: number) => {
  if (process.stdout.isTTY) {
    const bar = new SingleBar({ format: "applying [{bar}] {value}/{total} {step}", hideCursor: true })
    bar.start(total, 0, { step: "" })
    return { step: (line: string) => bar.increment({ step: line }), done: () => bar.stop() }
  }
  let n = 0
  const width = String(total).length
  return {
    step: (line: string) => console.log(`[${String(++n).padStart(width)}/${total}] ${line}`),
    done: () => undefined
  }
}

const program = Effect.gen(function* () {
  const emulator = yield* Emulator.Emulator
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  yield* Console.log(`Emulator at ${emulator.baseUrl} (seeded organization, no key, no network)\n`)

  const before = yield* Manifest.exportState()
  // removed when the demo ends, however it ends
  const dir = yield* fs.makeTempDirectoryScoped({ prefix: "workspaces-demo-" })
  const manifestFile = path.join(dir, "org.yaml")
  const target = reorganize(before, yield* emulator.snapshot)
  yield* fs.writeFileString(manifestFile, yield* Manifest.stringify(target, manifestFile))
  yield* Console.log(`Desired state written to ${manifestFile}\n`)

  const manifest = yield* Manifest.readFile(manifestFile)
  const plan = yield* Plan.make(manifest, { prune: true })
  yield* Console.log(Plan.render(plan) + "\n")

  yield* emulator.clearRequests
  yield* emulator.setFaults(faults)
  const bar = progress(plan.changes.length)
  const report = yield* Plan.apply(plan, { concurrency: 4 }).pipe(
    Stream.tap((event) =>
      Effect.sync(() =>
        Plan.ApplyEvent.$match(event, {
          Started: () => undefined,
          StepDone: ({ step }) => bar.step(describeStep(step)),
          StepFailed: ({ error, step }) => bar.step(`FAILED ${describeStep(step)}: ${error.message}`),
          StepSkipped: ({ step }) => bar.step(`skipped ${describeStep(step)}`),
          Finished: () => bar.done()
        })
      )
    ),
    Stream.runLast,
    Effect.map((last) => (last._tag === "Some" && last.value._tag === "Finished" ? last.value.report : undefined))
  )
  yield* emulator.setFaults([])
  const requests = yield* emulator.requests

  const after = yield* Manifest.exportState()
  const row = (slug: string) => {
    const was = before.workspaces.find((w) => w.slug === slug)
    const now = after.workspaces.find((w) => w.slug === slug)
    const budgets = Object.entries(now?.budgets ?? {})
      .map(([interval, usd]) => `${interval} ${usd}`)
      .join(", ")
    return {
      "members before": was === undefined ? "-" : (was.members?.length ?? "all"),
      "members after": now?.members?.length ?? "all",
      budgets: budgets === "" ? "-" : budgets
    }
  }
  yield* Console.log("\nSummary")
  // Keyed by name, so the table's first column names the row.
  console.table(Object.fromEntries(after.workspaces.map((w) => [w.slug, row(w.slug)])))
  console.table({
    apply: {
      steps: report?.total ?? 0,
      done: report?.done ?? 0,
      failed: report?.failed.length ?? 0,
      "users refused": report?.rejected.length ?? 0,
      "HTTP requests": requests.length,
      "429/503 injected and retried": requests.filter((r) => r.fault !== undefined).length
    }
  })

  const replan = yield* Plan.make(manifest, { prune: true })
  yield* Console.log("\nRe-plan after apply:\n" + Plan.render(replan))
  if (!Plan.isEmpty(replan) || (report?.failed.length ?? 1) > 0) {
    return yield* Effect.fail(new Error("the organization did not converge to the manifest"))
  }
  yield* Console.log(
    [
      "The same against a real organization, with a management key (nothing is written before apply):",
      "  npm install -g effect-openrouter-workspaces effect@^3.22.4 @effect/platform@^0.97.2",
      "  export OPENROUTER_API_KEY=...",
      "  orw export -o org.yaml           # then edit org.yaml",
      "  orw rehearse org.yaml --prune    # a dress rehearsal on a copy, under faults",
      "  orw plan org.yaml --prune -o plan.json",
      "  orw apply plan.json"
    ].join("\n")
  )
})

const WorkspacesOnEmulator = Emulator.layerWorkspaces({
  seed: Emulator.builtinSeed(),
  faultSeed: 7,
  // The default policy's backoff, scaled down: the emulator's faults are quick to clear.
  client: { retry: RetryPolicy.make({ baseDelay: "20 millis", maxDelay: "1 second", maxRetries: 8 }) }
})

NodeRuntime.runMain(program.pipe(Effect.scoped, Effect.provide(Layer.merge(WorkspacesOnEmulator, NodeContext.layer))))
