/**
 * `Schema.decodeUnknownEither` and `Schema.encodeUnknownEither`, compiled faster for the schemas of
 * the wire: those whose only transformations rename keys (`Schema.fromKey`, as `wire` and
 * `optionalWire` do). Schema applies each rename with a `delete` on the object it builds, which turns
 * it into a slow dictionary: a page of 100 members cost 4× its validation. Such a schema is
 * validated on one side only (the wire side to decode, with `Schema.encodedBoundSchema`; the type
 * side to encode), which makes the same checks, refinements included, and returns a fresh copy
 * holding only the known keys; that copy is then renamed into new objects in one pass. The
 * validation itself is first tried by a plain function compiled from the schema (`check`), which
 * accepts only what Schema accepts; Schema's parser runs for what it rejects, to give its error.
 * Any other transformation, declaration or recursion keeps Schema's own function.
 *
 * @internal
 */
import * as Either from "effect/Either"
import { identity } from "effect/Function"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import type { ParseOptions } from "effect/SchemaAST"

type Rename = (value: any) => any

type Direction = "decode" | "encode"

/** A node the renaming pass does not know: the schema keeps Schema's decoder. */
const unsupported: unique symbol = Symbol("unsupported")

/** What a node needs after validation: nothing (`null`), a renaming pass, or Schema's decoder. */
type Plan = Rename | null | typeof unsupported

const isRename = (transformation: AST.PropertySignatureTransformation) =>
  transformation.decode === identity && transformation.encode === identity

/** Whether a value of this type is never an object, so a union can tell it from its object member. */
const isScalar = (ast: AST.AST): boolean => {
  switch (ast._tag) {
    case "Literal":
    case "UniqueSymbol":
    case "UndefinedKeyword":
    case "VoidKeyword":
    case "NeverKeyword":
    case "StringKeyword":
    case "NumberKeyword":
    case "BooleanKeyword":
    case "BigIntKeyword":
    case "SymbolKeyword":
    case "Enums":
    case "TemplateLiteral":
      return true
    case "Refinement":
      return isScalar(ast.from)
    default:
      return false
  }
}

/**
 * A struct's pass. `from` holds the wire keys, with the full schemas of the values; `renames` maps
 * a wire key to its type-side key.
 */
const struct = (from: AST.TypeLiteral, renames: ReadonlyMap<PropertyKey, PropertyKey>, direction: Direction): Plan => {
  if (from.indexSignatures.length > 0) return unsupported
  const properties: Array<{ readonly read: PropertyKey; readonly write: PropertyKey; readonly rename: Rename | null }> =
    []
  for (const signature of from.propertySignatures) {
    const rename = plan(signature.type, direction)
    if (rename === unsupported) return unsupported
    const wire = signature.name
    const type = renames.get(wire) ?? wire
    properties.push(direction === "decode" ? { read: wire, write: type, rename } : { read: type, write: wire, rename })
  }
  if (renames.size === 0 && properties.every((property) => property.rename === null)) return null
  return (input: Record<PropertyKey, unknown>) => {
    const output: Record<PropertyKey, unknown> = {}
    for (const property of properties) {
      if (!Object.hasOwn(input, property.read)) continue
      const value = input[property.read]
      output[property.write] = property.rename === null ? value : property.rename(value)
    }
    return output
  }
}

