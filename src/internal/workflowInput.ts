import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import * as Model from "../Model.js"
import { InvalidRequestError } from "../WorkspacesError.js"
import { firstIssue } from "./issues.js"

const Concurrency = Schema.Number.pipe(
  Schema.int({ message: () => "must be an integer >= 1" }),
  Schema.positive({ message: () => "must be an integer >= 1" })
)

const Flag = Schema.Boolean.annotations({ message: () => "must be true or false" })

const UserIds = Schema.Array(Model.UserId).annotations({ message: () => "must be an array of user ids" })

const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })

/** A workspace spec as the workflows take it: camelCase keys, the rules of `create` and `update`. */
export const WorkspaceSpec = Schema.typeSchema(
  Schema.Struct({ slug: Model.Slug, name: Model.WorkspaceName, ...Model.WorkspaceSettings.fields })
).annotations({ message: () => "must be a workspace spec: an object with a slug and a name" })

const options = <F extends Schema.Struct.Fields>(fields: F) =>
  Schema.Struct(fields).annotations({ message: () => "must be an object" })

export const SyncMembersOptions = options({
  workspace: Model.WorkspaceId,
  userIds: UserIds,
  prune: optional(Flag),
  concurrency: optional(Concurrency)
})

export const MoveMembersOptions = options({
  from: Model.WorkspaceId,
  to: Model.WorkspaceId,
  userIds: optional(UserIds),
  concurrency: optional(Concurrency)
})

const BudgetChange = Schema.NullOr(Model.LimitUsd)

export const SetBudgetsOptions = options({
  workspace: Model.WorkspaceId,
  budgets: Schema.Struct({
    lifetime: optional(BudgetChange),
    monthly: optional(BudgetChange),
    weekly: optional(BudgetChange),
    daily: optional(BudgetChange)
  }).annotations({ message: () => "must be an object of limits by interval (lifetime, monthly, weekly, daily)" }),
  includeByokInBudgets: optional(Flag)
})

export const CloneWorkspaceOptions = options({
  from: Model.WorkspaceId,
  to: WorkspaceSpec,
  members: optional(Flag),
  budgets: optional(Flag),
  concurrency: optional(Concurrency)
})

export const PlanOptions = options({
  prune: optional(Flag),
  concurrency: optional(Concurrency),
  file: optional(Schema.String),
  confirmDefaultWorkspaceDeletion: optional(Flag)
})

/** The keys an object at `path` of the schema may have. */
const keysAt = (ast: AST.AST, path: ReadonlyArray<PropertyKey>): ReadonlyArray<string> => {
  switch (ast._tag) {
    case "Refinement":
    case "Transformation":
      return keysAt(AST.typeAST(ast), path)
    case "Union":
      return ast.types.flatMap((member) => keysAt(member, path))
    case "TypeLiteral": {
      if (path.length === 0) return ast.propertySignatures.map((_) => String(_.name))
      const next = ast.propertySignatures.find((_) => _.name === path[0])
      return next === undefined ? [] : keysAt(next.type, path.slice(1))
    }
    default:
      return []
  }
}

/**
 * The check of a workflow's input against its schema, compiled once: the first rule broken as an
 * `InvalidRequestError` naming the field (`userIds[3]`, `budgets.yearly`, `to.slug`); an unknown key
 * is refused by name, with the keys its object takes. `root` names the input itself (`options`,
 * `ensureWorkspace`'s `spec`).
 */
export const checker = <A, I>(operation: string, schema: Schema.Schema<A, I>, root = "options") => {
  const decode = Schema.decodeUnknownEither(schema, { onExcessProperty: "error" })
  const unexpected = (parent: { readonly segments: ReadonlyArray<PropertyKey>; readonly field: string }) =>
    `is not a key of ${parent.segments.length === 0 ? `${operation}'s ${root}` : parent.field}, ` +
    `which takes ${keysAt(schema.ast, parent.segments).join(", ")}`
  return (input: unknown): Effect.Effect<void, InvalidRequestError> => {
    const decoded = decode(input)
    if (Either.isRight(decoded)) return Effect.void
    const issue = firstIssue(decoded.left, root, { style: "indexed", unexpected })
    return Effect.fail(new InvalidRequestError({ operation, ...issue }))
  }
}
