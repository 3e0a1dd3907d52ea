/**
 * `orw rehearse org.yaml`: a dress rehearsal. It reads the target organization (nothing is written
 * there), seeds an in-process emulator with exactly that state, applies the manifest's plan on the
 * copy under injected faults, replays the copy's history to check what must hold at every moment,
 * plans again, and prints that report with the plan that would run on the organization itself.
 */
import * as Chunk from "effect/Chunk"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { Emulator } from "../../emulator/index.js"
import { Manifest, type Model, Plan, RetryPolicy, Workflows, Workspaces } from "../../src/index.js"

/** The faults of `--faults standard`: rate limits, server errors, resets and lost responses, from a fixed seed. */
export const standardFaults: ReadonlyArray<Emulator.FaultRule> = [
  { kind: "status", status: 429, rate: 0.05, retryAfter: null, retryAfterMs: 20 },
  { kind: "status", status: 503, rate: 0.05 },
  { kind: "reset", rate: 0.03 },
  { kind: "lostResponse", rate: 0.03 }
]

/** The user the copy gives a key whose creator is unknown or no longer a member: it still blocks its workspace's deletion. */
const keyholder = "user_rehearsal_keyholder"

/** What the copy is seeded from, besides the manifest: the organization's members and its active API keys. */
interface Organization {
  readonly users: ReadonlyArray<Model.OrganizationMember>
  /** Each active key with the slug of its workspace. */
  readonly apiKeys: ReadonlyArray<{ readonly key: Model.ApiKey; readonly workspace: string }>
}

/** The organization as an emulator seed: its users (ids, emails, names, roles), workspaces and active API keys. */
export const seedOf = (
  current: Manifest.Manifest,
  organization: Organization,
  defaultWorkspace: string
): Emulator.Seed => {
  // the emulator's default workspace is `default`; the organization's is named by --default-workspace
  const slugOf = (slug: string) => (slug === defaultWorkspace ? "default" : slug)
  const ids = new Set(organization.users.map((user) => user.id))
  const creatorOf = (key: Model.ApiKey) =>
    key.creatorUserId !== null && ids.has(key.creatorUserId) ? key.creatorUserId : keyholder
  const apiKeys = organization.apiKeys.map(({ key, workspace }) => ({
    userId: creatorOf(key),
    workspace: slugOf(workspace),
    name: key.name,
    createdAt: key.createdAt,
    usage: key.usage,
    limit: key.limit
  }))
  return {
    users: [
      ...organization.users.map((user) => ({
        id: user.id,
        email: user.email,
        firstName: user.firstName,
        lastName: user.lastName,
        role: user.role === "org:admin" ? ("admin" as const) : ("member" as const)
      })),
      ...(apiKeys.some((key) => key.userId === keyholder) ? [{ id: keyholder, role: "member" as const }] : [])
    ],
    apiKeys,
    workspaces: current.workspaces.map(({ budgets, members, slug, ...entry }) => ({
      ...entry,
      slug: slugOf(slug),
      ...(members === undefined ? {} : { members }),
      ...(budgets === undefined
        ? {}
        : {
            budgets: Object.fromEntries(
              Object.entries(budgets).filter((entry): entry is [string, number] => typeof entry[1] === "number")
            )
          })
    }))
  }
}

/** A blocked change as a comparable line, the default workspace named as on the organization. */
const blockedLine = ({ change }: Plan.BlockedChange, defaultWorkspace: string) => {
  const workspace = change.workspace === "default" ? defaultWorkspace : change.workspace
  return `${change._tag} ${workspace}${change._tag === "RemoveMembers" ? ` ${[...change.userIds].sort().join(",")}` : ""}`
}

const rename = (manifest: Manifest.Manifest, defaultWorkspace: string): Manifest.Manifest => ({
  ...manifest,
  workspaces: manifest.workspaces.map((entry) =>
    entry.slug === defaultWorkspace ? { ...entry, slug: "default" } : entry
  )
})

/** The copy's retry policy: the default rules, with waits scaled to an emulator's quick recoveries. */
const rehearsalRetry = RetryPolicy.make({ baseDelay: "10 millis", maxDelay: "200 millis", maxRetries: 8 })

