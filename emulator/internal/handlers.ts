/**
 * One handler per operation, keyed by operation name. A handler gets the decoded camelCase input of
 * its endpoint and answers with the endpoint's response type or a rejection whose status the spec
 * documents for that operation (the type parameter of the endpoint enforces it).
 *
 * Handlers are synchronous: a request's reads and writes happen in one turn of the event loop, so
 * concurrent requests see each other's changes whole.
 *
 * @internal
 */
import * as Either from "effect/Either"
import type * as Endpoint from "../../src/Endpoint.js"
import { createHash } from "node:crypto"
import type {
  ApiKey as WireApiKey,
  BudgetInterval,
  OrganizationMember,
  Workspace as WireWorkspace,
  WorkspaceBudget,
  WorkspaceMember
} from "../../src/Model.js"
import type { Endpoints, OperationName } from "../../src/WorkspacesApi.js"
import type { Organization } from "./organization.js"
import { defaultGuardrailId } from "./organization.js"
import type { ApiKey, Budget, Membership, User, Workspace } from "./records.js"
import { budgetOrder, budgetOrderConflict, settingsWithDefaults } from "./records.js"

/**
 * An error answer: `{ "error": { "code": status, "message", "metadata"? } }`.
 *
 * @internal
 */
export class Rejection<S extends Endpoint.DocumentedStatus = Endpoint.DocumentedStatus> {
  constructor(
    readonly status: S,
    readonly message: string,
    readonly metadata?: Readonly<Record<string, unknown>>
  ) {}
}

/** The body of an error answer. @internal */
export const errorBody = (status: number, message: string, metadata?: Readonly<Record<string, unknown>>) => ({
  error: metadata === undefined ? { code: status, message } : { code: status, message, metadata }
})

/** The caller behind a management key. @internal */
export interface Caller {
  readonly userId: string
  readonly isAdmin: boolean
}

/** @internal */
export interface HandlerContext {
  readonly organization: Organization
  readonly caller: Caller
  /** The `seq` of the logged request, recorded with each history event. */
  readonly requestSeq: number
}

/** @internal */
export type Handler<E extends Endpoint.Any> = (
  input: Endpoint.Input<E>,
  context: HandlerContext
) => Either.Either<Endpoint.Response<E>, Rejection<Endpoint.Status<E>>>

/** @internal */
export type Handlers = { readonly [K in OperationName]: Handler<Endpoints[K]> }

/**
 * Operations only organization admins may call (with their management key); others get 403.
 *
 * @internal
 */
export const adminOnly: ReadonlySet<OperationName> = new Set<OperationName>(["create", "delete"])

const reject = <S extends Endpoint.DocumentedStatus>(
  status: S,
  message: string,
  metadata?: Readonly<Record<string, unknown>>
) => Either.left(new Rejection(status, message, metadata))

const defaultPageSize = 50

const page = <A, B>(items: ReadonlyArray<A>, offset: number | undefined, limit: number | undefined, f: (a: A) => B) => {
  const start = offset ?? 0
  return {
    data: items.slice(start, start + (limit ?? defaultPageSize)).map(f),
    totalCount: items.length
  }
}

const toWorkspace = ({ isDefault: _, ...workspace }: Workspace): WireWorkspace => ({
  ...workspace,
  disabledServerTools: workspace.disabledServerTools ?? null,
  defaultGuardrailId: defaultGuardrailId(workspace.id)
})

const toOrganizationMember = (user: User): OrganizationMember => ({
  id: user.id,
  email: user.email,
  firstName: user.firstName,
  lastName: user.lastName,
  role: user.role === "admin" ? "org:admin" : "org:member"
})

const hashes = new WeakMap<ApiKey, string>()

/** A key as `GET /keys` lists it: its hash and a masked label, never the secret. */
const toApiKey = (key: ApiKey): WireApiKey => {
  let hash = hashes.get(key)
  if (hash === undefined) {
    hash = createHash("sha256").update(key.key).digest("hex")
    hashes.set(key, hash)
  }
  return {
    hash,
    name: key.name,
    label: `sk-or-v1-${hash.slice(0, 3)}...${hash.slice(-4)}`,
    disabled: key.disabled,
    limit: key.limit,
    limitRemaining: key.limit === null ? null : Math.max(0, key.limit - key.usage),
    limitReset: null,
    includeByokInLimit: false,
    usage: key.usage,
    usageDaily: key.usage,
    usageWeekly: key.usage,
    usageMonthly: key.usage,
    byokUsage: 0,
    byokUsageDaily: 0,
    byokUsageWeekly: 0,
    byokUsageMonthly: 0,
    createdAt: key.createdAt,
    updatedAt: null,
    expiresAt: null,
    creatorUserId: key.userId,
    workspaceId: key.workspaceId
  }
}

