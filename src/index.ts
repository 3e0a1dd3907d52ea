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
 * Budgets by interval: limits, changes, and the calls that make them.
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
 * Workflows: ensure a workspace, sync or move members, set budgets, clone a workspace (until the
 * next minor version, with the deprecated `plan`, `apply` and `exportState`, now `Plan.make`,
 * `Plan.apply` and `Manifest.exportState`).
 *
 * @since 0.1.0
 */
export * as Workflows from "./internal/workflowsCompat.js"

/**
 * The typed errors of the workflows.
 *
 * @since 0.1.0
 */
export * as WorkflowsError from "./WorkflowsError.js"

/**
 * The desired state of an organization as a YAML or JSON file, and the export of an organization to one.
 *
 * @since 0.1.0
 */
export * as Manifest from "./Manifest.js"

/**
 * Plans of changes: making them from a manifest, applying them with progress events, rendering them.
 *
 * @since 0.1.0
 */
export * as Plan from "./Plan.js"