export const rehearse = (options: {
  readonly manifest: Manifest.Manifest
  readonly file: string
  readonly prune: boolean
  readonly faults: ReadonlyArray<Emulator.FaultRule>
  readonly concurrency: number
  readonly defaultWorkspace: string
}) =>
  Effect.gen(function* () {
    const service = yield* Workspaces.Workspaces
    const current = yield* Manifest.exportState()
    const users = Chunk.toArray(yield* Stream.runCollect(service.streamOrganizationMembers()))
    const workspaces = Chunk.toArray(yield* Stream.runCollect(service.streamWorkspaces()))
    const apiKeys = (yield* Effect.forEach(
      workspaces,
      (workspace) =>
        Stream.runCollect(service.streamApiKeys({ workspaceId: workspace.id })).pipe(
          Effect.map((keys) =>
            Chunk.toArray(keys).flatMap((key) => (key.disabled ? [] : [{ key, workspace: workspace.slug }]))
          )
        ),
      { concurrency: options.concurrency }
    )).flat()
    // Emails are resolved here, against the organization itself, so the copy plans the same user ids.
    const resolved = yield* Manifest.resolveEmails(options.manifest, { file: options.file })
    const livePlan = yield* Plan.make(resolved, { prune: options.prune, file: options.file })
    yield* Console.error(
      `read the organization: ${current.workspaces.length} workspaces, ${users.length} members, ` +
        `${apiKeys.length} active API key${apiKeys.length === 1 ? "" : "s"}; nothing was written to it`
    )

    const copy = Emulator.layerWorkspaces({
      seed: seedOf(current, { users, apiKeys }, options.defaultWorkspace),
      client: { retry: rehearsalRetry }
    }).pipe(Layer.merge(Layer.succeed(Workflows.DefaultWorkspace, { slug: "default" })))
    const manifest = rename(resolved, options.defaultWorkspace)

    return yield* Effect.gen(function* () {
      const emulator = yield* Emulator.Emulator
      const plan = yield* Plan.make(manifest, { prune: options.prune })
      const before = yield* emulator.snapshot
      const seen = (yield* emulator.history).length
      yield* emulator.setFaults(options.faults, { seed: 1 })
      const events = yield* Stream.runCollect(Plan.apply(plan, { concurrency: options.concurrency }))
      const finished = Chunk.findLast(events, (event) => event._tag === "Finished")
      yield* emulator.setFaults([])
      const requests = yield* emulator.requests
      const history = (yield* emulator.history).slice(seen)
      const { broken } = Emulator.replayHistory(before, history)
      const replan = yield* Plan.make(manifest, { prune: options.prune })
      const report = finished._tag === "Some" && finished.value._tag === "Finished" ? finished.value.report : undefined
      const faulted = requests.filter((request) => request.fault !== undefined).length
      const liveBlocked = Plan.blocked(livePlan).map((entry) => blockedLine(entry, options.defaultWorkspace))
      const copyBlocked = Plan.blocked(plan).map((entry) => blockedLine(entry, options.defaultWorkspace))
      const sameBlocked = [...liveBlocked].sort().join("\n") === [...copyBlocked].sort().join("\n")
      const check = (ok: boolean, what: string) => `  ${ok ? "ok  " : "FAIL"} ${what}`
      const lines = [
        `Rehearsal on an emulator holding a copy of the organization, under ${options.faults.length === 0 ? "no faults" : `faults (${faulted} of ${requests.length} requests hit one)`}:`,
        report === undefined
          ? "  the apply did not finish"
          : `  applied: ${report.done} of ${report.total} steps done, ${report.failed.length} failed, ${report.skipped.length} skipped, ${report.rejected.length} users refused, ${report.blocked.length} blocked (not sent)`,
        check(!broken.some((line) => line.includes("in no workspace")), "nobody was in no workspace while moving"),
        check(
          !broken.some((line) => line.includes("out of order")),
          "budgets kept lifetime > monthly > weekly > daily at every moment"
        ),
        check(!broken.some((line) => line.includes("second workspace")), "no slug ever had two workspaces"),
        check(
          Plan.isEmpty(replan),
          Plan.isEmpty(replan) ? "planning again finds nothing to do" : "planning again still finds changes"
        ),
        check(
          sameBlocked,
          sameBlocked
            ? `the ${liveBlocked.length} change${liveBlocked.length === 1 ? "" : "s"} active API keys block on the organization ${liveBlocked.length === 1 ? "is" : "are"} blocked here too`
            : `blocked changes differ: ${liveBlocked.length} on the organization, ${copyBlocked.length} here`
        ),
        ...broken.map((line) => `    ${line}`),
        "  (the copy holds the organization's users and active API keys, not their secrets)",
        "",
        "The plan that would run on the organization:",
        Plan.render(livePlan).trimEnd()
      ]
      yield* Console.log(lines.join("\n"))
      return (
        broken.length === 0 && Plan.isEmpty(replan) && sameBlocked && report !== undefined && report.failed.length === 0
      )
    }).pipe(Effect.provide(copy))
  })
