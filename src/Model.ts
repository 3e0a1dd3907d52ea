/**
 * The Workspaces models: camelCase types mapped from the snake_case wire names, with the rules the
 * spec states as refinements, so that one schema validates a request in the client and in the emulator.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * A property read from and written to a snake_case wire key.
 *
 * @since 0.1.0
 * @category constructors
 */
export const wire = <S extends Schema.Schema.All>(key: string, schema: S) =>
  Schema.propertySignature(schema).pipe(Schema.fromKey(key))

/**
 * An optional property read from and written to a snake_case wire key.
 *
 * @since 0.1.0
 * @category constructors
 */
export const optionalWire = <S extends Schema.Schema.All>(key: string, schema: S) =>
  Schema.optionalWith(schema, { exact: true }).pipe(Schema.fromKey(key))

/**
 * The longest id the client sends (`WorkspaceId`, `UserId`): far above a UUID (36 characters), a
 * slug (50) or a user id, and far below what servers refuse in a request line or a body (an id of
 * 100,000 characters is answered with an undocumented 431).
 *
 * @since 0.3.0
 * @category constants
 */
export const maxIdLength = 256

/**
 * A workspace id: its UUID or its slug, 1..256 characters (`maxIdLength`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const WorkspaceId = Schema.String.pipe(
  Schema.minLength(1, { message: () => "must be a non-empty UUID or slug" }),
  Schema.maxLength(maxIdLength, { message: () => `must be a UUID or slug of at most ${maxIdLength} characters` }),
  // URL parsing would resolve these as path segments and send the request elsewhere.
  Schema.filter((id) => id !== "." && id !== "..", { message: () => "must be a UUID or slug, not . or .." })
).annotations({ identifier: "WorkspaceId" })

/**
 * A slug: 1..50 characters, lowercase alphanumeric segments separated by single hyphens.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Slug = Schema.String.pipe(
  Schema.minLength(1, { message: () => "must have 1 to 50 characters" }),
  Schema.maxLength(50, { message: () => "must have 1 to 50 characters" }),
  Schema.pattern(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, {
    message: () => "must be lowercase alphanumeric segments separated by single hyphens (^[a-z0-9]+(?:-[a-z0-9]+)*$)"
  })
).annotations({ identifier: "Slug" })

/**
 * A workspace name: 1..100 characters.
 *
 * @since 0.1.0
 * @category schemas
 */
export const WorkspaceName = Schema.String.pipe(
  Schema.minLength(1, { message: () => "must have 1 to 100 characters" }),
  Schema.maxLength(100, { message: () => "must have 1 to 100 characters" })
)

/**
 * A workspace description: at most 500 characters.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Description = Schema.String.pipe(
  Schema.maxLength(500, { message: () => "must have at most 500 characters" })
)

/**
 * The I/O logging sampling rate: a number in [0.0001, 1].
 *
 * @since 0.1.0
 * @category schemas
 */
export const SamplingRate = Schema.Number.pipe(
  Schema.between(0.0001, 1, { message: () => "must be a number between 0.0001 and 1" })
)

/** The intervals a budget resets at (a `lifetime` budget never resets): its `reset_interval`. */
const resetIntervals = ["daily", "weekly", "monthly"] as const

/**
 * A budget interval as the budget paths name it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BudgetInterval = Schema.Literal(...resetIntervals, "lifetime").annotations({
  // `override`: a union's own message is otherwise replaced by its first member's ("Expected \"daily\"")
  message: () => ({ message: `must be one of ${[...resetIntervals, "lifetime"].join(", ")}`, override: true })
})

/**
 * @since 0.1.0
 * @category models
 */
export type BudgetInterval = typeof BudgetInterval.Type

/**
 * The intervals from the widest to the narrowest: limits must strictly decrease along this order.
 *
 * @since 0.1.0
 * @category constants
 */
export const budgetIntervals: ReadonlyArray<BudgetInterval> = ["lifetime", "monthly", "weekly", "daily"]

/**
 * A spending limit in USD: finite and greater than 0.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LimitUsd = Schema.Number.pipe(
  Schema.finite({ message: () => "must be a finite number" }),
  Schema.greaterThan(0, { message: () => "must be greater than 0" })
)

/**
 * An organization user id: 1..256 characters (`maxIdLength`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const UserId = Schema.String.pipe(
  Schema.minLength(1, { message: () => "must be a non-empty user id" }),
  Schema.maxLength(maxIdLength, { message: () => `must be a user id of at most ${maxIdLength} characters` })
)

/**
 * The `user_ids` of a bulk call: 1..100 non-empty ids.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UserIds = Schema.Array(UserId)
  .annotations({ message: () => "must be an array of 1 to 100 user ids" })
  .pipe(
    Schema.minItems(1, { message: () => "must hold 1 to 100 user ids" }),
    Schema.maxItems(100, { message: () => "must hold 1 to 100 user ids" })
  )

/**
 * A page size: an integer in 1..100.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PageLimit = Schema.Int.pipe(Schema.between(1, 100, { message: () => "must be an integer from 1 to 100" }))

/**
 * A page offset: an integer >= 0.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PageOffset = Schema.Int.pipe(Schema.nonNegative({ message: () => "must be an integer >= 0" }))

const NullableString = Schema.NullOr(Schema.String)

/**
 * The OpenRouter server tools the spec (revision 2) names. The list is open: the API may add tools,
 * so a `ServerTool` is any string, and these are the ones typed.
 *
 * @since 0.3.0
 * @category constants
 */
