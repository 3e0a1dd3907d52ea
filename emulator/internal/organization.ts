/**
 * The emulated organization: users, keys, workspaces, explicit memberships and budgets, held in
 * plain mutable maps, with ordered views rebuilt lazily after writes so that a page costs the same
 * at offset 0 and at offset 99,900. Every change made through the API is appended to a history
 * (which keeps the last `historyLimit` changes).
 *
 * This module knows nothing of HTTP: the rules that answer with a status live in `handlers.ts`.
 *
 * @internal
 */
import type * as Types from "effect/Types"
import type { BudgetInterval } from "../../src/Model.js"
import { budgetIntervals } from "../../src/Model.js"
import { Bounded } from "./bounded.js"
import type { ApiKey, Budget, ManagementKey, Membership, StateSnapshot, User, Workspace } from "./records.js"
import * as Uuid from "./uuid.js"

/**
 * The live state, as `mutate` hands it to a test. Maps keep insertion order, which is the order of
 * every list the API returns.
 *
 * @internal
 */
export interface State {
  /** By user id. */
  readonly users: Map<string, User>
  /** By key id. */
  readonly apiKeys: Map<string, ApiKey>
  /** By key id. */
  readonly managementKeys: Map<string, ManagementKey>
  /** By workspace id. */
  readonly workspaces: Map<string, Workspace>
  /** Workspace id → user id → membership; never holds the default workspace. */
  readonly memberships: Map<string, Map<string, Membership>>
  /** Workspace id → interval → budget. */
  readonly budgets: Map<string, Map<BudgetInterval, Budget>>
}

interface EventBase {
  readonly seq: number
  readonly at: string
  /** The `seq` of the logged request that made the change. */
  readonly requestSeq?: number
}

/**
 * One change of state, with what is needed to replay it.
 *
 * @internal
 */
export type HistoryEvent =
  | (EventBase & { readonly type: "workspaceCreated"; readonly workspace: Workspace })
  | (EventBase & {
      readonly type: "workspaceUpdated"
      readonly workspaceId: string
      readonly changes: Partial<Workspace>
      readonly workspace: Workspace
    })
  | (EventBase & { readonly type: "workspaceDeleted"; readonly workspaceId: string; readonly slug: string })
  | (EventBase & {
      readonly type: "memberAdded"
      readonly workspaceId: string
      readonly userId: string
      readonly membership: Membership
    })
  | (EventBase & { readonly type: "memberRemoved"; readonly workspaceId: string; readonly userId: string })
  | (EventBase & {
      readonly type: "budgetSet"
      readonly workspaceId: string
      readonly interval: BudgetInterval
      readonly limitUsd: number
      readonly budget: Budget
    })
  | (EventBase & { readonly type: "budgetDeleted"; readonly workspaceId: string; readonly interval: BudgetInterval })
  | (EventBase & {
      readonly type: "includeByokInBudgetsSet"
      readonly workspaceId: string
      readonly includeByokInBudgets: boolean
    })

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/**
 * What a bearer token is.
 *
 * @internal
 */
export type Credential =
  | { readonly kind: "management"; readonly key: ManagementKey }
  | { readonly kind: "api"; readonly key: ApiKey }

/** @internal */
export const emptyState = (): State => ({
  users: new Map(),
  apiKeys: new Map(),
  managementKeys: new Map(),
  workspaces: new Map(),
  memberships: new Map(),
  budgets: new Map()
})

/** @internal */
export const stateFromSnapshot = (snapshot: StateSnapshot): State => {
  const state = emptyState()
  for (const user of snapshot.users) state.users.set(user.id, { ...user })
  for (const key of snapshot.apiKeys) state.apiKeys.set(key.id, { ...key })
  for (const key of snapshot.managementKeys) state.managementKeys.set(key.id, { ...key })
  for (const workspace of snapshot.workspaces) state.workspaces.set(workspace.id, { ...workspace })
  for (const membership of snapshot.memberships) {
    membershipsOf(state, membership.workspaceId).set(membership.userId, { ...membership })
  }
  for (const budget of snapshot.budgets) budgetsOf(state, budget.workspaceId).set(budget.interval, { ...budget })
  return state
}

const membershipsOf = (state: State, workspaceId: string): Map<string, Membership> => {
  let members = state.memberships.get(workspaceId)
  if (members === undefined) {
    members = new Map()
    state.memberships.set(workspaceId, members)
  }
  return members
}

const budgetsOf = (state: State, workspaceId: string): Map<BudgetInterval, Budget> => {
  let budgets = state.budgets.get(workspaceId)
  if (budgets === undefined) {
    budgets = new Map()
    state.budgets.set(workspaceId, budgets)
  }
  return budgets
}

