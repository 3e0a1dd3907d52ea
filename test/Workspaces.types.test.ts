import { describe, expectTypeOf, it } from "@effect/vitest"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type { Workspaces } from "../src/index.js"
import type {
  BadRequestResponseError as E400,
  CommonError,
  ForbiddenResponseError as E403,
  InternalServerResponseError as E500,
  NotFoundResponseError as E404,
  UnauthorizedResponseError as E401
} from "../src/WorkspacesError.js"

type S = Workspaces.Service
type ErrorOf<K extends keyof S> = S[K] extends (...args: any) => Effect.Effect<any, infer E, any>
  ? E
  : S[K] extends (...args: any) => Stream.Stream<any, infer E, any>
    ? E
    : never

// The statuses each operation documents in management.openapi.yaml, plus what any call can meet.
describe("error channels (checked by tsc)", () => {
  it("list with 401, 500", () => expectTypeOf<ErrorOf<"list">>().toEqualTypeOf<E401 | E500 | CommonError>())
  it("create with 400, 401, 403, 500", () =>
    expectTypeOf<ErrorOf<"create">>().toEqualTypeOf<E400 | E401 | E403 | E500 | CommonError>())
  it("delete with 400, 401, 403, 404, 500", () =>
    expectTypeOf<ErrorOf<"delete">>().toEqualTypeOf<E400 | E401 | E403 | E404 | E500 | CommonError>())
  it("get with 401, 404, 500", () => expectTypeOf<ErrorOf<"get">>().toEqualTypeOf<E401 | E404 | E500 | CommonError>())
  it("update with 400, 401, 403, 404, 500", () =>
    expectTypeOf<ErrorOf<"update">>().toEqualTypeOf<E400 | E401 | E403 | E404 | E500 | CommonError>())
  it("listBudgets with 401, 404, 500", () =>
    expectTypeOf<ErrorOf<"listBudgets">>().toEqualTypeOf<E401 | E404 | E500 | CommonError>())
  it("getBudget with 400, 401, 404, 500", () =>
    expectTypeOf<ErrorOf<"getBudget">>().toEqualTypeOf<E400 | E401 | E404 | E500 | CommonError>())
  it("deleteBudget with 400, 401, 404, 500", () =>
    expectTypeOf<ErrorOf<"deleteBudget">>().toEqualTypeOf<E400 | E401 | E404 | E500 | CommonError>())
  it("setBudget with 400, 401, 404, 500", () =>
    expectTypeOf<ErrorOf<"setBudget">>().toEqualTypeOf<E400 | E401 | E404 | E500 | CommonError>())
  it("listMembers with 401, 403, 404, 500", () =>
    expectTypeOf<ErrorOf<"listMembers">>().toEqualTypeOf<E401 | E403 | E404 | E500 | CommonError>())
  it("bulkAddMembers with 400, 401, 403, 404, 500", () =>
    expectTypeOf<ErrorOf<"bulkAddMembers">>().toEqualTypeOf<E400 | E401 | E403 | E404 | E500 | CommonError>())
  it("bulkRemoveMembers with 400, 401, 403, 404, 500", () =>
    expectTypeOf<ErrorOf<"bulkRemoveMembers">>().toEqualTypeOf<E400 | E401 | E403 | E404 | E500 | CommonError>())
  it("the streams with their page operation's errors", () => {
    expectTypeOf<ErrorOf<"streamWorkspaces">>().toEqualTypeOf<ErrorOf<"list">>()
    expectTypeOf<ErrorOf<"streamMembers">>().toEqualTypeOf<ErrorOf<"listMembers">>()
  })
  it("flat camelCase inputs", () => {
    expectTypeOf<Parameters<S["setBudget"]>[0]>().toEqualTypeOf<{
      readonly id: string
      readonly interval: "daily" | "weekly" | "monthly" | "lifetime"
      readonly limitUsd: number
      readonly includeByokInBudgets?: boolean
    }>()
    expectTypeOf<Parameters<S["bulkAddMembers"]>[0]>().toEqualTypeOf<{
      readonly id: string
      readonly userIds: ReadonlyArray<string>
    }>()
  })
})