export const knownServerTools = [
  "openrouter:advisor",
  "openrouter:apply_patch",
  "openrouter:bash",
  "openrouter:datetime",
  "openrouter:fusion",
  "openrouter:image_generation",
  "openrouter:experimental__search_models",
  "openrouter:shell",
  "openrouter:subagent",
  "openrouter:tool_search",
  "openrouter:web_fetch",
  "openrouter:web_search"
] as const

/**
 * A server tool the spec names.
 *
 * @since 0.3.0
 * @category models
 */
export type KnownServerTool = (typeof knownServerTools)[number]

/**
 * An OpenRouter server tool: one of `knownServerTools`, or any other string (the enum is open, so an
 * unknown tool is kept, never rejected).
 *
 * @since 0.3.0
 * @category models
 */
export type ServerTool = KnownServerTool | (string & {})

/**
 * An OpenRouter server tool, as `disabled_server_tools` holds them: any string, the known ones typed.
 *
 * @since 0.3.0
 * @category schemas
 */
export const ServerTool: Schema.Schema<ServerTool> = Schema.String.annotations({
  identifier: "ServerTool",
  jsonSchema: { type: "string", enum: knownServerTools, "x-speakeasy-unknown-values": "allow" }
})

/**
 * The server tools requests in a workspace may not invoke. `null` (and, in a request, `[]`) means
 * none is disabled.
 *
 * @since 0.3.0
 * @category schemas
 */
export const DisabledServerTools = Schema.NullOr(Schema.Array(ServerTool))

/**
 * A workspace.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Workspace = Schema.Struct({
  id: Schema.String,
  defaultGuardrailId: wire("default_guardrail_id", Schema.String),
  name: Schema.String,
  slug: Schema.String,
  description: NullableString,
  defaultTextModel: wire("default_text_model", NullableString),
  defaultImageModel: wire("default_image_model", NullableString),
  defaultProviderSort: wire("default_provider_sort", NullableString),
  isObservabilityIoLoggingEnabled: wire("is_observability_io_logging_enabled", Schema.Boolean),
  isObservabilityBroadcastEnabled: wire("is_observability_broadcast_enabled", Schema.Boolean),
  isDataDiscountLoggingEnabled: wire("is_data_discount_logging_enabled", Schema.Boolean),
  ioLoggingSamplingRate: wire("io_logging_sampling_rate", Schema.Number),
  ioLoggingApiKeyIds: wire("io_logging_api_key_ids", Schema.NullOr(Schema.Array(Schema.Int))),
  includeByokInBudgets: optionalWire("include_byok_in_budgets", Schema.Boolean),
  /** Revision 2; absent from servers of revision 1. */
  disabledServerTools: optionalWire("disabled_server_tools", DisabledServerTools),
  createdAt: wire("created_at", Schema.String),
  updatedAt: wire("updated_at", NullableString),
  createdBy: wire("created_by", NullableString)
}).annotations({ identifier: "Workspace" })

/**
 * @since 0.1.0
 * @category models
 */
export interface Workspace extends Schema.Schema.Type<typeof Workspace> {}

/**
 * A budget of a workspace. A lifetime budget has `resetInterval: null`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const WorkspaceBudget = Schema.Struct({
  id: Schema.String,
  workspaceId: wire("workspace_id", Schema.String),
  limitUsd: wire("limit_usd", Schema.Number),
  resetInterval: wire("reset_interval", Schema.NullOr(Schema.Literal(...resetIntervals))),
  createdAt: wire("created_at", Schema.String),
  updatedAt: wire("updated_at", Schema.String)
}).annotations({ identifier: "WorkspaceBudget" })

/**
 * @since 0.1.0
 * @category models
 */
export interface WorkspaceBudget extends Schema.Schema.Type<typeof WorkspaceBudget> {}

/**
 * The interval a budget belongs to (`lifetime` for `resetInterval: null`).
 *
 * @since 0.1.0
 * @category accessors
 */
export const budgetIntervalOf = (budget: WorkspaceBudget): BudgetInterval => budget.resetInterval ?? "lifetime"

/**
 * A role in the organization and so in a workspace.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Role = Schema.Literal("admin", "member")

/**
 * A workspace membership.
 *
 * @since 0.1.0
 * @category schemas
 */
export const WorkspaceMember = Schema.Struct({
  id: Schema.String,
  workspaceId: wire("workspace_id", Schema.String),
  userId: wire("user_id", Schema.String),
  role: Role,
  createdAt: wire("created_at", Schema.String)
}).annotations({ identifier: "WorkspaceMember" })