/** Removes a workspace with its memberships, budgets and keys (the default workspace's are disabled and kept). */
const removeWorkspace = (state: State, workspace: Workspace): void => {
  state.workspaces.delete(workspace.id)
  state.memberships.delete(workspace.id)
  state.budgets.delete(workspace.id)
  for (const [id, key] of state.apiKeys) {
    if (key.workspaceId !== workspace.id) continue
    if (workspace.isDefault) key.disabled = true
    else state.apiKeys.delete(id)
  }
}

/**
 * Applies a recorded change again, to a state that is as it was before the change (a state file's
 * journal, replayed at start over its snapshot). Each event carries the records as they were after
 * the change, so the state comes out the same, ids and times included.
 *
 * @internal
 */
export const redo = (state: State, event: HistoryEvent): void => {
  switch (event.type) {
    case "workspaceCreated":
    case "workspaceUpdated":
      state.workspaces.set(event.workspace.id, { ...event.workspace })
      break
    case "workspaceDeleted": {
      const workspace = state.workspaces.get(event.workspaceId)
      if (workspace !== undefined) removeWorkspace(state, workspace)
      break
    }
    case "memberAdded":
      membershipsOf(state, event.workspaceId).set(event.userId, { ...event.membership })
      break
    case "memberRemoved":
      state.memberships.get(event.workspaceId)?.delete(event.userId)
      break
    case "budgetSet":
      budgetsOf(state, event.workspaceId).set(event.interval, { ...event.budget })
      break
    case "budgetDeleted":
      state.budgets.get(event.workspaceId)?.delete(event.interval)
      break
    case "includeByokInBudgetsSet": {
      const workspace = state.workspaces.get(event.workspaceId)
      if (workspace !== undefined) workspace.includeByokInBudgets = event.includeByokInBudgets
      break
    }
  }
}

/** @internal */
export const defaultGuardrailId = (workspaceId: string): string => Uuid.fromName(`guardrail:${workspaceId}`)

/** The implicit membership of a user in the default workspace. @internal */
export const implicitMembership = (workspace: Workspace, user: User): Membership => ({
  id: Uuid.fromName(`membership:${workspace.id}:${user.id}`),
  workspaceId: workspace.id,
  userId: user.id,
  role: user.role,
  createdAt: user.createdAt
})

let lastMillis = NaN
let lastIso = ""

/** The time as an ISO string; a bulk call of 100 asks for it 100 times within the same millisecond. */
const now = (): string => {
  const millis = Date.now()
  if (millis !== lastMillis) {
    lastMillis = millis
    lastIso = new Date(millis).toISOString()
  }
  return lastIso
}

/**
 * The rules of an organization that differ between organizations.
 *
 * @internal
 */
export interface Settings {
  /** The page size of `GET /keys`, which takes no `limit`. */
  readonly keysPageSize: number
  /**
   * Whether the default workspace can be deleted (with `confirm_default_workspace_deletion=true`),
   * or is refused with 403 as for organizations the capability has not reached.
   */
  readonly defaultWorkspaceDeletion: "confirm" | "unavailable"
}

/** @internal */
export const defaultSettings: Settings = { keysPageSize: 100, defaultWorkspaceDeletion: "confirm" }

/**
 * The store behind one emulator.
 *
 * @internal
 */
export class Organization {
  private readonly events: Bounded<HistoryEvent>
  private eventSeq = 0
  private workspaceList: Array<Workspace> | undefined
  private slugIndex: Map<string, Workspace> | undefined
  private userList: Array<User> | undefined
  private credentials: Map<string, Credential> | undefined
  private readonly memberLists = new Map<string, Array<Membership>>()
  /** Incremented by every change. */
  version = 0
  /** Handed every change as it is recorded (the state file's journal), when set. */
  onRecord: ((event: HistoryEvent) => void) | undefined = undefined

  /** `historyLimit`: how many of the last changes the history keeps (`Infinity`: all). */
  constructor(
    readonly state: State,
    historyLimit: number = Infinity,
    readonly settings: Settings = defaultSettings
  ) {
    this.events = new Bounded(historyLimit)
  }

  /** Drops every derived view; called after `mutate`. */
  invalidate(): void {
    this.workspaceList = undefined
    this.slugIndex = undefined
    this.userList = undefined
    this.credentials = undefined
    this.memberLists.clear()
  }

  changed(): void {
    this.version++
  }

  /** The changes kept (the last `historyLimit`), oldest first, as a new array. */
  get history(): ReadonlyArray<HistoryEvent> {
    return this.events.toArray()
  }

  /** Completes the event, a fresh object of the caller's, in place. */
  private record(event: DistributiveOmit<HistoryEvent, "seq" | "at">, requestSeq: number | undefined): void {
    const recorded = event as Types.Mutable<HistoryEvent>
    recorded.seq = ++this.eventSeq
    recorded.at = now()
    if (requestSeq !== undefined) recorded.requestSeq = requestSeq
    this.events.push(recorded)
    this.onRecord?.(recorded)
  }

