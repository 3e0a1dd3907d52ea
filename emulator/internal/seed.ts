/**
 * Seeds: the organization an emulator starts from, as a value or a JSON/YAML file; its format, its
 * decoding and the state it builds. The built-in realistic seed is generated in `builtinSeed.ts`.
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { BudgetInterval } from "../../src/Model.js"
import { budgetIntervals, LimitUsd, Role, Slug, WorkspaceName, WorkspaceSettings } from "../../src/Model.js"
import type { State } from "./organization.js"
import { emptyState } from "./organization.js"
import type { ApiKey, Budget, ManagementKey, Membership, User, Workspace } from "./records.js"
import { budgetOrderConflict, settingsWithDefaults } from "./records.js"
import { issuesOf } from "../../src/internal/issues.js"
import * as Prng from "./prng.js"
import * as Uuid from "./uuid.js"

const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })

/** @internal */
export const SeedUser = Schema.Struct({
  id: Schema.String.pipe(Schema.minLength(1)),
  email: optional(Schema.String),
  firstName: optional(Schema.NullOr(Schema.String)),
  lastName: optional(Schema.NullOr(Schema.String)),
  role: Role,
  scim: optional(Schema.Boolean),
  createdAt: optional(Schema.String)
})

/** @internal */
export const SeedApiKey = Schema.Struct({
  id: optional(Schema.String),
  key: optional(Schema.String),
  userId: Schema.String,
  /** The slug of the workspace the key belongs to. */
  workspace: Schema.String,
  disabled: optional(Schema.Boolean),
  name: optional(Schema.String),
  createdAt: optional(Schema.String),
  usage: optional(Schema.Number),
  limit: optional(Schema.NullOr(Schema.Number))
})

/** @internal */
export const SeedManagementKey = Schema.Struct({
  id: optional(Schema.String),
  /** The secret; made at start when omitted (see `salt`). */
  key: optional(Schema.String),
  userId: Schema.String
})

/** @internal */
export const SeedBudgets = Schema.Struct({
  lifetime: optional(LimitUsd),
  monthly: optional(LimitUsd),
  weekly: optional(LimitUsd),
  daily: optional(LimitUsd)
})

/** @internal */
export const SeedWorkspace = Schema.Struct({
  id: optional(Schema.String),
  slug: Slug,
  name: WorkspaceName,
  includeByokInBudgets: optional(Schema.Boolean),
  createdAt: optional(Schema.String),
  createdBy: optional(Schema.NullOr(Schema.String)),
  /** User ids; ignored for the default workspace, whose members are every user. */
  members: optional(Schema.Array(Schema.String)),
  budgets: optional(SeedBudgets)
}).pipe(Schema.extend(Schema.typeSchema(WorkspaceSettings)))

/** @internal */
export const Seed = Schema.Struct({
  users: Schema.Array(SeedUser),
  apiKeys: optional(Schema.Array(SeedApiKey)),
  managementKeys: optional(Schema.Array(SeedManagementKey)),
  workspaces: optional(Schema.Array(SeedWorkspace))
})

/** @internal */
export interface Seed extends Schema.Schema.Type<typeof Seed> {}

/** The time seeded things were created at when the seed does not say. @internal */
export const seedEpoch = "2025-01-06T09:00:00.000Z"

/** @internal */
export const defaultSlug = "default"

/**
 * Builds the state a seed describes, or says what is wrong with it.
 *
 * @internal
 */
