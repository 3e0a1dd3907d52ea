/**
 * A saved plan (`orw plan -o plan.json`): the plan's changes and its blocked changes (recorded, never
 * sent), what the plan saw of every workspace it touches (a fingerprint of its settings, budgets and member set), and a digest over all of it.
 * `orw apply plan.json` applies it exactly as saved, reading each workspace it touches again right
 * before that workspace's first step and refusing the workspace's steps if it changed since (Pulumi's
 * `up --plan`, without a state file).
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { createHash } from "node:crypto"
import { firstIssue } from "../../src/internal/issues.js"
import { Budgets, Model, Plan, Workspaces, type WorkspacesError } from "../../src/index.js"

/**
 * The format this version of orw writes. Version 2 added the blocked changes and the confirmed
 * deletion of the default workspace; a version 1 file (no blocked changes) is still read.
 */
export const formatVersion = 2

/** The versions this orw reads. */
const readable: ReadonlyArray<unknown> = [1, formatVersion]

const Interval = Schema.Literal(...Model.budgetIntervals)

const ChangeSchema = Schema.Union(
  Schema.TaggedStruct("CreateWorkspace", {
    workspace: Schema.String,
    name: Schema.String,
    settings: Schema.typeSchema(Model.WorkspaceSettings)
  }),
  Schema.TaggedStruct("UpdateWorkspace", {
    workspace: Schema.String,
    changes: Schema.Array(Schema.Struct({ field: Schema.String, from: Schema.Unknown, to: Schema.Unknown }))
  }),
  Schema.TaggedStruct("DeleteWorkspace", {
    workspace: Schema.String,
    name: Schema.String,
    confirmDefaultWorkspaceDeletion: Schema.optionalWith(Schema.Boolean, { exact: true })
  }),
  Schema.TaggedStruct("AddMembers", { workspace: Schema.String, userIds: Schema.Array(Schema.String) }),
  Schema.TaggedStruct("RemoveMembers", { workspace: Schema.String, userIds: Schema.Array(Schema.String) }),
  Schema.TaggedStruct("SetBudget", {
    workspace: Schema.String,
    interval: Interval,
    limitUsd: Schema.Number,
    previous: Schema.NullOr(Schema.Number),
    includeByokInBudgets: Schema.optionalWith(Schema.Boolean, { exact: true })
  }),
  Schema.TaggedStruct("DeleteBudget", { workspace: Schema.String, interval: Interval, previous: Schema.Number })
)

/** A change the API would refuse as things stand (see `Plan.BlockedChange`): recorded, never sent. */
const BlockedSchema = Schema.Struct({
  change: ChangeSchema,
  reason: Schema.String,
  apiKeys: Schema.Array(Schema.Struct({ hash: Schema.String, name: Schema.String }))
})

/** What a plan saw of one workspace: a hash of each part, or `null` when the workspace did not exist. */
export const Fingerprint = Schema.NullOr(
  Schema.Struct({
    settings: Schema.String,
    budgets: Schema.String,
    members: Schema.String,
    /** How many explicit members the workspace had: what `--max-removals` is measured against. */
    memberCount: Schema.Int
  })
)
export type Fingerprint = typeof Fingerprint.Type

const Body = Schema.Struct({
  format: Schema.Literal("orw-plan"),
  version: Schema.Literal(1, formatVersion),
  createdAt: Schema.String,
  /** The base URL the plan was made against. */
  target: Schema.String,
  defaultWorkspace: Schema.String,
  prune: Schema.Boolean,
  changes: Schema.Array(ChangeSchema),
  /** Absent from version 1 files. */
  blocked: Schema.optionalWith(Schema.Array(BlockedSchema), { exact: true }),
  fingerprints: Schema.Record({ key: Schema.String, value: Fingerprint })
})

/** The plan file: its body and the SHA-256 of the body's canonical JSON. */
export const SavedPlan = Schema.extend(Body, Schema.Struct({ digest: Schema.String }))
export type SavedPlan = typeof SavedPlan.Type