const toBudget = (budget: Budget): WorkspaceBudget => ({
  id: budget.id,
  workspaceId: budget.workspaceId,
  limitUsd: budget.limitUsd,
  resetInterval: budget.interval === "lifetime" ? null : budget.interval,
  createdAt: budget.createdAt,
  updatedAt: budget.updatedAt
})

const toMember = (membership: Membership): WorkspaceMember => ({
  id: membership.id,
  workspaceId: membership.workspaceId,
  userId: membership.userId,
  role: membership.role,
  createdAt: membership.createdAt
})

const notFound = (id: string) => reject(404, `Workspace ${JSON.stringify(id)} not found`)

const findWorkspace = (organization: Organization, id: string) => {
  const workspace = organization.findWorkspace(id)
  return workspace === undefined ? notFound(id) : Either.right(workspace)
}

const slugTaken = (slug: string) => reject(400, `slug: a workspace with slug ${JSON.stringify(slug)} already exists`)

const distinct = (ids: ReadonlyArray<string>): ReadonlyArray<string> => Array.from(new Set(ids))

const defaultMembersAreImplicit = () =>
  reject(
    400,
    "The default workspace's members are every organization member; they cannot be added or removed individually",
    { reason: "default_workspace" }
  )

/** Checks the ordering rule against the intervals set, worded as the API words it. */
const checkBudgetOrder = (
  organization: Organization,
  workspace: Workspace,
  interval: BudgetInterval,
  limitUsd: number
): string | undefined => {
  const conflict = budgetOrderConflict(interval, limitUsd, organization.budgets(workspace))
  if (conflict === undefined) return undefined
  const { other, otherIsWider } = conflict
  return `limit_usd: the ${interval} limit (${limitUsd}) must be ${otherIsWider ? "less" : "greater"} than the ${other.interval} limit (${other.limitUsd}); limits must strictly decrease as the interval narrows (${budgetOrder})`
}

/**
 * The operations: the twelve of the workspaces and the two of the organization.
 *
 * @internal
 */