export const toState = (seed: Seed, salt = ""): Either.Either<State, string> => {
  const state = emptyState()
  const problems: Array<string> = []
  const nextId = Uuid.generator(Prng.make(0x5eed))

  for (const seeded of seed.users) {
    if (state.users.has(seeded.id)) problems.push(`users: duplicate id ${seeded.id}`)
    state.users.set(seeded.id, {
      id: seeded.id,
      email: seeded.email ?? `${seeded.id}@example.com`,
      firstName: seeded.firstName ?? null,
      lastName: seeded.lastName ?? null,
      role: seeded.role,
      scim: seeded.scim ?? false,
      createdAt: seeded.createdAt ?? seedEpoch
    })
  }

  const seededWorkspaces = seed.workspaces ?? []
  // a seed passed in code is typed but not checked: check the workspaces' slugs, names and budgets
  const workspacesIssue = Either.flip(
    Schema.validateEither(Schema.Array(SeedWorkspace), { errors: "all" })(seededWorkspaces)
  )
  if (Either.isRight(workspacesIssue)) {
    for (const issue of issuesOf(workspacesIssue.right).slice(0, 10)) {
      problems.push(`workspaces.${issue.path}: ${issue.message}`)
    }
  }
  const listedDefault = seededWorkspaces.find((_) => _.slug === defaultSlug)
  const bySlug = new Map<string, Workspace>()
  const toAdd =
    listedDefault === undefined ? [{ slug: defaultSlug, name: "Default" }, ...seededWorkspaces] : seededWorkspaces
  for (const seeded of toAdd as ReadonlyArray<typeof SeedWorkspace.Type>) {
    if (bySlug.has(seeded.slug)) {
      problems.push(`workspaces: duplicate slug ${seeded.slug}`)
      continue
    }
    const isDefault = seeded.slug === defaultSlug
    const workspace: Workspace = {
      id: seeded.id ?? nextId(),
      slug: seeded.slug,
      name: seeded.name,
      ...settingsWithDefaults(seeded),
      createdAt: seeded.createdAt ?? seedEpoch,
      updatedAt: null,
      createdBy: seeded.createdBy ?? null,
      isDefault
    }
    if (state.workspaces.has(workspace.id)) problems.push(`workspaces: duplicate id ${workspace.id}`)
    state.workspaces.set(workspace.id, workspace)
    bySlug.set(workspace.slug, workspace)

    if (!isDefault && seeded.members !== undefined) {
      const members = new Map<string, Membership>()
      for (const userId of seeded.members) {
        const user = state.users.get(userId)
        if (user === undefined) {
          problems.push(`workspaces[${seeded.slug}].members: unknown user ${userId}`)
          continue
        }
        members.set(userId, {
          id: nextId(),
          workspaceId: workspace.id,
          userId,
          role: user.role,
          createdAt: seeded.createdAt ?? seedEpoch
        })
      }
      state.memberships.set(workspace.id, members)
    }

    if (seeded.budgets !== undefined) {
      const budgets = new Map<BudgetInterval, Budget>()
      let wider: { interval: BudgetInterval; limitUsd: number } | undefined
      for (const interval of budgetIntervals) {
        const limitUsd = seeded.budgets[interval]
        if (limitUsd === undefined) continue
        if (wider !== undefined && budgetOrderConflict(interval, limitUsd, [wider]) !== undefined) {
          problems.push(
            `workspaces[${seeded.slug}].budgets: ${interval} ${limitUsd} must be less than ${wider.interval} ${wider.limitUsd}`
          )
        }
        wider = { interval, limitUsd }
        budgets.set(interval, {
          id: nextId(),
          workspaceId: workspace.id,
          interval,
          limitUsd,
          createdAt: seeded.createdAt ?? seedEpoch,
          updatedAt: seeded.createdAt ?? seedEpoch
        })
      }
      state.budgets.set(workspace.id, budgets)
    }
  }

  ;(seed.apiKeys ?? []).forEach((seeded, index) => {
    const workspace = bySlug.get(seeded.workspace)
    if (!state.users.has(seeded.userId)) problems.push(`apiKeys[${index}]: unknown user ${seeded.userId}`)
    if (workspace === undefined) {
      problems.push(`apiKeys[${index}]: unknown workspace ${seeded.workspace}`)
      return
    }
    const id = seeded.id ?? nextId()
    const key: ApiKey = {
      id,
      key: seeded.key ?? Uuid.secretFromName(`api-key:${id}`, salt),
      userId: seeded.userId,
      workspaceId: workspace.id,
      disabled: seeded.disabled ?? false,
      name: seeded.name ?? `key-${index + 1}`,
      createdAt: seeded.createdAt ?? seedEpoch,
      usage: seeded.usage ?? 0,
      limit: seeded.limit ?? null
    }
    state.apiKeys.set(id, key)
  })
  ;(seed.managementKeys ?? []).forEach((seeded) => {
    const id = seeded.id ?? nextId()
    state.managementKeys.set(id, {
      id,
      key: seeded.key ?? Uuid.secretFromName(`management-key:${id}`, salt),
      userId: seeded.userId
    })
  })

  return problems.length === 0 ? Either.right(state) : Either.left(problems.slice(0, 20).join("; "))
}

/**
 * Decodes an unknown value (a parsed seed file) as a seed.
 *
 * @internal
 */
export const decode = (input: unknown): Either.Either<Seed, string> =>
  Schema.decodeUnknownEither(Seed, { errors: "all" })(input).pipe(
    Either.mapLeft((error) =>
      issuesOf(error)
        .slice(0, 20)
        .map((issue) => `${issue.path}: ${issue.message}`)
        .join("; ")
    )
  )

/**
 * The keys an emulator hands to tests: an admin's management key, a non-admin's management key and
 * an active API key. Missing ones are added to the state, derived from names so that they are the
 * same at every start.
 *
 * @internal
 */
export const ensureAccessKeys = (
  state: State,
  salt = ""
): { readonly managementKey: string; readonly memberManagementKey: string; readonly inferenceKey: string } => {
  const isAdmin = (userId: string) => state.users.get(userId)?.role === "admin"
  const addManagementKey = (userId: string): ManagementKey => {
    const id = Uuid.fromName(`management-key:${userId}`)
    const key: ManagementKey = { id, key: Uuid.secretFromName(`management-key:${userId}`, salt), userId }
    state.managementKeys.set(id, key)
    return key
  }
  const managementKeys = Array.from(state.managementKeys.values())

  let admin = managementKeys.find((_) => isAdmin(_.userId))
  if (admin === undefined) {
    let adminUser = Array.from(state.users.values()).find((_) => _.role === "admin")
    if (adminUser === undefined) {
      adminUser = {
        id: "user_emulator_admin",
        email: "admin@emulator.local",
        firstName: "Emulator",
        lastName: "Admin",
        role: "admin",
        scim: false,
        createdAt: seedEpoch
      }
      state.users.set(adminUser.id, adminUser)
    }
    admin = addManagementKey(adminUser.id)
  }

  let member = managementKeys.find((_) => !isAdmin(_.userId))
  if (member === undefined) {
    const memberUser: User | undefined = Array.from(state.users.values()).find((_) => _.role !== "admin")
    // without a non-admin user, the key belongs to a user outside the organization: still not an admin
    member = addManagementKey(memberUser?.id ?? "user_emulator_member")
  }

  let inference = Array.from(state.apiKeys.values()).find((_) => !_.disabled)
  if (inference === undefined) {
    const defaultWorkspace = Array.from(state.workspaces.values()).find((_) => _.isDefault)!
    const id = Uuid.fromName(`api-key:inference:${admin.userId}`)
    inference = {
      id,
      key: Uuid.secretFromName(`api-key:${id}`, salt),
      userId: admin.userId,
      workspaceId: defaultWorkspace.id,
      disabled: false,
      name: "inference",
      createdAt: seedEpoch,
      usage: 0,
      limit: null
    }
    state.apiKeys.set(id, inference)
  }

  return { managementKey: admin.key, memberManagementKey: member.key, inferenceKey: inference.key }
}
