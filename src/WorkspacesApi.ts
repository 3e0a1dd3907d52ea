/**
 * The endpoints of `spec/management.openapi.yaml` (revision 2), described once: the twelve
 * Workspaces endpoints, and the two a migration needs around them, `GET /organization/members` and
 * `GET /keys`. The client sends from these descriptions and the emulator serves from them.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Endpoint from "./Endpoint.js"
import {
  ApiKey,
  BudgetInterval,
  Description,
  LimitUsd,
  optionalWire,
  OrganizationMember,
  Page,
  PageLimit,
  PageOffset,
  Slug,
  UserIds,
  wire,
  Workspace,
  WorkspaceBudget,
  WorkspaceId,
  WorkspaceMember,
  WorkspaceName,
  WorkspaceSettings
} from "./Model.js"

const ById = Schema.Struct({ id: WorkspaceId })
// Revision 2 names the budget paths' parameter `workspace_ref`; the input keeps `id`, as everywhere.
const ByRef = Schema.Struct({ id: wire("workspace_ref", WorkspaceId) })
const ByInterval = Schema.Struct({ id: wire("workspace_ref", WorkspaceId), interval: BudgetInterval })

const Paging = Schema.Struct({
  offset: Schema.optionalWith(Schema.compose(Schema.NumberFromString, PageOffset), { exact: true }),
  limit: Schema.optionalWith(Schema.compose(Schema.NumberFromString, PageLimit), { exact: true })
})

const Deleted = Schema.Struct({ deleted: Schema.Literal(true) })
const OneWorkspace = Schema.Struct({ data: Workspace })
const BudgetsResponse = Schema.Struct({
  data: Schema.Array(WorkspaceBudget),
  includeByokInBudgets: optionalWire("include_byok_in_budgets", Schema.Boolean)
})
const BudgetResponse = Schema.Struct({
  data: WorkspaceBudget,
  includeByokInBudgets: optionalWire("include_byok_in_budgets", Schema.Boolean)
})
const Members = Schema.Struct({ userIds: wire("user_ids", UserIds) })

const unwrap = <A>(response: { readonly data: A }): A => response.data
const same = <A>(response: A): A => response
const nothing = (): void => undefined

/**
 * `GET /workspaces`
 *
 * @since 0.1.0
 * @category endpoints
 */
export const list = Endpoint.make({
  name: "list",
  method: "GET",
  path: "/workspaces",
  query: Paging,
  response: Page(Workspace),
  result: same,
  errors: [401, 500]
})

/**
 * `POST /workspaces`
 *
 * @since 0.1.0
 * @category endpoints
 */
export const create = Endpoint.make({
  name: "create",
  method: "POST",
  path: "/workspaces",
  body: Schema.Struct({ name: WorkspaceName, slug: Slug, ...WorkspaceSettings.fields }),
  successStatus: 201,
  response: OneWorkspace,
  result: unwrap,
  errors: [400, 401, 403, 500]
})

/**
 * `DELETE /workspaces/{id}`
 *
 * @since 0.1.0
 * @category endpoints
 */
export const del = Endpoint.make({
  name: "delete",
  method: "DELETE",
  path: "/workspaces/{id}",
  params: ById,
  query: Schema.Struct({
    /** Required to delete the default workspace (which disables its keys and deletes its budgets); ignored otherwise. */
    confirmDefaultWorkspaceDeletion: optionalWire("confirm_default_workspace_deletion", Schema.BooleanFromString)
  }),
  response: Deleted,
  result: nothing,
  errors: [400, 401, 403, 404, 500]
})

/**
 * `GET /workspaces/{id}`
 *
 * @since 0.1.0
 * @category endpoints
 */
export const get = Endpoint.make({
  name: "get",
  method: "GET",
  path: "/workspaces/{id}",
  params: ById,
  response: OneWorkspace,
  result: unwrap,
  errors: [401, 404, 500]
})

/**
 * `PATCH /workspaces/{id}`
 *
 * @since 0.1.0
 * @category endpoints
 */
export const update = Endpoint.make({
  name: "update",
  method: "PATCH",
  path: "/workspaces/{id}",
  params: ById,
  body: Schema.Struct({
    name: Schema.optionalWith(WorkspaceName, { exact: true }),
    slug: Schema.optionalWith(Slug, { exact: true }),
    ...WorkspaceSettings.fields,
    description: Schema.optionalWith(Schema.NullOr(Description), { exact: true })
  }),
  response: OneWorkspace,
  result: unwrap,
  errors: [400, 401, 403, 404, 500]
})

/**
 * `GET /workspaces/{workspace_ref}/budgets`
 *
 * @since 0.1.0
 * @category endpoints
 */
export const listBudgets = Endpoint.make({
  name: "listBudgets",
  method: "GET",
  path: "/workspaces/{workspace_ref}/budgets",
  params: ByRef,
  response: BudgetsResponse,
  result: same,
  errors: [401, 404, 500]
})

