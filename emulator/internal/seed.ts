/**
 * Seeds: the organization an emulator starts from, as a value, a JSON/YAML file, or the built-in
 * realistic one.
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { BudgetInterval } from "../../src/Model.js"
import { budgetIntervals, Description, LimitUsd, SamplingRate, Slug, WorkspaceName } from "../../src/Model.js"
import type { State } from "./organization.js"
import { emptyState } from "./organization.js"
import type { ApiKey, Budget, ManagementKey, Membership, User, Workspace } from "./records.js"
import { settingsWithDefaults } from "./records.js"
import * as Prng from "./prng.js"
import * as Uuid from "./uuid.js"

const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })

/** @internal */
export const SeedUser = Schema.Struct({
  id: Schema.String.pipe(Schema.minLength(1)),
  email: optional(Schema.String),
  role: Schema.Literal("admin", "member"),
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
  disabled: optional(Schema.Boolean)
})

/** @internal */
export const SeedManagementKey = Schema.Struct({
  id: optional(Schema.String),
  key: Schema.String,
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
  description: optional(Schema.NullOr(Description)),
  defaultTextModel: optional(Schema.NullOr(Schema.String)),
  defaultImageModel: optional(Schema.NullOr(Schema.String)),
  defaultProviderSort: optional(Schema.NullOr(Schema.String)),
  isObservabilityIoLoggingEnabled: optional(Schema.Boolean),
  isObservabilityBroadcastEnabled: optional(Schema.Boolean),
  isDataDiscountLoggingEnabled: optional(Schema.Boolean),
  ioLoggingSamplingRate: optional(SamplingRate),
  ioLoggingApiKeyIds: optional(Schema.NullOr(Schema.Array(Schema.Int))),
  includeByokInBudgets: optional(Schema.Boolean),
  createdAt: optional(Schema.String),
  createdBy: optional(Schema.NullOr(Schema.String)),
  /** User ids; ignored for the default workspace, whose members are every user. */
  members: optional(Schema.Array(Schema.String)),
  budgets: optional(SeedBudgets)
})

/** @internal */
export const Seed = Schema.Struct({
  users: Schema.Array(SeedUser),
  apiKeys: optional(Schema.Array(SeedApiKey)),
  managementKeys: optional(Schema.Array(SeedManagementKey)),
  workspaces: optional(Schema.Array(SeedWorkspace))
})

/** @internal */
export interface Seed extends Schema.Schema.Type<typeof Seed> {}

/** The time seeded things were created at when the seed does not say. */
const seedEpoch = "2025-01-06T09:00:00.000Z"

/** @internal */
export const defaultSlug = "default"

/**
 * Builds the state a seed describes, or says what is wrong with it.
 *
 * @internal
 */
