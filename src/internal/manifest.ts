import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type * as Manifest from "../Manifest.js"
import type { Workspace } from "../Model.js"
import type * as Workflows from "../Workflows.js"
import { Workspaces } from "../Workspaces.js"
import type * as WorkspacesService from "../Workspaces.js"
import { budgetsOf } from "./budgets.js"
import { DefaultWorkspace, isDefault } from "./defaultWorkspace.js"
import { emailsById } from "./manifestEmails.js"
import { memberIds } from "./members.js"
import { settingsOf } from "./workspaceSpec.js"

const defaultConcurrency = 4

/** The manifest entry of one workspace as it stands. */
const entryOf = (
  service: WorkspacesService.Service,
  workspace: Workspace,
  defaultWorkspace: Workflows.DefaultWorkspace,
  nameOf: (userId: string) => string
) =>
  Effect.all(
    {
      listed: service.listBudgets({ id: workspace.id }),
      members: isDefault(defaultWorkspace, workspace)
        ? Effect.succeed(undefined)
        : Effect.map(memberIds(service, workspace.id), (ids) => Array.from(ids, nameOf).sort())
    },
    { concurrency: 2 }
  ).pipe(
    Effect.map(
      ({ listed, members }): Manifest.WorkspaceEntry => ({
        slug: workspace.slug,
        name: workspace.name,
        ...settingsOf(workspace),
        budgets: budgetsOf(listed.data),
        ...(listed.includeByokInBudgets === undefined ? {} : { includeByokInBudgets: listed.includeByokInBudgets }),
        ...(members === undefined ? {} : { members })
      })
    )
  )

export const exportState = Effect.fn("Manifest.exportState")(function* (options: Manifest.ExportOptions = {}) {
  const service = yield* Workspaces
  const defaultWorkspace = yield* DefaultWorkspace
  const emails =
    options.membersAs === "email"
      ? emailsById(Chunk.toReadonlyArray(yield* Stream.runCollect(service.streamOrganizationMembers())))
      : new Map<string, string>()
  const nameOf = (userId: string) => emails.get(userId) ?? userId
  const workspaces = yield* service.streamWorkspaces({ pageSize: 100 }).pipe(
    Stream.mapEffect((workspace) => entryOf(service, workspace, defaultWorkspace, nameOf), {
      concurrency: options.concurrency ?? defaultConcurrency
    }),
    Stream.runCollect
  )
  return { version: 1, workspaces: Array.from(workspaces) } satisfies Manifest.Manifest
})
