/**
 * @since 0.1.0
 */

/**
 * A declarative description of one HTTP endpoint, shared by the client and the emulator.
 *
 * @since 0.1.0
 */
export * as Endpoint from "./Endpoint.js"

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
