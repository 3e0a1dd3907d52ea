/**
 * The fixed bodies the per-call benchmarks answer with: one workspace, a page of 100 members and
 * the answer to a bulk add of 100, in the spec's wire format.
 */
const workspaceId = "5b2f3c1e-9a5d-4c1b-8f7e-2d6a0e4b9c11"
const createdAt = "2025-01-06T09:00:00.000Z"

/** The users of the emulator's organization in the benchmarks. */
export const userIdOf = (i: number) => `user_${String(i).padStart(6, "0")}`

export const userIds = Array.from({ length: 100 }, (_, i) => userIdOf(i))

export const workspace = {
  id: workspaceId,
  default_guardrail_id: "0f1e2d3c-4b5a-4968-8776-655443322110",
  name: "Engineering",
  slug: "engineering",
  description: "Where the builders are",
  default_text_model: "openai/gpt-4o",
  default_image_model: null,
  default_provider_sort: null,
  is_observability_io_logging_enabled: false,
  is_observability_broadcast_enabled: false,
  is_data_discount_logging_enabled: true,
  io_logging_sampling_rate: 1,
  io_logging_api_key_ids: null,
  include_byok_in_budgets: false,
  created_at: createdAt,
  updated_at: null,
  created_by: "user_admin"
}

const member = (userId: string, i: number) => ({
  id: `7c9e6679-7425-40de-944b-e07fc1f9${String(i).padStart(4, "0")}`,
  workspace_id: workspaceId,
  user_id: userId,
  role: i % 25 === 0 ? "admin" : "member",
  created_at: createdAt
})

export const bodies = {
  get: JSON.stringify({ data: workspace }),
  listMembers: JSON.stringify({ data: userIds.map(member), total_count: 10_000 }),
  bulkAddMembers: JSON.stringify({ data: userIds.map(member), added_count: 100 })
} as const

export type Scenario = keyof typeof bodies

/** Which fixed body a request gets, by its path. */
export const scenarioOf = (method: string, path: string): Scenario =>
  method === "POST" ? "bulkAddMembers" : path.includes("/members") ? "listMembers" : "get"
