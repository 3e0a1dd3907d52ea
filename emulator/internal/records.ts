/**
 * The records of the emulated organization (users, keys, workspaces, explicit memberships and
 * budgets) as schemas, and the plain JSON view of the whole state, which is also the format of a
 * `--state` file.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import type * as Types from "effect/Types"
import {
  BudgetInterval,
  budgetIntervals,
  DisabledServerTools,
  Role,
  Workspace as WireWorkspace
} from "../../src/Model.js"

/** @internal */
const NullableName = Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null })

/** @internal */
export const UserRecord = Schema.Struct({
  id: Schema.String,
  email: Schema.String,
  // state files written before revision 2 have no names
  firstName: NullableName,
  lastName: NullableName,
  role: Role,
  scim: Schema.Boolean,
  createdAt: Schema.String
})

/** @internal */
export const ApiKeyRecord = Schema.Struct({
  id: Schema.String,
  key: Schema.String,
  /** The user who created the key (`creator_user_id`). */
  userId: Schema.String,
  workspaceId: Schema.String,
  disabled: Schema.Boolean,
  // state files written before revision 2 have none of these
  name: Schema.optionalWith(Schema.String, { default: () => "API key" }),
  createdAt: Schema.optionalWith(Schema.String, { default: () => "2025-01-06T09:00:00.000Z" }),
  /** USD spent through the key (the same figure for every period: the emulator keeps no calendar). */
  usage: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  /** A spending limit in USD, or none. */
  limit: Schema.optionalWith(Schema.NullOr(Schema.Number), { default: () => null })
})

/** @internal */
export const ManagementKeyRecord = Schema.Struct({
  id: Schema.String,
  key: Schema.String,
  userId: Schema.String
})

/**
 * A workspace: the contract's fields, less the guardrail id (derived from the id), with
 * `includeByokInBudgets` always set and whether it is the default workspace.
 *
 * @internal
 */
export const WorkspaceRecord = Schema.typeSchema(WireWorkspace).pipe(
  Schema.omit("defaultGuardrailId", "includeByokInBudgets", "disabledServerTools"),
  Schema.extend(
    Schema.Struct({
      includeByokInBudgets: Schema.Boolean,
      isDefault: Schema.Boolean,
      // state files written before revision 2 have none; `[]` is kept as `null`
      disabledServerTools: Schema.optionalWith(DisabledServerTools, { default: () => null })
    })
  )
)

/** What the API gives a setting that a creation (or a seed) leaves out. */
const settingDefaults = {
  description: null,
  defaultTextModel: null,
  defaultImageModel: null,
  defaultProviderSort: null,
  isObservabilityIoLoggingEnabled: false,
  isObservabilityBroadcastEnabled: false,
  isDataDiscountLoggingEnabled: true,
  ioLoggingSamplingRate: 1,
  ioLoggingApiKeyIds: null,
  includeByokInBudgets: false,
  disabledServerTools: null
} as const satisfies Partial<typeof WorkspaceRecord.Type>

type Settings = { -readonly [K in keyof typeof settingDefaults]: (typeof WorkspaceRecord.Type)[K] }

/**
 * A workspace's settings as the API defaults them when a creation (or a seed) leaves them out; the
 * other fields of `settings` are not read.
 *
 * @internal
 */
export const settingsWithDefaults = (settings: {
  readonly [K in keyof Settings]?: Settings[K] | undefined
}): Settings => {
  const result = { ...settingDefaults } as Settings
  for (const key of Object.keys(settingDefaults) as Array<keyof Settings>) {
    const value = settings[key]
    // an empty list of disabled tools is no list: the API clears it, so it is kept as null
    if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) continue
    ;(result as Record<keyof Settings, unknown>)[key] = value
  }
  return result
}

/** @internal */
export const MembershipRecord = Schema.Struct({
  id: Schema.String,
  workspaceId: Schema.String,
  userId: Schema.String,
  role: Role,
  createdAt: Schema.String
})

/** @internal */
export const BudgetRecord = Schema.Struct({
  id: Schema.String,
  workspaceId: Schema.String,
  interval: BudgetInterval,
  limitUsd: Schema.Number,
  createdAt: Schema.String,
  updatedAt: Schema.String
})

/**
 * The API's ordering rule, in the contract's order of `budgetIntervals`: among the intervals set,
 * limits strictly decrease as the interval narrows. The first of `others` that a limit of `interval`
 * would break the rule with, and whether it is the wider one; `others` of the same interval are
 * not compared.
 *
 * @internal
 */
export const budgetOrderConflict = <B extends { readonly interval: BudgetInterval; readonly limitUsd: number }>(
  interval: BudgetInterval,
  limitUsd: number,
  others: Iterable<B>
): { readonly other: B; readonly otherIsWider: boolean } | undefined => {
  const rank = budgetIntervals.indexOf(interval)
  for (const other of others) {
    const otherRank = budgetIntervals.indexOf(other.interval)
    if (otherRank < rank && !(other.limitUsd > limitUsd)) return { other, otherIsWider: true }
    if (otherRank > rank && !(limitUsd > other.limitUsd)) return { other, otherIsWider: false }
  }
  return undefined
}

/** The ordering rule in words: `lifetime > monthly > weekly > daily`. @internal */
export const budgetOrder = budgetIntervals.join(" > ")

/** An organization user. @internal */
export interface User extends Types.Mutable<typeof UserRecord.Type> {}
/** An API key (not a management key): it belongs to a user and a workspace. @internal */
export interface ApiKey extends Types.Mutable<typeof ApiKeyRecord.Type> {}
/** A management key, owned by a user. @internal */
export interface ManagementKey extends Types.Mutable<typeof ManagementKeyRecord.Type> {}
/** A workspace. @internal */
export interface Workspace extends Types.Mutable<typeof WorkspaceRecord.Type> {}
/** An explicit membership (the default workspace's members are implicit). @internal */
export interface Membership extends Types.Mutable<typeof MembershipRecord.Type> {}
/** The budget of one interval of a workspace. @internal */
export interface Budget extends Types.Mutable<typeof BudgetRecord.Type> {}

/**
 * The plain JSON view of the whole state; also the format of a `--state` file.
 *
 * @internal
 */
export const StateSnapshot = Schema.Struct({
  users: Schema.Array(UserRecord),
  apiKeys: Schema.Array(ApiKeyRecord),
  managementKeys: Schema.Array(ManagementKeyRecord),
  workspaces: Schema.Array(WorkspaceRecord),
  memberships: Schema.Array(MembershipRecord),
  budgets: Schema.Array(BudgetRecord)
})

/** @internal */
export interface StateSnapshot extends Schema.Schema.Type<typeof StateSnapshot> {}

/** A state file as read: revision 1's lack the users' names and the keys' details. @internal */
export interface StateSnapshotEncoded extends Schema.Schema.Encoded<typeof StateSnapshot> {}
