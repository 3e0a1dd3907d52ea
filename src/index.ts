/**
 * @since 0.1.0
 */

/**
 * A declarative description of one HTTP endpoint, shared by the client and the emulator (until the
 * next minor version, with the deprecated `Endpoint.Error`).
 *
 * @since 0.1.0
 */
export * as Endpoint from "./internal/endpointCompat.js"

/**
 * The Workspaces models and the API's input rules.
 *
 * @since 0.1.0
 */
export * as Model from "./Model.js"

/**
 * Retry policies as Schedules.
 *
 * @since 0.1.0
 */
export * as RetryPolicy from "./RetryPolicy.js"

/**
 * The Workspaces service.
 *
 * @since 0.1.0
 */
export * as Workspaces from "./Workspaces.js"

/**
 * The twelve endpoint descriptions.
 *
 * @since 0.1.0
 */
export * as WorkspacesApi from "./WorkspacesApi.js"

/**
 * The typed errors.
 *
 * @since 0.1.0
 */
export * as WorkspacesError from "./WorkspacesError.js"

/**
 * Budgets by interval: limits, changes, and the calls that make them in an order the API accepts.
 *
 * @since 0.2.0
 */
export * as Budgets from "./Budgets.js"

/**
 * A workspace as it should be, and the field changes that bring a workspace to it.
 *
 * @since 0.2.0
 */
export * as WorkspaceSpec from "./WorkspaceSpec.js"

/**
 * The desired state of an organization as a YAML or JSON file.
 *
 * @since 0.1.0
 */
export * as Manifest from "./Manifest.js"

/**
 * Plans of changes, their progress events and their rendering.
 *
 * @since 0.1.0
 */
export * as Plan from "./Plan.js"

/**
 * Workflows: ensure, sync, move, budgets, clone, export, plan and apply.
 *
 * @since 0.1.0
 */
export * as Workflows from "./Workflows.js"

/**
 * The typed errors of the workflows.
 *
 * @since 0.1.0
 */
export * as WorkflowsError from "./WorkflowsError.js"
