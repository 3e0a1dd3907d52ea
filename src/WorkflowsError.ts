/**
 * The typed errors of the workflows: the rules a workflow checks itself, before or instead of a call.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * The workflow needs explicit membership, but the workspace is the default one, whose members are
 * implicitly every organization member.
 *
 * @since 0.1.0
 * @category errors
 */
export class DefaultWorkspaceError extends Schema.TaggedError<DefaultWorkspaceError>()("DefaultWorkspaceError", {
  /** The workflow that refused, e.g. `Workflows.syncMembers`. */
  operation: Schema.String,
  /** The workspace as the caller named it. */
  workspace: Schema.String
}) {
  override get message() {
    return (
      `${this.operation}: "${this.workspace}" is the default workspace, whose membership is implicit ` +
      `(every organization member belongs to it): its members cannot be added, removed, synced or moved`
    )
  }
}

/**
 * Budgets that break the API's rule (limits strictly decrease as the interval narrows:
 * lifetime > monthly > weekly > daily), or `includeByokInBudgets` with no budget to carry it.
 * Raised before any change is sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class BudgetRuleError extends Schema.TaggedError<BudgetRuleError>()("BudgetRuleError", {
  operation: Schema.String,
  workspace: Schema.String,
  /** The rule and the values that break it. */
  rule: Schema.String
}) {
  override get message() {
    return `${this.operation}: budgets of "${this.workspace}": ${this.rule}`
  }
}

/**
 * A manifest asks to delete the default workspace (`deleteDefaultWorkspace: true`), which disables
 * its inference API keys and deletes its budgets and guardrails, and the caller has not confirmed it
 * (`confirmDefaultWorkspaceDeletion: true` in `Plan.PlanOptions`). Raised before any change is sent.
 *
 * @since 0.3.0
 * @category errors
 */
export class DefaultWorkspaceDeletionError extends Schema.TaggedError<DefaultWorkspaceDeletionError>()(
  "DefaultWorkspaceDeletionError",
  {
    operation: Schema.String,
    /** The default workspace's slug. */
    workspace: Schema.String
  }
) {
  override get message() {
    return (
      `${this.operation}: the manifest deletes the default workspace "${this.workspace}" ` +
      `(deleteDefaultWorkspace: true), which disables its inference API keys and deletes its budgets and ` +
      `guardrails: confirm it with confirmDefaultWorkspaceDeletion: true (orw: --confirm-default-workspace-deletion); ` +
      `nothing was sent`
    )
  }
}

/**
 * A workflow stopped by an error after some of its changes had gone through: `report` is the
 * workflow's report of what it did before it stopped (the workflow's own report type:
 * `SyncMembersReport`, `MoveMembersReport`, `SetBudgetsReport`, `CloneWorkspaceReport`), `cause`
 * the error that stopped it. Once a call fails no further call is started, and the calls already in
 * flight are let finish, so the report is exact but for the call that failed: whether it took
 * effect is what its error says (e.g. `ConnectionError.sent`). Running the workflow again converges.
 *
 * A workflow that fails before any change went through fails with the error itself.
 *
 * @since 0.3.0
 * @category errors
 */
export class WorkflowFailedError<Report = unknown, Cause = unknown> extends Schema.TaggedError<
  WorkflowFailedError<unknown, unknown>
>()("WorkflowFailedError", {
  /** The workflow, e.g. `Workflows.syncMembers`. */
  workflow: Schema.String,
  /** What had already gone through, in words, e.g. `added 100 users, removed 200 users`. */
  done: Schema.String,
  report: Schema.Unknown,
  cause: Schema.Unknown
}) {
  /**
   * The workflow's report of what it did before it stopped.
   *
   * @since 0.3.0
   */
  declare readonly report: Report
  /**
   * The error that stopped it.
   *
   * @since 0.3.0
   */
  declare readonly cause: Cause

  override get message() {
    const cause = this.cause
    const reason =
      typeof cause === "object" && cause !== null && "message" in cause ? String(cause.message) : String(cause)
    return `${this.workflow}: stopped after changes went through (${this.done}): ${reason}`
  }
}