const plan = (ast: AST.AST, direction: Direction): Plan => {
  switch (ast._tag) {
    case "Transformation": {
      const { transformation } = ast
      if (!AST.isTypeLiteralTransformation(transformation) || !AST.isTypeLiteral(ast.from)) return unsupported
      if (!AST.isTypeLiteral(ast.to) || !transformation.propertySignatureTransformations.every(isRename)) {
        return unsupported
      }
      const renames = new Map(transformation.propertySignatureTransformations.map((_) => [_.from, _.to]))
      return struct(ast.from, renames, direction)
    }
    case "TypeLiteral":
      return struct(ast, new Map(), direction)
    case "TupleType": {
      if (ast.elements.length > 0 || ast.rest.length > 1) return unsupported
      const item = ast.rest.length === 0 ? null : plan(ast.rest[0]!.type, direction)
      if (item === null || item === unsupported) return item
      return (items: ReadonlyArray<unknown>) => items.map(item)
    }
    case "Union": {
      const members = ast.types.map((type) => plan(type, direction))
      if (members.includes(unsupported)) return unsupported
      const renaming = members.filter((member): member is Rename => member !== null && member !== unsupported)
      if (renaming.length === 0) return null
      if (renaming.length > 1 || !ast.types.every((type, i) => members[i] !== null || isScalar(type))) {
        return unsupported
      }
      const rename = renaming[0]!
      return (value: unknown) => (typeof value === "object" && value !== null ? rename(value) : value)
    }
    case "Refinement":
      // a refinement above a rename checks the type side: only Schema's own functions see both
      return plan(ast.from, direction) === null ? null : unsupported
    case "Suspend":
    case "Declaration":
      return unsupported
    default:
      return null
  }
}

const isFast = (rename: Plan): rename is Rename => rename !== null && rename !== unsupported

/** What a `Check` answers when the value may not be valid: Schema is then asked, for its error. */
const rejected: unique symbol = Symbol("rejected")

/**
 * Validation of a schema without transformations, as Schema's parser does it for the nodes the wire
 * uses: a fresh copy holding only the known keys, or `rejected`. It may reject more than Schema does
 * (Schema then has the last word), never less, and what it accepts it copies as Schema would.
 */
type Check = (input: unknown) => unknown

const predicate =
  (is: (input: unknown) => boolean): Check =>
  (input) =>
    is(input) ? input : rejected

const check = (ast: AST.AST, options: ParseOptions): Check | typeof unsupported => {
  switch (ast._tag) {
    case "StringKeyword":
      return predicate((input) => typeof input === "string")
    case "NumberKeyword":
      return predicate((input) => typeof input === "number")
    case "BooleanKeyword":
      return predicate((input) => typeof input === "boolean")
    case "UndefinedKeyword":
      return predicate((input) => input === undefined)
    case "UnknownKeyword":
    case "AnyKeyword":
      return identity
    case "Literal": {
      const literal = ast.literal
      return predicate((input) => input === literal)
    }
    case "Enums": {
      const values = ast.enums.map(([, value]) => value)
      return predicate((input) => values.includes(input as string | number))
    }
    case "Refinement": {
      const from = check(ast.from, options)
      if (from === unsupported) return unsupported
      return (input) => {
        const value = from(input)
        return value !== rejected && ast.filter(value, options, ast)._tag === "None" ? value : rejected
      }
    }
    case "TupleType": {
      if (ast.elements.length > 0 || ast.rest.length !== 1) return unsupported
      const item = check(ast.rest[0]!.type, options)
      if (item === unsupported) return unsupported
      return (input) => {
        if (!Array.isArray(input)) return rejected
        const output: Array<unknown> = new Array(input.length)
        for (let i = 0; i < input.length; i++) {
          const value = item(input[i])
          if (value === rejected) return rejected
          output[i] = value
        }
        return output
      }
    }
    case "TypeLiteral": {
      if (ast.indexSignatures.length > 0 || ast.propertySignatures.length === 0) return unsupported
      const properties: Array<{ readonly name: PropertyKey; readonly optional: boolean; readonly check: Check }> = []
      for (const signature of ast.propertySignatures) {
        const property = check(signature.type, options)
        if (property === unsupported) return unsupported
        properties.push({ name: signature.name, optional: signature.isOptional, check: property })
      }
      return (input) => {
        if (typeof input !== "object" || input === null || Array.isArray(input)) return rejected
        const output: Record<PropertyKey, unknown> = {}
        for (const property of properties) {
          const present = Object.hasOwn(input, property.name)
          if (!present && property.optional) continue
          const value = property.check(present ? (input as Record<PropertyKey, unknown>)[property.name] : undefined)
          if (value === rejected) return rejected
          output[property.name] = value
        }
        return output
      }
    }
    case "Union": {
      // one member at most that is not a scalar: whichever member accepts, the copy is the same
      if (ast.types.filter((type) => !isScalar(type)).length > 1) return unsupported
      const members: Array<Check> = []
      for (const type of ast.types) {
        const member = check(type, options)
        if (member === unsupported) return unsupported
        members.push(member)
      }
      return (input) => {
        for (const member of members) {
          const value = member(input)
          if (value !== rejected) return value
        }
        return rejected
      }
    }
    default:
      return unsupported
  }
}

