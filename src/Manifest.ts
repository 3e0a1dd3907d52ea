/**
 * The desired state of a whole organization as a file: its workspaces with their settings, budgets
 * and explicit members, in YAML or JSON with camelCase keys. `exportState` reads one from the
 * organization, `Plan.make` compares one with it. The format is described in the README.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as internal from "./internal/manifest.js"
import * as emails from "./internal/manifestEmails.js"
import { fromParseError, fromSyntaxErrors } from "./internal/manifestIssues.js"
import { manifestRules } from "./internal/manifestRules.js"
import * as Yaml from "./internal/yaml.js"
import * as Model from "./Model.js"
import type { Workspaces } from "./Workspaces.js"
import type * as Api from "./WorkspacesApi.js"
import type { ErrorForEndpoint } from "./WorkspacesError.js"

const limit = Schema.optionalWith(Schema.NullOr(Model.LimitUsd), { exact: true })

/**
 * Budgets by interval: a number is the limit in USD, `null` deletes the budget, an omitted interval
 * is deleted by a pruning plan and left alone otherwise.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Budgets = Schema.Struct({ lifetime: limit, monthly: limit, weekly: limit, daily: limit }).annotations({
  identifier: "Budgets"
})

/**
 * @since 0.1.0
 * @category models
 */
export interface Budgets extends Schema.Schema.Type<typeof Budgets> {}

/**
 * One workspace: its slug (its identity) and name, the settings it manages (an omitted setting is
 * left alone), its budgets, and its explicit members by user id or email (omitted: membership is not
 * managed).
 *
 * @since 0.1.0
 * @category schemas
 */
export const WorkspaceEntry = Schema.Struct({ slug: Model.Slug, name: Model.WorkspaceName }).pipe(
  Schema.extend(Schema.typeSchema(Model.WorkspaceSettings)),
  Schema.extend(
    Schema.Struct({
      budgets: Schema.optionalWith(Budgets, { exact: true }),
      includeByokInBudgets: Schema.optionalWith(Schema.Boolean, { exact: true }),
      members: Schema.optionalWith(Schema.Array(Model.UserId), { exact: true })
    })
  ),
  Schema.annotations({ identifier: "WorkspaceEntry" })
)

/**
 * @since 0.1.0
 * @category models
 */
export interface WorkspaceEntry extends Schema.Schema.Type<typeof WorkspaceEntry> {}

/**
 * A manifest, with the rules that span entries: unique slugs, unique members per workspace, and
 * budget limits that strictly decrease as the interval narrows. No `members` for the default
 * workspace is a rule of the organization, not of the file: `Plan.make` checks it, against
 * `Workflows.DefaultWorkspace`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Manifest = Schema.Struct({
  version: Schema.optionalWith(Schema.Literal(1), { exact: true }),
  /**
   * Users (by id or email) a plan never removes, whatever the entries say (nor deletes a workspace
   * they are members of).
   */
  protect: Schema.optionalWith(Schema.Array(Model.UserId), { exact: true }),
  /**
   * Delete the default workspace (which the API answers by disabling its inference API keys and
   * deleting its budgets and guardrails): only with `true` here, no entry for the default workspace,
   * and the caller's `confirmDefaultWorkspaceDeletion`. Otherwise a plan never deletes it.
   */
  deleteDefaultWorkspace: Schema.optionalWith(Schema.Boolean, { exact: true }),
  workspaces: Schema.Array(WorkspaceEntry)
})
  .annotations({ identifier: "Manifest" })
  .pipe(Schema.filter(manifestRules))

/**
 * @since 0.1.0
 * @category models
 */
export interface Manifest extends Schema.Schema.Type<typeof Manifest> {}

/**
 * One broken rule: the path in the document (`workspaces[2].budgets.daily`), the rule, and the line
 * and column when the text is at hand.
 *
 * @since 0.1.0
 * @category models
 */
export const ManifestIssue = Schema.Struct({
  path: Schema.String,
  rule: Schema.String,
  line: Schema.optionalWith(Schema.Number, { exact: true }),
  column: Schema.optionalWith(Schema.Number, { exact: true })
})

/**
 * @since 0.1.0
 * @category models
 */
export interface ManifestIssue extends Schema.Schema.Type<typeof ManifestIssue> {}

/**
 * A manifest that cannot be read, parsed or validated. Names the file and, for each issue, the
 * path in the document, the rule, and where it is.
 *
 * @since 0.1.0
 * @category errors
 */