/**
 * @since 0.1.0
 * @category models
 */
export interface WorkspaceMember extends Schema.Schema.Type<typeof WorkspaceMember> {}

/**
 * The settings a workspace is created with or patched by. In a patch, `null` clears a nullable
 * field and an omitted key leaves it unchanged.
 *
 * @since 0.1.0
 * @category schemas
 */
export const WorkspaceSettings = Schema.Struct({
  description: Schema.optionalWith(Schema.NullOr(Description), { exact: true }),
  defaultTextModel: optionalWire("default_text_model", Schema.NullOr(Schema.String)),
  defaultImageModel: optionalWire("default_image_model", Schema.NullOr(Schema.String)),
  defaultProviderSort: optionalWire("default_provider_sort", Schema.NullOr(Schema.String)),
  ioLoggingApiKeyIds: optionalWire("io_logging_api_key_ids", Schema.NullOr(Schema.Array(Schema.Int))),
  ioLoggingSamplingRate: optionalWire("io_logging_sampling_rate", SamplingRate),
  isDataDiscountLoggingEnabled: optionalWire("is_data_discount_logging_enabled", Schema.Boolean),
  isObservabilityBroadcastEnabled: optionalWire("is_observability_broadcast_enabled", Schema.Boolean),
  isObservabilityIoLoggingEnabled: optionalWire("is_observability_io_logging_enabled", Schema.Boolean),
  /** `null` or `[]` clears the list. */
  disabledServerTools: optionalWire("disabled_server_tools", DisabledServerTools)
})

/**
 * @since 0.1.0
 * @category models
 */
export interface WorkspaceSettings extends Schema.Schema.Type<typeof WorkspaceSettings> {}

/**
 * A role in the organization, as `/organization/members` names it (`admin` and `member` in a workspace).
 *
 * @since 0.3.0
 * @category schemas
 */
export const OrganizationRole = Schema.Literal("org:admin", "org:member")

/**
 * A member of the organization.
 *
 * @since 0.3.0
 * @category schemas
 */
export const OrganizationMember = Schema.Struct({
  /** The user id, as workspace memberships name it (`userId`). */
  id: Schema.String,
  email: Schema.String,
  firstName: wire("first_name", NullableString),
  lastName: wire("last_name", NullableString),
  role: OrganizationRole
}).annotations({ identifier: "OrganizationMember" })

/**
 * @since 0.3.0
 * @category models
 */
export interface OrganizationMember extends Schema.Schema.Type<typeof OrganizationMember> {}

/**
 * An API key (an inference key, not a management key), as `GET /keys` lists it: never its secret.
 *
 * @since 0.3.0
 * @category schemas
 */
export const ApiKey = Schema.Struct({
  /** The key's identifier. */
  hash: Schema.String,
  name: Schema.String,
  /** A masked form of the key, e.g. `sk-or-v1-0e6...1c96`. */
  label: Schema.String,
  disabled: Schema.Boolean,
  limit: Schema.NullOr(Schema.Number),
  limitRemaining: wire("limit_remaining", Schema.NullOr(Schema.Number)),
  limitReset: wire("limit_reset", NullableString),
  includeByokInLimit: wire("include_byok_in_limit", Schema.Boolean),
  usage: Schema.Number,
  usageDaily: wire("usage_daily", Schema.Number),
  usageWeekly: wire("usage_weekly", Schema.Number),
  usageMonthly: wire("usage_monthly", Schema.Number),
  byokUsage: wire("byok_usage", Schema.Number),
  byokUsageDaily: wire("byok_usage_daily", Schema.Number),
  byokUsageWeekly: wire("byok_usage_weekly", Schema.Number),
  byokUsageMonthly: wire("byok_usage_monthly", Schema.Number),
  createdAt: wire("created_at", Schema.String),
  updatedAt: wire("updated_at", NullableString),
  expiresAt: optionalWire("expires_at", NullableString),
  /** The user who created the key: the member it holds in its workspace. */
  creatorUserId: wire("creator_user_id", NullableString),
  workspaceId: wire("workspace_id", Schema.String)
}).annotations({ identifier: "ApiKey" })

/**
 * @since 0.3.0
 * @category models
 */
export interface ApiKey extends Schema.Schema.Type<typeof ApiKey> {}

/**
 * A page of a list: the items and the total count across all pages.
 *
 * The item is typed as the schema itself, not as `Schema.Schema<A, I>`: inferring `I` would spell
 * out the item's encoded side in the emitted declarations, and with keys renamed by `wire` that is a
 * type literal whose string index signature its own properties do not fit (TS2411 for a consumer
 * checking the `.d.ts` with `skipLibCheck: false`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const Page = <S extends Schema.Schema.Any>(item: S) =>
  Schema.Struct({ data: Schema.Array(item), totalCount: wire("total_count", Schema.Int) })

/**
 * @since 0.1.0
 * @category models
 */
export interface Page<A> {
  readonly data: ReadonlyArray<A>
  readonly totalCount: number
}