/**
 * Schema's validation of a schema without transformations (\`validate\`), first tried by a \`Check\`
 * when the options allow one: with excess properties ignored and optional keys not exact, as by
 * default. Schema itself runs only for a value the check rejects, to find its error.
 */
const validateWith = (
  schema: Schema.Schema<any, any, never>,
  validate: (u: unknown) => Either.Either<unknown, ParseResult.ParseError>,
  options: ParseOptions | undefined
): ((u: unknown) => Either.Either<unknown, ParseResult.ParseError>) => {
  const usable = options?.onExcessProperty === undefined || options.onExcessProperty === "ignore"
  const fast = usable && options?.exact !== true ? check(schema.ast, options ?? AST.defaultParseOption) : unsupported
  if (fast === unsupported) return validate
  return (u) => {
    const value = fast(u)
    return value === rejected ? validate(u) : Either.right(value)
  }
}

/**
 * `Schema.decodeUnknownEither(schema)`: the same checks, the same value, errors with the same paths.
 *
 * @internal
 */
export const decodeUnknownEither = <A, I>(
  schema: Schema.Schema<A, I, never>,
  options?: ParseOptions
): ((u: unknown) => Either.Either<A, ParseResult.ParseError>) => {
  const rename = plan(schema.ast, "decode")
  if (rename === unsupported) return Schema.decodeUnknownEither(schema, options)
  const bound = Schema.encodedBoundSchema(schema)
  const validate = validateWith(bound, Schema.decodeUnknownEither(bound, options), options)
  if (rename === null) return validate as (u: unknown) => Either.Either<A, ParseResult.ParseError>
  return (u) => Either.map(validate(u), rename as (value: unknown) => A)
}

/**
 * `Schema.encodeUnknownEither(schema)`: the same checks, the same value, errors with the same paths.
 *
 * @internal
 */
export const encodeUnknownEither = <A, I>(
  schema: Schema.Schema<A, I, never>,
  options?: ParseOptions
): ((u: unknown) => Either.Either<I, ParseResult.ParseError>) => {
  const rename = plan(schema.ast, "encode")
  if (rename === unsupported) return Schema.encodeUnknownEither(schema, options)
  const type = Schema.typeSchema(schema)
  const validate = validateWith(type, Schema.validateEither(type, options), options)
  if (rename === null) return validate as (u: unknown) => Either.Either<I, ParseResult.ParseError>
  return (u) => Either.map(validate(u), rename as (value: unknown) => I)
}

/**
 * The wire form of a value that is already of the schema's type, as the emulator's answers are
 * (their handlers' signatures say so, and `test/EmulatorSpec.test.ts` checks them against the
 * spec's JSON Schemas): a renaming-only schema is renamed without being validated again; any other
 * is encoded by Schema.
 *
 * @internal
 */
export const encodeTrusted = <A, I>(
  schema: Schema.Schema<A, I, never>
): ((value: A) => Either.Either<I, ParseResult.ParseError>) => {
  const rename = plan(schema.ast, "encode")
  if (!isFast(rename)) return Schema.encodeEither(schema)
  return (value) => Either.right(rename(value) as I)
}

/**
 * Whether the functions of this schema validate one side and rename, rather than run Schema's own
 * (a test hook).
 *
 * @internal
 */
export const isRenamingOnly = (schema: Schema.Schema.Any): boolean => isFast(plan(schema.ast, "decode"))