export class ManifestError extends Schema.TaggedError<ManifestError>()("ManifestError", {
  file: Schema.String,
  issues: Schema.NonEmptyArray(ManifestIssue)
}) {
  override get message() {
    return this.issues
      .map(
        ({ column, line, path, rule }) =>
          `${this.file}${line === undefined ? "" : `:${line}:${column}`}: ${path}: ${rule}`
      )
      .join("\n")
  }
}

const decode = Schema.decodeUnknownEither(Manifest, { errors: "all", onExcessProperty: "error" })

const failWith = (file: string, issues: ReadonlyArray<ManifestIssue>) =>
  Effect.fail(new ManifestError({ file, issues: issues as [ManifestIssue, ...Array<ManifestIssue>] }))

const isJson = (fileName: string) => fileName.toLowerCase().endsWith(".json")

const loadYaml = (file: string): Effect.Effect<Yaml.YamlModule, ManifestError> =>
  Yaml.load(
    () =>
      new ManifestError({
        file,
        issues: [{ path: "(root)", rule: "YAML manifests need the yaml package (npm install yaml); JSON ones do not" }]
      })
  )

const decodeFrom = (fileName: string, value: unknown, source?: Parameters<typeof fromParseError>[1]) =>
  Either.match(decode(value), {
    onLeft: (error) => failWith(fileName, fromParseError(error, source)),
    onRight: Effect.succeed
  })

/** How many alias expansions a manifest may make; a real manifest makes none or a few. */
const maxAliasCount = 1000

/**
 * Parses a manifest from YAML or JSON text (JSON is read as the YAML it also is, with line and
 * column in errors; without the `yaml` package, a `.json` file is read as plain JSON). `fileName`
 * names the source in errors.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (text: string, fileName: string): Effect.Effect<Manifest, ManifestError> =>
  Effect.flatMap(
    Effect.either(loadYaml(fileName)),
    Either.match({
      onRight: (yaml) => {
        const lineCounter = new yaml.LineCounter()
        const document = yaml.parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
        if (document.errors.length > 0) return failWith(fileName, fromSyntaxErrors(document, lineCounter))
        // An alias may expand to a whole subtree: a file of nested aliases (a "billion laughs") would
        // take unbounded time and memory, so expansion stops at `maxAliasCount` and is an issue.
        let value: unknown
        try {
          value = document.toJS({ maxAliasCount: maxAliasCount })
        } catch (error) {
          return failWith(fileName, [
            {
              path: "(root)",
              rule: `too many alias expansions (over ${maxAliasCount}): ${error instanceof Error ? error.message : String(error)}`
            }
          ])
        }
        return decodeFrom(fileName, value, { yaml, document, lineCounter })
      },
      onLeft: (missingYaml) =>
        isJson(fileName)
          ? Effect.try({ try: () => JSON.parse(text) as unknown, catch: (error) => String(error) }).pipe(
              Effect.matchEffect({
                onFailure: (error) => failWith(fileName, [{ path: "(root)", rule: `invalid JSON: ${error}` }]),
                onSuccess: (value) => decodeFrom(fileName, value)
              })
            )
          : Effect.fail(missingYaml)
    })
  )

/**
 * Reads and parses a manifest file.
 *
 * @since 0.1.0
 * @category parsing
 */
export const readFile = (path: string): Effect.Effect<Manifest, ManifestError, FileSystem.FileSystem> =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(path)).pipe(
    Effect.catchAll((error) => failWith(path, [{ path: "(root)", rule: `cannot be read: ${error.message}` }])),
    Effect.flatMap((text) => parse(text, path))
  )

/**
 * Validates a manifest built in code, as `parse` validates a file's.
 *
 * @since 0.1.0
 * @category parsing
 */
export const validate = (manifest: Manifest, name = "(manifest)"): Effect.Effect<Manifest, ManifestError> =>
  Either.match(decode(manifest), {
    onLeft: (error) => failWith(name, fromParseError(error)),
    onRight: Effect.succeed
  })

/**
 * Writes a manifest as YAML, or as JSON when `fileName` ends with `.json`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const stringify = (manifest: Manifest, fileName = "manifest.yaml"): Effect.Effect<string, ManifestError> =>
  isJson(fileName)
    ? Effect.succeed(JSON.stringify(manifest, null, 2) + "\n")
    : Effect.map(loadYaml(fileName), (yaml) => yaml.stringify(manifest))

/**
 * An email entry that names nobody, or more than one organization member: where it is
 * (`workspaces[2].members[3]`, `protect[0]`), the email as written, and the ids of the members who
 * have it (none: unknown; two or more: ambiguous).
 *
 * @since 0.3.0
 * @category models
 */