/** A plan file that cannot be applied: unreadable, of another version, or changed after it was written. */
export class PlanFileError extends Schema.TaggedError<PlanFileError>()("PlanFileError", {
  file: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.file}: ${this.detail}`
  }
}

/** A workspace the plan touches has changed since the plan was made: none of its steps is sent. */
export class StaleWorkspaceError extends Schema.TaggedError<StaleWorkspaceError>()("StaleWorkspaceError", {
  workspace: Schema.String,
  changed: Schema.Array(Schema.String)
}) {
  override get message() {
    return (
      `workspace ${this.workspace} changed since the plan was made (${this.changed.join(", ")}): ` +
      `nothing was sent for it; run orw plan again`
    )
  }
}

/** JSON with object keys sorted, so equal values always hash alike. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v
  )

const sha256 = (value: unknown) => createHash("sha256").update(canonical(value)).digest("hex")

/**
 * What the plan sees of a workspace now: its settings (not ids or timestamps), its budgets and the
 * workspace-wide BYOK flag, and its explicit member set (none for the default workspace, whose
 * membership is every organization member).
 */
export const fingerprint = (
  slug: string,
  isDefault: boolean
): Effect.Effect<
  Fingerprint,
  Exclude<WorkspacesError.WorkspacesError, WorkspacesError.NotFoundResponseError>,
  Workspaces.Workspaces
> =>
  Effect.gen(function* () {
    const service = yield* Workspaces.Workspaces
    const workspace = yield* service
      .get({ id: slug })
      .pipe(Effect.catchTag("NotFoundResponseError", () => Effect.succeed(undefined)))
    if (workspace === undefined) return null
    const { createdAt: _c, createdBy: _b, id: _i, updatedAt: _u, ...settings } = workspace
    const budgets = yield* service
      .listBudgets({ id: slug })
      .pipe(Effect.catchTag("NotFoundResponseError", () => Effect.succeed({ data: [], includeByokInBudgets: false })))
    const members = isDefault
      ? []
      : Chunk.toArray(
          yield* Stream.runCollect(
            service.streamMembers({ id: slug }).pipe(
              Stream.map((member) => member.userId),
              Stream.catchTag("NotFoundResponseError", () => Stream.empty)
            )
          )
        ).sort()
    return {
      settings: sha256(settings),
      budgets: sha256({ budgets: Budgets.budgetsOf(budgets.data), byok: budgets.includeByokInBudgets }),
      members: sha256(members),
      memberCount: members.length
    }
  })

/** The workspaces a plan touches, in the order of their first step. */
export const touched = (plan: Plan.Plan): ReadonlyArray<string> =>
  Array.from(new Set(plan.changes.map((_) => _.workspace)))

/** Fingerprints of the workspaces a plan touches, read `concurrency` at a time. */
export const fingerprints = (plan: Plan.Plan, defaultWorkspace: string, concurrency: number) =>
  Effect.map(
    Effect.forEach(
      touched(plan),
      (slug) => Effect.map(fingerprint(slug, slug === defaultWorkspace), (seen) => [slug, seen] as const),
      { concurrency }
    ),
    (entries): Record<string, Fingerprint> => Object.fromEntries(entries)
  )

/** A saved plan of `plan`, sealed with its digest. */
export const make = (options: {
  readonly plan: Plan.Plan
  readonly target: string
  readonly defaultWorkspace: string
  readonly fingerprints: Record<string, Fingerprint>
  readonly now: Date
}): SavedPlan => {
  const body: typeof Body.Type = {
    format: "orw-plan",
    version: formatVersion,
    createdAt: options.now.toISOString(),
    target: options.target,
    defaultWorkspace: options.defaultWorkspace,
    prune: options.plan.prune,
    changes: options.plan.changes as typeof Body.Type.changes,
    blocked: Plan.blocked(options.plan) as NonNullable<typeof Body.Type.blocked>,
    fingerprints: options.fingerprints
  }
  return { ...body, digest: sha256(body) }
}

const decodeSaved = Schema.decodeUnknownEither(SavedPlan, { onExcessProperty: "error" })

/** Reads a plan file's text: refuses other formats and versions, a malformed file, or one whose digest does not match. */
export const parse = (file: string, text: string): Either.Either<SavedPlan, PlanFileError> => {
  const fail = (detail: string) => Either.left(new PlanFileError({ file, detail }))
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return fail("is not JSON: a plan file is what orw plan -o writes")
  }
  const head = json as { readonly format?: unknown; readonly version?: unknown } | null
  if (typeof head !== "object" || head === null || head.format !== "orw-plan") {
    return fail("is not an orw plan file (no format: orw-plan)")
  }
  if (!readable.includes(head.version)) {
    return fail(
      `is a plan file of version ${String(head.version)}; this orw reads versions ${readable.join(" and ")}: ` +
        `make a new plan with this orw`
    )
  }
  if (head.version === 1 && "blocked" in head) {
    return fail("is a version 1 plan file with blocked changes, which only version 2 has: make a new plan")
  }
  const decoded = decodeSaved(json)
  if (Either.isLeft(decoded)) {
    const issue = firstIssue(decoded.left, "(file)")
    return fail(`is not a valid plan file: ${issue.field}: ${issue.rule}`)
  }
  const { digest, ...body } = decoded.right
  if (sha256(body) !== digest) {
    return fail("was changed after orw plan wrote it (its digest does not match): make a new plan")
  }
  return Either.right(decoded.right)
}

const changeOf = (change: SavedPlan["changes"][number]): Plan.Change => {
  const { _tag, ...fields } = change
  return (Plan.Change[_tag] as (fields: object) => Plan.Change)(fields)
}

/** The plan a saved plan holds, as `Plan.apply` takes it. */
export const planOf = (saved: SavedPlan): Plan.Plan => ({
  prune: saved.prune,
  changes: saved.changes.map(changeOf),
  blocked: (saved.blocked ?? []).map((entry) => ({ ...entry, change: changeOf(entry.change) }))
})

/** Whether a plan deletes the default workspace (with the API's confirmation). */
export const deletesDefault = (plan: Plan.Plan): boolean =>
  plan.changes.some((step) => step._tag === "DeleteWorkspace" && step.confirmDefaultWorkspaceDeletion === true)

/** Which parts of a workspace differ between what the plan saw and what is there now. */
const differences = (saw: Fingerprint, now: Fingerprint): ReadonlyArray<string> => {
  if (saw === null && now === null) return []
  if (saw === null) return ["created since the plan"]
  if (now === null) return ["deleted since the plan"]
  return (["settings", "budgets", "members"] as const).filter((part) => saw[part] !== now[part])
}

/** What `check` can fail with: the workspace changed since the plan, or it could not be read again. */
export type CheckError =
  | StaleWorkspaceError
  | Exclude<WorkspacesError.WorkspacesError, WorkspacesError.NotFoundResponseError>

/**
 * The check `orw apply` runs right before a workspace's first step (`Plan.ApplyOptions.beforeWorkspace`):
 * the workspace is read again and must be as the plan saw it. A workspace the plan recorded nothing
 * of is refused too.
 */
export const check =
  (saved: SavedPlan) =>
  (workspace: string): Effect.Effect<void, CheckError, Workspaces.Workspaces> =>
    Effect.flatMap(fingerprint(workspace, workspace === saved.defaultWorkspace), (now) => {
      const changed =
        workspace in saved.fingerprints
          ? differences(saved.fingerprints[workspace]!, now)
          : ["not recorded by the plan"]
      return changed.length === 0 ? Effect.void : Effect.fail(new StaleWorkspaceError({ workspace, changed }))
    })

/**
 * Why a plan needs `--allow-destroy`: it deletes a workspace, or removes more than `maxRemovals` (a
 * fraction) of a workspace's explicit members, counted in `seen`.
 */
export const destructive = (
  plan: Plan.Plan,
  seen: Record<string, Fingerprint>,
  maxRemovals: number
): ReadonlyArray<string> => {
  const removed = new Map<string, number>()
  const reasons: Array<string> = []
  for (const step of plan.changes) {
    if (step._tag === "RemoveMembers")
      removed.set(step.workspace, (removed.get(step.workspace) ?? 0) + step.userIds.length)
    if (step._tag === "DeleteWorkspace" && step.confirmDefaultWorkspaceDeletion === true) {
      reasons.push(
        `it deletes the default workspace ${step.workspace}, disabling its inference API keys and deleting its budgets`
      )
    } else if (step._tag === "DeleteWorkspace") {
      const members = seen[step.workspace]?.memberCount ?? 0
      reasons.push(`it deletes workspace ${step.workspace}, with its ${members} memberships and its budgets`)
    }
  }
  for (const [workspace, count] of removed) {
    const members = seen[workspace]?.memberCount ?? count
    if (members > 0 && count / members > maxRemovals) {
      reasons.push(
        `it removes ${count} of the ${members} members of ${workspace} (${Math.round((100 * count) / members)} %), ` +
          `more than --max-removals ${Math.round(100 * maxRemovals)} %`
      )
    }
  }
  return reasons
}