  snapshot(): StateSnapshot {
    return {
      users: Array.from(this.state.users.values(), (_) => ({ ..._ })),
      apiKeys: Array.from(this.state.apiKeys.values(), (_) => ({ ..._ })),
      managementKeys: Array.from(this.state.managementKeys.values(), (_) => ({ ..._ })),
      workspaces: Array.from(this.state.workspaces.values(), (_) => ({ ..._ })),
      memberships: Array.from(this.state.memberships.values()).flatMap((members) =>
        Array.from(members.values(), (_) => ({ ..._ }))
      ),
      budgets: Array.from(this.state.budgets.values()).flatMap((budgets) =>
        budgetIntervals.flatMap((interval) => {
          const budget = budgets.get(interval)
          return budget === undefined ? [] : [{ ...budget }]
        })
      )
    }
  }

  // --- reads -----------------------------------------------------------------------------------

  authenticate(secret: string): Credential | undefined {
    if (this.credentials === undefined) {
      const credentials = new Map<string, Credential>()
      for (const key of this.state.apiKeys.values()) credentials.set(key.key, { kind: "api", key })
      for (const key of this.state.managementKeys.values()) credentials.set(key.key, { kind: "management", key })
      this.credentials = credentials
    }
    return this.credentials.get(secret)
  }

  get workspaces(): ReadonlyArray<Workspace> {
    if (this.workspaceList === undefined) {
      const list = Array.from(this.state.workspaces.values())
      // the default workspace comes first, the others in creation order
      list.sort((a, b) => Number(b.isDefault) - Number(a.isDefault))
      this.workspaceList = list
    }
    return this.workspaceList
  }

  get users(): ReadonlyArray<User> {
    if (this.userList === undefined) this.userList = Array.from(this.state.users.values())
    return this.userList
  }

  /** Looks a workspace up by UUID, then by slug. */
  findWorkspace(idOrSlug: string): Workspace | undefined {
    const byId = this.state.workspaces.get(idOrSlug) ?? this.state.workspaces.get(idOrSlug.toLowerCase())
    if (byId !== undefined) return byId
    if (this.slugIndex === undefined) {
      this.slugIndex = new Map(Array.from(this.state.workspaces.values(), (_) => [_.slug, _]))
    }
    return this.slugIndex.get(idOrSlug)
  }

  /**
   * A page of the members of a workspace, in the order they joined: every user for the default
   * workspace (built per page), the explicit memberships otherwise (an ordered array rebuilt after
   * a write to that workspace).
   */
  memberPage(
    workspace: Workspace,
    offset: number,
    limit: number
  ): { readonly items: ReadonlyArray<Membership>; readonly total: number } {
    if (workspace.isDefault) {
      const users = this.users
      return {
        items: users.slice(offset, offset + limit).map((user) => implicitMembership(workspace, user)),
        total: users.length
      }
    }
    let list = this.memberLists.get(workspace.id)
    if (list === undefined) {
      list = Array.from(this.state.memberships.get(workspace.id)?.values() ?? [])
      this.memberLists.set(workspace.id, list)
    }
    return { items: list.slice(offset, offset + limit), total: list.length }
  }

  membership(workspace: Workspace, userId: string): Membership | undefined {
    if (workspace.isDefault) {
      const user = this.state.users.get(userId)
      return user === undefined ? undefined : implicitMembership(workspace, user)
    }
    return this.state.memberships.get(workspace.id)?.get(userId)
  }

  /** The budgets of a workspace, from the widest interval to the narrowest. */
  budgets(workspace: Workspace): ReadonlyArray<Budget> {
    const budgets = this.state.budgets.get(workspace.id)
    if (budgets === undefined) return []
    return budgetIntervals.flatMap((interval) => {
      const budget = budgets.get(interval)
      return budget === undefined ? [] : [budget]
    })
  }

  budget(workspace: Workspace, interval: BudgetInterval): Budget | undefined {
    return this.state.budgets.get(workspace.id)?.get(interval)
  }

  /** The active (not disabled) API keys of a workspace. */
  activeApiKeys(workspaceId: string): ReadonlyArray<ApiKey> {
    return this.apiKeys(workspaceId, false)
  }

  /** The API keys of a workspace, in creation order; the disabled ones too when asked. */
  apiKeys(workspaceId: string, includeDisabled: boolean): ReadonlyArray<ApiKey> {
    const keys: Array<ApiKey> = []
    for (const key of this.state.apiKeys.values()) {
      if (key.workspaceId === workspaceId && (includeDisabled || !key.disabled)) keys.push(key)
    }
    return keys
  }