/**
 * `GET /workspaces/{workspace_ref}/budgets/{interval}`
 *
 * @since 0.1.0
 * @category endpoints
 */
export const getBudget = Endpoint.make({
  name: "getBudget",
  method: "GET",
  path: "/workspaces/{workspace_ref}/budgets/{interval}",
  params: ByInterval,
  response: BudgetResponse,
  result: same,
  errors: [400, 401, 404, 500]
})

/**
 * `DELETE /workspaces/{workspace_ref}/budgets/{interval}`
 *
 * @since 0.1.0
 * @category endpoints
 */
export const deleteBudget = Endpoint.make({
  name: "deleteBudget",
  method: "DELETE",
  path: "/workspaces/{workspace_ref}/budgets/{interval}",
  params: ByInterval,
  response: Deleted,
  result: nothing,
  errors: [400, 401, 404, 500]
})

/**
 * `PUT /workspaces/{workspace_ref}/budgets/{interval}`: create or update.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const setBudget = Endpoint.make({
  name: "setBudget",
  method: "PUT",
  path: "/workspaces/{workspace_ref}/budgets/{interval}",
  params: ByInterval,
  body: Schema.Struct({
    limitUsd: wire("limit_usd", LimitUsd),
    includeByokInBudgets: optionalWire("include_byok_in_budgets", Schema.Boolean)
  }),
  response: BudgetResponse,
  result: same,
  errors: [400, 401, 404, 500]
})

/**
 * `GET /workspaces/{id}/members`
 *
 * @since 0.1.0
 * @category endpoints
 */
export const listMembers = Endpoint.make({
  name: "listMembers",
  method: "GET",
  path: "/workspaces/{id}/members",
  params: ById,
  query: Paging,
  response: Page(WorkspaceMember),
  result: same,
  errors: [401, 403, 404, 500]
})

/**
 * `POST /workspaces/{id}/members/add`
 *
 * @since 0.1.0
 * @category endpoints
 */
export const bulkAddMembers = Endpoint.make({
  name: "bulkAddMembers",
  method: "POST",
  path: "/workspaces/{id}/members/add",
  params: ById,
  body: Members,
  response: Schema.Struct({ data: Schema.Array(WorkspaceMember), addedCount: wire("added_count", Schema.Int) }),
  result: same,
  errors: [400, 401, 403, 404, 500]
})

/**
 * `POST /workspaces/{id}/members/remove`
 *
 * @since 0.1.0
 * @category endpoints
 */
export const bulkRemoveMembers = Endpoint.make({
  name: "bulkRemoveMembers",
  method: "POST",
  path: "/workspaces/{id}/members/remove",
  params: ById,
  body: Members,
  response: Schema.Struct({ removedCount: wire("removed_count", Schema.Int) }),
  result: same,
  errors: [400, 401, 403, 404, 500]
})

/**
 * `GET /organization/members`: the organization's members, to resolve people by email.
 *
 * @since 0.3.0
 * @category endpoints
 */
export const listOrganizationMembers = Endpoint.make({
  name: "listOrganizationMembers",
  method: "GET",
  path: "/organization/members",
  query: Paging,
  response: Page(OrganizationMember),
  result: same,
  errors: [401, 404, 500]
})

/**
 * `GET /keys`: the API keys of one workspace (the default workspace unless `workspaceId` says
 * otherwise), active ones only unless `includeDisabled`. There is no `limit`: the page size is the
 * server's, and the last page is followed by an empty one.
 *
 * @since 0.3.0
 * @category endpoints
 */
export const listApiKeys = Endpoint.make({
  name: "listApiKeys",
  method: "GET",
  path: "/keys",
  query: Schema.Struct({
    workspaceId: optionalWire("workspace_id", Schema.UUID),
    includeDisabled: optionalWire("include_disabled", Schema.BooleanFromString),
    offset: Schema.optionalWith(Schema.compose(Schema.NumberFromString, PageOffset), { exact: true })
  }),
  response: Schema.Struct({ data: Schema.Array(ApiKey) }),
  result: same,
  errors: [400, 401, 429, 500]
})

/**
 * Every endpoint, keyed by operation name: the twelve Workspaces operations, then the two of the
 * organization around them.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const endpoints = {
  list,
  create,
  delete: del,
  get,
  update,
  listBudgets,
  getBudget,
  deleteBudget,
  setBudget,
  listMembers,
  bulkAddMembers,
  bulkRemoveMembers,
  listOrganizationMembers,
  listApiKeys
} as const

/**
 * @since 0.1.0
 * @category models
 */
export type Endpoints = typeof endpoints

/**
 * An operation name.
 *
 * @since 0.1.0
 * @category models
 */
export type OperationName = keyof Endpoints
