/**
 * `Workflows` as the package's entry exports it in 0.2.x: the building blocks of `Workflows.ts`,
 * plus the desired-state functions that moved up to `Manifest` and `Plan`, kept under their old
 * names for one release. They live here, at the entry, because `Workflows.ts` sits below
 * `Manifest` and `Plan` and so cannot re-export them.
 */
import * as Manifest from "../Manifest.js"
import * as Plan from "../Plan.js"

export * from "../Workflows.js"

/**
 * @deprecated Moved to `Manifest.ExportOptions`; this alias goes in the next minor version.
 * @since 0.1.0
 * @category models
 */
export type ExportOptions = Manifest.ExportOptions

/**
 * @deprecated Moved to `Manifest.ExportStateError`; this alias goes in the next minor version.
 * @since 0.1.0
 * @category errors
 */
export type ExportStateError = Manifest.ExportStateError

/**
 * @deprecated Moved to `Plan.PlanOptions`; this alias goes in the next minor version.
 * @since 0.1.0
 * @category models
 */
export type PlanOptions = Plan.PlanOptions

/**
 * @deprecated Moved to `Plan.ApplyOptions`; this alias goes in the next minor version.
 * @since 0.1.0
 * @category models
 */
export type ApplyOptions = Plan.ApplyOptions

/**
 * @deprecated Moved to `Plan.PlanError`; this alias goes in the next minor version.
 * @since 0.1.0
 * @category errors
 */
export type PlanError = Plan.PlanError

/**
 * The organization as a manifest.
 *
 * @deprecated Use `Manifest.exportState`, the same function; this name goes in the next minor version.
 * @since 0.1.0
 * @category desired state
 */
export const exportState: typeof Manifest.exportState = Manifest.exportState

/**
 * The changes that bring the organization to the manifest.
 *
 * @deprecated Use `Plan.make`, the same function; this name goes in the next minor version.
 * @since 0.1.0
 * @category desired state
 */
export const plan: typeof Plan.make = Plan.make

/**
 * Runs a plan and streams its progress.
 *
 * @deprecated Use `Plan.apply`, the same function; this name goes in the next minor version.
 * @since 0.1.0
 * @category desired state
 */
export const apply: typeof Plan.apply = Plan.apply
