/**
 * A workspace as it should be: its slug (its identity), its name and the settings to manage, and
 * the field-by-field changes that bring a workspace to it. The workflows take specs, plans hold
 * their changes.
 *
 * @since 0.2.0
 */
import type { Workspace, WorkspaceSettings } from "./Model.js"

/**
 * A workspace as it should be: its slug (its identity), its name, and the settings to manage.
 * A setting the spec omits is left as it is.
 *
 * @since 0.2.0
 * @category models
 */
export interface WorkspaceSpec extends WorkspaceSettings {
  readonly slug: string
  readonly name: string
}

/**
 * A field a spec manages.
 *
 * @since 0.2.0
 * @category models
 */
export type WorkspaceField = "name" | keyof WorkspaceSettings

/**
 * One field to change, with its current and its desired value.
 *
 * @since 0.2.0
 * @category models
 */
export type FieldChange = {
  readonly [K in WorkspaceField]: {
    readonly field: K
    readonly from: Workspace[K]
    readonly to: Exclude<WorkspaceSpec[K], undefined>
  }
}[WorkspaceField]