export const toState = (seed: Seed): Either.Either<State, string> => {
  const state = emptyState()
  const problems: Array<string> = []
  const nextId = Uuid.generator(Prng.make(0x5eed))

  for (const seeded of seed.users) {
    if (state.users.has(seeded.id)) problems.push(`users: duplicate id ${seeded.id}`)
    state.users.set(seeded.id, {
      id: seeded.id,
      email: seeded.email ?? `${seeded.id}@example.com`,
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
    for (const issue of ParseResult.ArrayFormatter.formatErrorSync(workspacesIssue.right).slice(0, 10)) {
      problems.push(`workspaces.${issue.path.join(".")}: ${issue.message}`)
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
      let wider: { interval: BudgetInterval; limit: number } | undefined
      for (const interval of budgetIntervals) {
        const limitUsd = seeded.budgets[interval]
        if (limitUsd === undefined) continue
        if (wider !== undefined && !(wider.limit > limitUsd)) {
          problems.push(
            `workspaces[${seeded.slug}].budgets: ${interval} ${limitUsd} must be less than ${wider.interval} ${wider.limit}`
          )
        }
        wider = { interval, limit: limitUsd }
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
      key: seeded.key ?? Uuid.secretFromName(`api-key:${id}`),
      userId: seeded.userId,
      workspaceId: workspace.id,
      disabled: seeded.disabled ?? false
    }
    state.apiKeys.set(id, key)
  })
  ;(seed.managementKeys ?? []).forEach((seeded) => {
    const id = seeded.id ?? nextId()
    state.managementKeys.set(id, { id, key: seeded.key, userId: seeded.userId })
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
      ParseResult.ArrayFormatter.formatErrorSync(error)
        .slice(0, 20)
        .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
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
  state: State
): { readonly managementKey: string; readonly memberManagementKey: string; readonly inferenceKey: string } => {
  const isAdmin = (userId: string) => state.users.get(userId)?.role === "admin"
  const addManagementKey = (userId: string): ManagementKey => {
    const id = Uuid.fromName(`management-key:${userId}`)
    const key: ManagementKey = { id, key: Uuid.secretFromName(`management-key:${userId}`), userId }
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
      key: Uuid.secretFromName(`api-key:${id}`),
      userId: admin.userId,
      workspaceId: defaultWorkspace.id,
      disabled: false
    }
    state.apiKeys.set(id, inference)
  }

  return { managementKey: admin.key, memberManagementKey: member.key, inferenceKey: inference.key }
}

// --- the built-in seed -------------------------------------------------------------------------

const firstNames = [
  "ada",
  "alan",
  "grace",
  "linus",
  "barbara",
  "ken",
  "margaret",
  "dennis",
  "frances",
  "edsger",
  "radia",
  "tim",
  "katherine",
  "john",
  "hedy",
  "claude",
  "annie",
  "donald",
  "sophie",
  "guido",
  "anita",
  "bjarne",
  "joan",
  "niklaus",
  "karen",
  "leslie",
  "shafi",
  "whitfield",
  "adele",
  "yukihiro",
  "mary",
  "james",
  "jean",
  "brendan",
  "evelyn",
  "rob"
]
const lastNames = [
  "lovelace",
  "turing",
  "hopper",
  "torvalds",
  "liskov",
  "thompson",
  "hamilton",
  "ritchie",
  "allen",
  "dijkstra",
  "perlman",
  "berners-lee",
  "johnson",
  "mccarthy",
  "lamarr",
  "shannon",
  "easley",
  "knuth",
  "wilson",
  "van-rossum",
  "borg",
  "stroustrup",
  "clarke",
  "wirth",
  "sparck-jones",
  "lamport",
  "goldwasser",
  "diffie",
  "goldberg",
  "matsumoto",
  "keller",
  "gosling",
  "sammet",
  "eich",
  "boyd",
  "pike"
]

const namedWorkspaces: ReadonlyArray<{
  readonly slug: string
  readonly name: string
  readonly description: string
  readonly share: number
  readonly budgets?: Partial<Record<BudgetInterval, number>>
  readonly settings?: Partial<typeof SeedWorkspace.Type>
}> = [
  {
    slug: "engineering",
    name: "Engineering",
    description: "Product engineering: coding agents, CI review bots and internal tools",
    share: 0.4,
    budgets: { lifetime: 50_000, monthly: 10_000, weekly: 2_500, daily: 400 },
    settings: {
      defaultTextModel: "anthropic/claude-sonnet-4",
      defaultProviderSort: "throughput",
      includeByokInBudgets: true,
      isObservabilityIoLoggingEnabled: true,
      ioLoggingSamplingRate: 0.25
    }
  },
  {
    slug: "marketing",
    name: "Marketing",
    description: "Copywriting and campaign assets",
    share: 0.15,
    budgets: { monthly: 1_500 },
    settings: { defaultTextModel: "openai/gpt-4o", defaultImageModel: "openai/dall-e-3", defaultProviderSort: "price" }
  },
  {
    slug: "data-science",
    name: "Data Science",
    description: "Evaluations, batch labelling and research notebooks",
    share: 0.12,
    budgets: { lifetime: 20_000, daily: 250 },
    settings: { defaultTextModel: "google/gemini-2.5-pro", isObservabilityBroadcastEnabled: true }
  },
  {
    slug: "sandbox",
    name: "Sandbox",
    description: "Experiments; anything here may be deleted",
    share: 0.25,
    budgets: { daily: 10 },
    settings: { isDataDiscountLoggingEnabled: false }
  }
]

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/**
 * The built-in seed: a few named workspaces (engineering, marketing, data-science, sandbox) next to
 * the default one, then generated `team-0001`... workspaces; users with Clerk-like ids, about 4 %
 * admins and 10 % SCIM-managed; API keys (some disabled) in the workspaces their owners belong to;
 * budgets that respect the ordering rule. The same options always give the same seed.
 *
 * @internal
 */
export const builtin = (
  options: {
    readonly users?: number | undefined
    readonly workspaces?: number | undefined
    readonly membersPerWorkspace?: number | undefined
    readonly seed?: number | undefined
  } = {}
): Seed => {
  const random = Prng.make(options.seed ?? 20250824)
  const userCount = Math.max(2, options.users ?? 250)
  const workspaceCount = Math.max(1, options.workspaces ?? 5)
  const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(random() * items.length)]!
  const base = Date.parse(seedEpoch)

  const emailCounts = new Map<string, number>()
  const users = Array.from({ length: userCount }, (_, index): typeof SeedUser.Type => {
    let id = "user_"
    for (let i = 0; i < 27; i++) id += alphabet[Math.floor(random() * alphabet.length)]
    const local = `${pick(firstNames)}.${pick(lastNames)}`
    const count = (emailCounts.get(local) ?? 0) + 1
    emailCounts.set(local, count)
    const email = count === 1 ? `${local}@acme.example` : `${local}${count}@acme.example`
    // the first user is an admin and the second a plain member: they own the management keys
    const role = index === 0 ? "admin" : index === 1 ? "member" : random() < 0.04 ? "admin" : "member"
    const scim = index > 1 && random() < 0.1
    const createdAt = new Date(base + index * 37_000).toISOString()
    return scim ? { id, email, role, scim, createdAt } : { id, email, role, createdAt }
  })

  const sample = (count: number): Array<string> => {
    const chosen = new Set<number>()
    const target = Math.min(count, users.length)
    while (chosen.size < target) chosen.add(Math.floor(random() * users.length))
    return Array.from(chosen, (index) => users[index]!.id)
  }

  const workspaces: Array<typeof SeedWorkspace.Type> = [
    {
      slug: defaultSlug,
      name: "Default",
      description: "Holds the organization's existing setup; every member belongs to it",
      createdAt: seedEpoch
    }
  ]
  const apiKeys: Array<typeof SeedApiKey.Type> = [{ userId: users[0]!.id, workspace: defaultSlug }]
  const generated = Math.max(0, workspaceCount - 1 - namedWorkspaces.length)
  const named = namedWorkspaces.slice(0, Math.max(0, workspaceCount - 1))
  const perWorkspace = options.membersPerWorkspace ?? Math.min(100, Math.ceil(userCount / 10))

  named.forEach((spec, index) => {
    const members = sample(Math.round(userCount * spec.share))
    workspaces.push({
      slug: spec.slug,
      name: spec.name,
      description: spec.description,
      createdAt: new Date(base + (index + 1) * 86_400_000).toISOString(),
      createdBy: users[0]!.id,
      members,
      ...(spec.budgets === undefined ? {} : { budgets: spec.budgets }),
      ...spec.settings
    })
    for (const userId of members) {
      const draw = random()
      if (draw < 0.15) apiKeys.push({ userId, workspace: spec.slug })
      else if (draw < 0.18) apiKeys.push({ userId, workspace: spec.slug, disabled: true })
    }
  })

  for (let index = 1; index <= generated; index++) {
    const slug = `team-${String(index).padStart(4, "0")}`
    const members = sample(perWorkspace)
    const monthly = random() < 0.3 ? 100 * (1 + Math.floor(random() * 50)) : undefined
    workspaces.push({
      slug,
      name: `Team ${String(index).padStart(4, "0")}`,
      description: null,
      createdAt: new Date(base + (named.length + index) * 3_600_000).toISOString(),
      createdBy: users[0]!.id,
      members,
      ...(monthly === undefined ? {} : { budgets: { monthly, daily: monthly / 20 } })
    })
    for (const userId of members) if (random() < 0.1) apiKeys.push({ userId, workspace: slug })
  }

  return {
    users,
    apiKeys,
    managementKeys: [
      { key: Uuid.secretFromName(`builtin:management:${users[0]!.id}`), userId: users[0]!.id },
      { key: Uuid.secretFromName(`builtin:management:${users[1]!.id}`), userId: users[1]!.id }
    ],
    workspaces
  }
}
