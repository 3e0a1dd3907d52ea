// The typed version of main.mjs, checked by tsc against the installed package's declarations
// (skipLibCheck: false), so that those declarations are really consumed: the service, the models,
// the emulator layer and the precise error channel of each operation.
import { Effect, Layer } from "effect"
import { Model, Workspaces, WorkspacesError } from "effect-openrouter-workspaces"
import { Emulator } from "effect-openrouter-workspaces/emulator"

const slug = "consumer-check"

// `get` documents 401, 404 and 500: once the 404 is handled, only the others and the common errors remain.
const findMissing = Effect.flatMap(Workspaces.Workspaces, (ws) => ws.get({ id: "no-such-workspace" })).pipe(
  Effect.map((workspace): string | undefined => workspace.slug),
  Effect.catchTag("NotFoundResponseError", (error) => Effect.succeed(error.status === 404 ? undefined : "?"))
)
const _remaining: Effect.Effect<
  string | undefined,
  WorkspacesError.UnauthorizedResponseError | WorkspacesError.InternalServerResponseError | WorkspacesError.CommonError,
  Workspaces.Workspaces
> = findMissing

// `get` does not document 403, so there is no such error to catch.
const getPresent = Effect.flatMap(Workspaces.Workspaces, (ws) => ws.get({ id: slug }))
// @ts-expect-error "ForbiddenResponseError" is not in get's error channel
export const _noForbidden = Effect.catchTag(getPresent, "ForbiddenResponseError", () => Effect.void)

const program: Effect.Effect<
  {
    readonly created: Model.Workspace
    readonly budget: Model.WorkspaceBudget
    readonly page: Model.Page<Model.Workspace>
    readonly members: Model.Page<Model.WorkspaceMember>
    readonly missing: string | undefined
  },
  WorkspacesError.WorkspacesError,
  Workspaces.Workspaces
> = Effect.gen(function* () {
  const ws = yield* Workspaces.Workspaces
  const created = yield* ws.create({ name: "Consumer check", slug })
  const { data: budget } = yield* ws.setBudget({ id: created.id, interval: "monthly", limitUsd: 25 })
  const page = yield* ws.list({ limit: 100 })
  const members = yield* ws.listMembers({ id: "default" })
  const missing = yield* findMissing
  return { created, budget, page, members, missing }
})

const layer: Layer.Layer<Emulator.Emulator | Workspaces.Workspaces, unknown> = Emulator.layerWorkspaces({
  seed: Emulator.builtinSeed()
})

export const main: Effect.Effect<boolean, unknown> = program.pipe(
  Effect.map(
    ({ created, budget, page, members, missing }) =>
      created.slug === slug &&
      budget.limitUsd === 25 &&
      page.data.some((workspace) => workspace.id === created.id) &&
      members.totalCount > 0 &&
      missing === undefined
  ),
  Effect.provide(layer)
)