export const UnresolvedEmail = Schema.Struct({
  path: Schema.String,
  email: Schema.String,
  userIds: Schema.Array(Schema.String)
})

/**
 * @since 0.3.0
 * @category models
 */
export interface UnresolvedEmail extends Schema.Schema.Type<typeof UnresolvedEmail> {}

/**
 * A manifest naming members by emails that no organization member has, or that two or more share.
 * Lists every such entry, with the file and the path.
 *
 * @since 0.3.0
 * @category errors
 */
export class ManifestEmailError extends Schema.TaggedError<ManifestEmailError>()("ManifestEmailError", {
  file: Schema.String,
  entries: Schema.NonEmptyArray(UnresolvedEmail)
}) {
  override get message() {
    return this.entries
      .map(
        ({ email, path, userIds }) =>
          `${this.file}: ${path}: "${email}": ` +
          (userIds.length === 0
            ? "no organization member has this email"
            : `${userIds.length} organization members have this email (${userIds.join(", ")}): name one by user id`)
      )
      .join("\n")
  }
}

/**
 * @since 0.3.0
 * @category models
 */
export interface ResolveEmailsOptions {
  /** The name errors give the manifest, as `ManifestError.file`; default `(manifest)`. */
  readonly file?: string
}

/**
 * @since 0.3.0
 * @category errors
 */
export type ResolveEmailsError =
  | ManifestEmailError
  | ManifestError
  | ErrorForEndpoint<typeof Api.listOrganizationMembers>

/**
 * The manifest with every member named by user id: each email (an entry of `members` or `protect`
 * with an `@`, which no user id has) becomes the id of the organization member who has it, matched
 * whatever the case and the spaces around it. The organization's members are read once, and only
 * when the manifest holds an email.
 *
 * An email nobody has, or one that two or more members share, fails with `ManifestEmailError`
 * listing every such entry. A workspace that lists someone twice once emails are ids (by id and by
 * email) fails with `ManifestError`, as any duplicate member does. `Plan.make` calls it first.
 *
 * @since 0.3.0
 * @category parsing
 */
export const resolveEmails = (
  manifest: Manifest,
  options: ResolveEmailsOptions = {}
): Effect.Effect<Manifest, ResolveEmailsError, Workspaces> => {
  const file = options.file ?? "(manifest)"
  return Effect.flatMap(
    emails.resolveEmails(manifest),
    ({ duplicates, manifest, unresolved }): Effect.Effect<Manifest, ManifestEmailError | ManifestError> =>
      Arr.isNonEmptyReadonlyArray(unresolved)
        ? Effect.fail(new ManifestEmailError({ file, entries: unresolved }))
        : duplicates.length > 0
          ? failWith(file, duplicates)
          : Effect.succeed(manifest)
  )
}

/**
 * @since 0.2.0
 * @category models
 */
export interface ExportOptions {
  /** Workspaces read at once; default 4. */
  readonly concurrency?: number
  /**
   * How members are written: `"id"` (the default) or `"email"`, each member's email when no other
   * organization member has it (their id otherwise). Since 0.3.0.
   */
  readonly membersAs?: "id" | "email"
}

/**
 * @since 0.2.0
 * @category errors
 */
export type ExportStateError = ErrorForEndpoint<
  typeof Api.list | typeof Api.listBudgets | typeof Api.listMembers | typeof Api.listOrganizationMembers
>

/**
 * The organization as a manifest: every workspace with its settings, budgets, `includeByokInBudgets`
 * and explicit members (the default workspace, see `Workflows.DefaultWorkspace`, without members:
 * they are implicit). Members are user ids, or with `membersAs: "email"` emails where the email is
 * unique in the organization (which reads the organization's members once).
 *
 * @example
 * ```ts
 * import { FileSystem } from "@effect/platform"
 * import { Effect } from "effect"
 * import { Manifest } from "effect-openrouter-workspaces"
 *
 * const program = Effect.gen(function* () {
 *   const fs = yield* FileSystem.FileSystem
 *   const manifest = yield* Manifest.exportState()
 *   yield* fs.writeFileString("org.yaml", yield* Manifest.stringify(manifest))
 * })
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const exportState: (options?: ExportOptions) => Effect.Effect<Manifest, ExportStateError, Workspaces> =
  internal.exportState
