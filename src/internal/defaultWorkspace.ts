import * as Context from "effect/Context"
import type * as Workflows from "../Workflows.js"

/** The default workspace: its membership is implicit, and a plan deletes it only when asked twice (see `Plan.make`). */
export const DefaultWorkspace = Context.Reference<Workflows.DefaultWorkspace>()(
  "effect-openrouter-workspaces/DefaultWorkspace",
  {
    defaultValue: (): Workflows.DefaultWorkspace => ({ slug: "default" })
  }
)

/** Whether a workspace is the default one, matched by slug or, when it is configured, by UUID. */
export const isDefault = (
  defaultWorkspace: Workflows.DefaultWorkspace,
  workspace: { readonly id: string; readonly slug: string }
): boolean => workspace.slug === defaultWorkspace.slug || workspace.id === defaultWorkspace.id

/** Whether a caller's name for a workspace (a slug or a UUID) is the default workspace's. */
export const namesDefault = (defaultWorkspace: Workflows.DefaultWorkspace, name: string): boolean =>
  name === defaultWorkspace.slug || name === defaultWorkspace.id
