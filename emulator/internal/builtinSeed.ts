/**
 * The built-in seed: a realistic organization generated from a few options, the same for the same
 * options.
 *
 * @internal
 */
import type { BudgetInterval } from "../../src/Model.js"
import * as Prng from "./prng.js"
import type { Seed, SeedApiKey, SeedUser, SeedWorkspace } from "./seed.js"
import { defaultSlug, seedEpoch } from "./seed.js"

/** What teams call their keys. */
const keyNames = ["prod", "ci", "staging", "notebook", "batch-jobs", "eval", "dev", "backfill"]

const capitalized = (name: string) => name.charAt(0).toUpperCase() + name.slice(1)

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

  // the keys' names and usage come from a generator of their own, so that the rest of the
  // organization is what it was before keys had them
  const keyRandom = Prng.make((options.seed ?? 20250824) ^ 0x6b6579)
  const keyDetails = () => ({
    name: keyNames[Math.floor(keyRandom() * keyNames.length)]!,
    usage: Math.round(keyRandom() * 50_000) / 100
  })

  const emailCounts = new Map<string, number>()
  const users = Array.from({ length: userCount }, (_, index): typeof SeedUser.Type => {
    let id = "user_"
    for (let i = 0; i < 27; i++) id += alphabet[Math.floor(random() * alphabet.length)]
    const firstName = pick(firstNames)
    const lastName = pick(lastNames)
    const local = `${firstName}.${lastName}`
    const count = (emailCounts.get(local) ?? 0) + 1
    emailCounts.set(local, count)
    const email = count === 1 ? `${local}@acme.example` : `${local}${count}@acme.example`
    // the first user is an admin and the second a plain member: they own the management keys
    const role = index === 0 ? "admin" : index === 1 ? "member" : random() < 0.04 ? "admin" : "member"
    const scim = index > 1 && random() < 0.1
    const createdAt = new Date(base + index * 37_000).toISOString()
    const names = { firstName: capitalized(firstName), lastName: capitalized(lastName) }
    return scim ? { id, email, ...names, role, scim, createdAt } : { id, email, ...names, role, createdAt }
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
  const apiKeys: Array<typeof SeedApiKey.Type> = [{ userId: users[0]!.id, workspace: defaultSlug, name: "prod" }]
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
      if (draw < 0.15) apiKeys.push({ userId, workspace: spec.slug, ...keyDetails() })
      else if (draw < 0.18) apiKeys.push({ userId, workspace: spec.slug, ...keyDetails(), disabled: true })
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
    for (const userId of members) {
      if (random() < 0.1) apiKeys.push({ userId, workspace: slug, ...keyDetails() })
    }
  }

  return {
    users,
    apiKeys,
    managementKeys: [
      // no secrets here: they are made at start, new at each unless `deterministicKeys`
      { userId: users[0]!.id },
      { userId: users[1]!.id }
    ],
    workspaces
  }
}
