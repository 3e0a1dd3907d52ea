import * as Model from "../Model.js"
import type { Workspace, WorkspaceSettings } from "../Model.js"
import type { FieldChange, WorkspaceField, WorkspaceSpec } from "../WorkspaceSpec.js"

/** The settings keys, from the one schema that defines them. */
export const settingKeys = Object.keys(Model.WorkspaceSettings.fields) as ReadonlyArray<keyof WorkspaceSettings>

const fields: ReadonlyArray<WorkspaceField> = ["name", ...settingKeys]

/** `disabledServerTools` is a set: order does not matter, and `[]`, `null` and absent all mean none. */
const sameTools = (a: unknown, b: unknown): boolean => {
  const [x, y] = [new Set(Array.isArray(a) ? a : []), new Set(Array.isArray(b) ? b : [])]
  return x.size === y.size && Array.from(x).every((tool) => y.has(tool))
}

const sameValue = (field: WorkspaceField, a: unknown, b: unknown): boolean => {
  if (field === "disabledServerTools") return sameTools(a, b)
  return Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((item, i) => item === b[i]) : a === b
}

/** The settings of a workspace, as a spec or a manifest states them. */
export const settingsOf = (workspace: Workspace): WorkspaceSettings =>
  Object.fromEntries(settingKeys.map((key) => [key, workspace[key]])) as WorkspaceSettings

/** The settings a spec (or a manifest entry) sets, without its other keys. */
export const specSettings = (spec: WorkspaceSettings): WorkspaceSettings =>
  Object.fromEntries(settingKeys.flatMap((key) => (spec[key] === undefined ? [] : [[key, spec[key]]])))

/** The fields a spec sets. */
export const specFields = (spec: WorkspaceSpec): ReadonlyArray<WorkspaceField> =>
  fields.filter((field) => spec[field] !== undefined)

/** The fields whose value in the spec differs from the workspace's; a field the spec omits is left alone. */
export const diff = (spec: WorkspaceSpec, workspace: Workspace): ReadonlyArray<FieldChange> =>
  fields.flatMap((field) =>
    spec[field] === undefined || sameValue(field, spec[field], workspace[field])
      ? []
      : [{ field, from: workspace[field], to: spec[field] } as FieldChange]
  )

/** The PATCH body that makes exactly these changes. */
export const patchOf = (changes: ReadonlyArray<FieldChange>): Partial<WorkspaceSpec> =>
  Object.fromEntries(changes.map((change) => [change.field, change.to]))
