import { assert, describe, expectTypeOf, it } from "@effect/vitest"
import {
  Budgets,
  Endpoint,
  Manifest,
  Plan,
  Workflows,
  type WorkspacesApi,
  WorkspacesError,
  type WorkspaceSpec
} from "../src/index.js"

// The names that moved up a layer in 0.2.0 keep working, as the same values, until the next minor version.
describe("names kept for one release", () => {
  it("Workflows.plan, apply and exportState are Plan.make, Plan.apply and Manifest.exportState", () => {
    assert.strictEqual(Workflows.plan, Plan.make)
    assert.strictEqual(Workflows.apply, Plan.apply)
    assert.strictEqual(Workflows.exportState, Manifest.exportState)
    assert.strictEqual(Workflows.budgetsOf, Budgets.budgetsOf)
  })

  it("the moved types are the same types", () => {
    expectTypeOf<Workflows.PlanOptions>().toEqualTypeOf<Plan.PlanOptions>()
    expectTypeOf<Workflows.ApplyOptions>().toEqualTypeOf<Plan.ApplyOptions>()
    expectTypeOf<Workflows.PlanError>().toEqualTypeOf<Plan.PlanError>()
    expectTypeOf<Workflows.ExportOptions>().toEqualTypeOf<Manifest.ExportOptions>()
    expectTypeOf<Workflows.ExportStateError>().toEqualTypeOf<Manifest.ExportStateError>()
    expectTypeOf<Workflows.Budgets>().toEqualTypeOf<Budgets.Budgets>()
    expectTypeOf<Workflows.BudgetChanges>().toEqualTypeOf<Budgets.BudgetChanges>()
    expectTypeOf<Workflows.BudgetStep>().toEqualTypeOf<Budgets.BudgetStep>()
    expectTypeOf<Workflows.WorkspaceSpec>().toEqualTypeOf<WorkspaceSpec.WorkspaceSpec>()
    expectTypeOf<Workflows.FieldChange>().toEqualTypeOf<WorkspaceSpec.FieldChange>()
    expectTypeOf<Endpoint.Error<typeof WorkspacesApi.get>>().toEqualTypeOf<
      WorkspacesError.ErrorForEndpoint<typeof WorkspacesApi.get>
    >()
    expectTypeOf<WorkspacesError.DocumentedStatus>().toEqualTypeOf<Endpoint.DocumentedStatus>()
  })
})

describe("documented statuses", () => {
  it("the client has one error class for each status the contract lists", () => {
    assert.deepStrictEqual(Object.keys(WorkspacesError.DocumentedStatusErrors).map(Number), [
      ...Endpoint.documentedStatuses
    ])
  })
})
