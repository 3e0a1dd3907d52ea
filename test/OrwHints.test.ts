import { assert, describe, it } from "@effect/vitest"
import { Either } from "effect"
import * as Csv from "../cli/internal/csv.js"
import * as Hints from "../cli/internal/hints.js"
import { type Model, WorkspacesError } from "../src/index.js"

const member = (id: string, email: string): Model.OrganizationMember => ({
  id,
  email,
  firstName: null,
  lastName: null,
  role: "org:member"
})

describe("orw's failure lines", () => {
  it("nearestSlug: the closest existing slug within a typo's reach, ties in sort order", () => {
    assert.strictEqual(Hints.nearestSlug("betta", ["alpha", "beta", "default"]), "beta")
    assert.strictEqual(Hints.nearestSlug("reserch-eu", ["research-us", "research-eu"]), "research-eu")
    assert.strictEqual(Hints.nearestSlug("ab", ["ax", "ay"]), "ax")
    assert.isUndefined(Hints.nearestSlug("marketing", ["alpha", "beta"]))
    assert.isUndefined(Hints.nearestSlug("beta", ["beta"]), "the slug itself is no suggestion")
  })

  it("a missing workspace says so and names the nearest one", () => {
    assert.strictEqual(
      new Hints.UnknownWorkspaceError({ slug: "betta", nearest: "beta" }).message,
      "there is no workspace betta: did you mean beta? (orw export lists every workspace)"
    )
    assert.strictEqual(
      new Hints.UnknownWorkspaceError({ slug: "zzz" }).message,
      "there is no workspace zzz: check the slug (orw export lists every workspace)"
    )
  })

  it("a 404 'No route' hints at /api/v1, with the base URL that lacks it", () => {
    const error = new WorkspacesError.OpenRouterDefaultError({
      operation: "Workspaces.list",
      status: 404,
      detail: "No route for GET /workspaces"
    })
    assert.strictEqual(
      Hints.describeFailure(error, { baseUrl: "http://127.0.0.1:8787" }),
      "OpenRouterDefaultError: Workspaces.list: unexpected status (HTTP 404): No route for GET /workspaces — " +
        "the base URL http://127.0.0.1:8787 serves no such operation: OpenRouter's API is under /api/v1, " +
        "try --base-url http://127.0.0.1:8787/api/v1"
    )
    const notFound = new WorkspacesError.NotFoundResponseError({
      operation: "Workspaces.get",
      status: 404,
      detail: 'Workspace "betta" not found'
    })
    assert.isUndefined(Hints.hint(notFound, { baseUrl: "https://openrouter.ai/api/v1" }), "a real 404 is no route")
  })

  it("a connection error names host, port and the attempts that failed", () => {
    const error = new WorkspacesError.ConnectionError({
      operation: "Workspaces.list",
      sent: false,
      reason: "ECONNREFUSED 127.0.0.1:9 (connect)",
      code: "ECONNREFUSED",
      host: "127.0.0.1",
      port: 9
    })
    assert.strictEqual(
      Hints.hint(error, { connectionFailures: 6 }),
      "could not connect to 127.0.0.1 port 9 (ECONNREFUSED) after 6 failed attempts (5 retries): check that it " +
        "is up and that --base-url (or OPENROUTER_BASE_URL) names it"
    )
    const bare = new WorkspacesError.ConnectionError({ operation: "Workspaces.list", sent: true, reason: "closed" })
    assert.match(Hints.hint(bare)!, /^could not connect to the server after retries: /)
  })
})

describe("orw members --column email", () => {
  const members = [
    member("user_1", "Ann@Example.com"),
    member("user_2", "bo@example.com"),
    member("user_3", "bo@example.com")
  ]

  it("emails resolve whatever their case and spaces; ids pass as they are; the same user once", () => {
    const cells: ReadonlyArray<Csv.Cell> = [
      { value: " ann@example.COM ", line: 2 },
      { value: "user_9", line: 3 },
      { value: "ANN@example.com", line: 4 }
    ]
    assert.deepStrictEqual(Csv.resolve("team.csv", cells, members), Either.right(["user_1", "user_9"]))
  })

  it("an unknown or shared email is refused, naming the line and the email", () => {
    const cells: ReadonlyArray<Csv.Cell> = [
      { value: "nobody@example.com", line: 2 },
      { value: "bo@example.com", line: 5 }
    ]
    const result = Csv.resolve("team.csv", cells, members)
    assert.isTrue(Either.isLeft(result))
    if (Either.isLeft(result)) {
      assert.strictEqual(
        result.left.message,
        'team.csv: line 2: "nobody@example.com": no organization member has this email; line 5: "bo@example.com": ' +
          "2 organization members have this email (user_2, user_3): give a user id instead; nothing was sent"
      )
    }
  })
})
