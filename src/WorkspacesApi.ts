/**
 * The twelve Workspaces endpoints of `workspaces.openapi.yaml`, described once. The client sends
 * from these descriptions and the emulator serves from them.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Endpoint from "./Endpoint.js"
import {
  BudgetInterval,
  Description,
  LimitUsd,
  optionalWire,
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
const ByInterval = Schema.Struct({ id: WorkspaceId, interval: BudgetInterval })

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
 * `GET /workspaces/{id}/budgets`
 *
 * @since 0.1.0
 * @category endpoints
 */
export const listBudgets = Endpoint.make({
  name: "listBudgets",
  method: "GET",
  path: "/workspaces/{id}/budgets",
  params: ById,
  response: BudgetsResponse,
  result: same,
  errors: [401, 404, 500]
})

/**
 * `GET /workspaces/{id}/budgets/{interval}`
 *
 * @since 0.1.0
 * @category endpoints
 */
export const getBudget = Endpoint.make({
  name: "getBudget",
  method: "GET",
  path: "/workspaces/{id}/budgets/{interval}",
  params: ByInterval,
  response: BudgetResponse,
  result: same,
  errors: [400, 401, 404, 500]
})

/**
 * `DELETE /workspaces/{id}/budgets/{interval}`
 *
 * @since 0.1.0
 * @category endpoints
 */
export const deleteBudget = Endpoint.make({
  name: "deleteBudget",
  method: "DELETE",
  path: "/workspaces/{id}/budgets/{interval}",
  params: ByInterval,
  response: Deleted,
  result: nothing,
  errors: [400, 401, 404, 500]
})

/**
 * `PUT /workspaces/{id}/budgets/{interval}`: create or update.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const setBudget = Endpoint.make({
  name: "setBudget",
  method: "PUT",
  path: "/workspaces/{id}/budgets/{interval}",
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
 * All twelve endpoints, keyed by operation name.
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
  bulkRemoveMembers
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
