import { assert, describe, it } from "@effect/vitest"
import { seedOf } from "../cli/internal/rehearse.js"
import type { Model } from "../src/index.js"

const key = (name: string, workspaceId: string, creatorUserId: string | null): Model.ApiKey => ({
  hash: `hash-${name}`,
  name,
  label: "sk-or-v1-0e6...1c96",
  disabled: false,
  limit: null,
  limitRemaining: null,
  limitReset: null,
  includeByokInLimit: false,
  usage: 1.5,
  usageDaily: 0,
  usageWeekly: 0,
  usageMonthly: 0,
  byokUsage: 0,
  byokUsageDaily: 0,
  byokUsageWeekly: 0,
  byokUsageMonthly: 0,
  createdAt: "2025-02-01T00:00:00.000Z",
  updatedAt: null,
  creatorUserId,
  workspaceId
})

describe("orw rehearse's copy", () => {
  it("holds the users with their emails, names and roles, and the active keys with their creators", () => {
    const seed = seedOf(
      {
        workspaces: [
          { slug: "main", name: "Main" },
          { slug: "ml", name: "ML", members: ["user_b"] }
        ]
      },
      {
        users: [
          { id: "user_a", email: "a@example.com", firstName: "Ann", lastName: null, role: "org:admin" },
          { id: "user_b", email: "b@example.com", firstName: null, lastName: "Bo", role: "org:member" }
        ],
        apiKeys: [
          { key: key("prod", "w-ml", "user_b"), workspace: "ml" },
          { key: key("orphan", "w-main", null), workspace: "main" }
        ]
      },
      "main"
    )
    assert.deepStrictEqual(
      seed.users.map((user) => [user.id, user.email, user.firstName, user.lastName, user.role]),
      [
        ["user_a", "a@example.com", "Ann", null, "admin"],
        ["user_b", "b@example.com", null, "Bo", "member"],
        // a key with no creator still blocks deleting its workspace: the copy gives it a stand-in
        ["user_rehearsal_keyholder", undefined, undefined, undefined, "member"]
      ]
    )
    assert.deepStrictEqual(
      seed.apiKeys?.map((entry) => [entry.userId, entry.workspace, entry.name]),
      [
        ["user_b", "ml", "prod"],
        ["user_rehearsal_keyholder", "default", "orphan"]
      ]
    )
    assert.deepStrictEqual(
      seed.workspaces?.map((entry) => entry.slug),
      ["default", "ml"]
    )
  })
})