  /** The default workspace, unless it was deleted. */
  get defaultWorkspace(): Workspace | undefined {
    const first = this.workspaces[0]
    return first?.isDefault === true ? first : undefined
  }

  // --- writes ----------------------------------------------------------------------------------

  createWorkspace(
    fields: Omit<Workspace, "id" | "createdAt" | "updatedAt" | "isDefault">,
    requestSeq?: number
  ): Workspace {
    const workspace: Workspace = {
      ...fields,
      id: Uuid.random(),
      createdAt: now(),
      updatedAt: null,
      isDefault: false
    }
    this.state.workspaces.set(workspace.id, workspace)
    this.workspaceList = undefined
    this.slugIndex = undefined
    this.record({ type: "workspaceCreated", workspace: { ...workspace } }, requestSeq)
    this.changed()
    return workspace
  }

  updateWorkspace(workspace: Workspace, changes: Partial<Workspace>, requestSeq?: number): Workspace {
    Object.assign(workspace, changes, { updatedAt: now() })
    this.slugIndex = undefined
    this.record(
      { type: "workspaceUpdated", workspaceId: workspace.id, changes: { ...changes }, workspace: { ...workspace } },
      requestSeq
    )
    this.changed()
    return workspace
  }

  /**
   * Deletes a workspace with its memberships and budgets. Its keys, all disabled, go with it; the
   * default workspace's keys (which may be active) are disabled for good and kept, as the API keeps
   * them listed.
   */
  deleteWorkspace(workspace: Workspace, requestSeq?: number): void {
    removeWorkspace(this.state, workspace)
    this.memberLists.delete(workspace.id)
    this.workspaceList = undefined
    this.slugIndex = undefined
    this.credentials = undefined
    this.record({ type: "workspaceDeleted", workspaceId: workspace.id, slug: workspace.slug }, requestSeq)
    this.changed()
  }

  /** Makes the users members, those who are not yet, as one change; each user's membership, in order. */
  addMembers(
    workspace: Workspace,
    users: ReadonlyArray<User>,
    requestSeq?: number
  ): { readonly memberships: ReadonlyArray<Membership>; readonly added: number } {
    const members = membershipsOf(this.state, workspace.id)
    const createdAt = now()
    let added = 0
    const memberships = users.map((user) => {
      const existing = members.get(user.id)
      if (existing !== undefined) return existing
      const membership: Membership = {
        id: Uuid.random(),
        workspaceId: workspace.id,
        userId: user.id,
        role: user.role,
        createdAt
      }
      members.set(user.id, membership)
      added++
      this.record(
        { type: "memberAdded", workspaceId: workspace.id, userId: user.id, membership: { ...membership } },
        requestSeq
      )
      return membership
    })
    if (added > 0) {
      this.memberLists.delete(workspace.id)
      this.changed()
    }
    return { memberships, added }
  }

  /** Removes the members among the user ids, as one change; how many were. */
  removeMembers(workspace: Workspace, userIds: ReadonlyArray<string>, requestSeq?: number): number {
    const members = this.state.memberships.get(workspace.id)
    let removed = 0
    for (const userId of userIds) {
      if (members?.delete(userId) !== true) continue
      removed++
      this.record({ type: "memberRemoved", workspaceId: workspace.id, userId }, requestSeq)
    }
    if (removed > 0) {
      this.memberLists.delete(workspace.id)
      this.changed()
    }
    return removed
  }

  setBudget(workspace: Workspace, interval: BudgetInterval, limitUsd: number, requestSeq?: number): Budget {
    const budgets = budgetsOf(this.state, workspace.id)
    const at = now()
    const existing = budgets.get(interval)
    const budget: Budget =
      existing === undefined
        ? { id: Uuid.random(), workspaceId: workspace.id, interval, limitUsd, createdAt: at, updatedAt: at }
        : Object.assign(existing, { limitUsd, updatedAt: at })
    budgets.set(interval, budget)
    this.record({ type: "budgetSet", workspaceId: workspace.id, interval, limitUsd, budget: { ...budget } }, requestSeq)
    this.changed()
    return budget
  }

  deleteBudget(workspace: Workspace, interval: BudgetInterval, requestSeq?: number): boolean {
    const removed = this.state.budgets.get(workspace.id)?.delete(interval) ?? false
    if (removed) {
      this.record({ type: "budgetDeleted", workspaceId: workspace.id, interval }, requestSeq)
      this.changed()
    }
    return removed
  }

  setIncludeByokInBudgets(workspace: Workspace, includeByokInBudgets: boolean, requestSeq?: number): void {
    if (workspace.includeByokInBudgets === includeByokInBudgets) return
    workspace.includeByokInBudgets = includeByokInBudgets
    this.record({ type: "includeByokInBudgetsSet", workspaceId: workspace.id, includeByokInBudgets }, requestSeq)
    this.changed()
  }
}