export const handlers: Handlers = {
  list: ({ limit, offset }, { organization }) =>
    Either.right(page(organization.workspaces, offset, limit, toWorkspace)),

  create: (input, { caller, organization, requestSeq }) => {
    if (organization.findWorkspace(input.slug)?.slug === input.slug) return slugTaken(input.slug)
    const workspace = organization.createWorkspace(
      {
        name: input.name,
        slug: input.slug,
        ...settingsWithDefaults({ ...input, includeByokInBudgets: false }),
        createdBy: caller.userId
      },
      requestSeq
    )
    return Either.right({ data: toWorkspace(workspace) })
  },

  delete: ({ confirmDefaultWorkspaceDeletion, id }, { organization, requestSeq }) =>
    Either.flatMap(
      findWorkspace(organization, id),
      (workspace): Either.Either<{ deleted: true }, Rejection<400 | 403>> => {
        if (workspace.isDefault) {
          if (organization.settings.defaultWorkspaceDeletion === "unavailable") {
            return reject(403, "Deleting the default workspace is not generally available")
          }
          if (confirmDefaultWorkspaceDeletion !== true) {
            return reject(
              400,
              "Deleting the default workspace requires confirm_default_workspace_deletion=true: it permanently disables the organization's unscoped inference API keys and deletes its budgets and guardrails",
              { reason: "confirmation_required" }
            )
          }
          // its keys are disabled, not in the way
          organization.deleteWorkspace(workspace, requestSeq)
          return Either.right({ deleted: true as const })
        }
        const active = organization.activeApiKeys(workspace.id)
        if (active.length > 0) {
          return reject(
            400,
            `Workspace ${JSON.stringify(workspace.slug)} has ${active.length} active API key(s); disable or delete them first`,
            { reason: "active_api_keys", api_key_count: active.length }
          )
        }
        organization.deleteWorkspace(workspace, requestSeq)
        return Either.right({ deleted: true as const })
      }
    ),

  get: ({ id }, { organization }) =>
    Either.map(findWorkspace(organization, id), (workspace) => ({ data: toWorkspace(workspace) })),

  update: ({ id, ...patch }, { organization, requestSeq }) =>
    Either.flatMap(findWorkspace(organization, id), (workspace) => {
      if (patch.slug !== undefined && patch.slug !== workspace.slug) {
        // the default workspace is known by its slug `default`: renaming it is fine, re-slugging it is not
        if (workspace.isDefault) {
          return reject(400, "The default workspace's slug cannot be changed", { reason: "default_workspace" })
        }
        const other = organization.findWorkspace(patch.slug)
        if (other !== undefined && other.slug === patch.slug) return slugTaken(patch.slug)
      }
      const changes: Partial<Workspace> = {}
      for (const [key, value] of Object.entries(patch)) {
        if (value !== undefined) (changes as Record<string, unknown>)[key] = value
      }
      // `[]` clears the list as `null` does
      if (patch.disabledServerTools?.length === 0) changes.disabledServerTools = null
      organization.updateWorkspace(workspace, changes, requestSeq)
      return Either.right({ data: toWorkspace(workspace) })
    }),

  listBudgets: ({ id }, { organization }) =>
    Either.map(findWorkspace(organization, id), (workspace) => ({
      data: organization.budgets(workspace).map(toBudget),
      includeByokInBudgets: workspace.includeByokInBudgets
    })),

  getBudget: ({ id, interval }, { organization }) =>
    Either.flatMap(findWorkspace(organization, id), (workspace) => {
      const budget = organization.budget(workspace, interval)
      return budget === undefined
        ? reject(404, `Workspace ${JSON.stringify(workspace.slug)} has no ${interval} budget`)
        : Either.right({ data: toBudget(budget), includeByokInBudgets: workspace.includeByokInBudgets })
    }),

  deleteBudget: ({ id, interval }, { organization, requestSeq }) =>
    Either.map(findWorkspace(organization, id), (workspace) => {
      // the spec: "Confirmation that the budget was deleted (or did not exist)"
      organization.deleteBudget(workspace, interval, requestSeq)
      return { deleted: true as const }
    }),

  setBudget: ({ id, includeByokInBudgets, interval, limitUsd }, { organization, requestSeq }) =>
    Either.flatMap(findWorkspace(organization, id), (workspace) => {
      const violation = checkBudgetOrder(organization, workspace, interval, limitUsd)
      if (violation !== undefined) return reject(400, violation, { reason: "budget_order" })
      const budget = organization.setBudget(workspace, interval, limitUsd, requestSeq)
      // workspace-wide: applies to every interval, not just this one
      if (includeByokInBudgets !== undefined) {
        organization.setIncludeByokInBudgets(workspace, includeByokInBudgets, requestSeq)
      }
      return Either.right({ data: toBudget(budget), includeByokInBudgets: workspace.includeByokInBudgets })
    }),

  listMembers: ({ id, limit, offset }, { organization }) =>
    Either.map(findWorkspace(organization, id), (workspace) => {
      const { items, total } = organization.memberPage(workspace, offset ?? 0, limit ?? defaultPageSize)
      return { data: items.map(toMember), totalCount: total }
    }),

  bulkAddMembers: ({ id, userIds }, { organization, requestSeq }) =>
    Either.flatMap(findWorkspace(organization, id), (workspace) => {
      if (workspace.isDefault) return defaultMembersAreImplicit()
      const ids = distinct(userIds)
      const users: Array<User> = []
      const unknown: Array<string> = []
      for (const userId of ids) {
        const user = organization.state.users.get(userId)
        if (user === undefined) unknown.push(userId)
        else users.push(user)
      }
      if (unknown.length > 0) {
        return reject(400, `user_ids: ${unknown.length} user(s) are not members of the organization`, {
          user_ids: unknown,
          reason: "not_organization_members"
        })
      }
      const { added, memberships } = organization.addMembers(workspace, users, requestSeq)
      return Either.right({ data: memberships.map(toMember), addedCount: added })
    }),

  bulkRemoveMembers: ({ id, userIds }, { organization, requestSeq }) =>
    Either.flatMap(
      findWorkspace(organization, id),
      (workspace): Either.Either<{ removedCount: number }, Rejection<400 | 403>> => {
        if (workspace.isDefault) return defaultMembersAreImplicit()
        const members = distinct(userIds).filter((userId) => organization.membership(workspace, userId) !== undefined)
        const scim = members.filter((userId) => organization.state.users.get(userId)?.scim === true)
        if (scim.length > 0) {
          return reject(
            403,
            `${scim.length} member(s) are managed by SCIM; change them in your identity provider. Nothing was removed`,
            { user_ids: scim, reason: "scim_managed" }
          )
        }
        const withKeys = new Set(organization.activeApiKeys(workspace.id).map((key) => key.userId))
        const blocked = members.filter((userId) => withKeys.has(userId))
        if (blocked.length > 0) {
          return reject(
            400,
            `${blocked.length} member(s) have active API keys in this workspace; disable them first. Nothing was removed`,
            { user_ids: blocked, reason: "active_api_keys" }
          )
        }
        return Either.right({ removedCount: organization.removeMembers(workspace, members, requestSeq) })
      }
    ),

  listOrganizationMembers: ({ limit, offset }, { caller, organization }) =>
    // a management key whose owner has left the organization is associated with none
    organization.state.users.has(caller.userId)
      ? Either.right(page(organization.users, offset, limit, toOrganizationMember))
      : reject(404, "No organization is associated with this management key"),

  listApiKeys: ({ includeDisabled, offset, workspaceId }, { organization }) => {
    // a filter: an id no workspace has lists no key (the keys of a deleted default workspace stay listed by its id)
    const workspace = workspaceId ?? organization.defaultWorkspace?.id
    const keys = workspace === undefined ? [] : organization.apiKeys(workspace, includeDisabled === true)
    const start = offset ?? 0
    return Either.right({ data: keys.slice(start, start + organization.settings.keysPageSize).map(toApiKey) })
  }
}
