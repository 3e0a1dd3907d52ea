/**
 * A schema's failure in words, the one place that formats a `ParseError`: the client's invalid
 * input, the workflows' options, the emulator's 400s, seeds, manifests and plan files all describe it
 * from here.
 *
 * @internal
 */
import * as ParseResult from "effect/ParseResult"

/**
 * How a path is spelled: `dotted` (`userIds.3`, the default: the client's input, the emulator's 400s,
 * seeds, plan files) or `indexed` (`userIds[3]`, as code writes it: the workflows' options, manifests).
 */
export type PathStyle = "dotted" | "indexed"

/** The keys and indexes down to a value, spelled in `style`; `""` for the value itself. */
export const pathOf = (segments: ReadonlyArray<PropertyKey>, style: PathStyle = "dotted"): string =>
  style === "dotted"
    ? segments.join(".")
    : segments.map((key, i) => (typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`)).join("")

/** One issue: where (the keys and indexes down to the value), its path, and the rule broken. */
export interface Issue {
  readonly segments: ReadonlyArray<PropertyKey>
  readonly path: string
  readonly message: string
  /** A key the schema does not take (decoded with `onExcessProperty: "error"`); `segments` ends with it. */
  readonly unexpected: boolean
}

/** Every issue of a failure, in order. */
export const issuesOf = (error: ParseResult.ParseError, style: PathStyle = "dotted"): ReadonlyArray<Issue> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
    segments: issue.path,
    path: pathOf(issue.path, style),
    message: issue.message,
    unexpected: issue._tag === "Unexpected"
  }))

/**
 * The first issue as the field it is at (`root` for the value itself) and the rule it broke. An
 * unexpected key's rule is Schema's own unless `unexpected` words it from the object the key is in
 * (its segments, and its field spelled as the others).
 */
export const firstIssue = (
  error: ParseResult.ParseError,
  root = "input",
  options: {
    readonly style?: PathStyle
    readonly unexpected?: (parent: { readonly segments: ReadonlyArray<PropertyKey>; readonly field: string }) => string
  } = {}
): { readonly field: string; readonly rule: string } => {
  const [issue] = issuesOf(error, options.style)
  if (issue === undefined) return { field: root, rule: error.message }
  const field = issue.path === "" ? root : issue.path
  if (!issue.unexpected || options.unexpected === undefined) return { field, rule: issue.message }
  const segments = issue.segments.slice(0, -1)
  return { field, rule: options.unexpected({ segments, field: pathOf(segments, options.style) || root }) }
}

/**
 * The issues as one line, `path: rule; path: rule`, at most `limit` of them. One path's messages are
 * merged: the members of a failed union (a literal such as `interval`) into one
 * `Expected a | b, actual x`.
 */
export const describeIssues = (
  error: ParseResult.ParseError,
  options: { readonly root?: string; readonly prefix?: string; readonly limit?: number } = {}
): string => {
  const byPath = new Map<string, Array<string>>()
  for (const issue of issuesOf(error)) {
    const path = `${options.prefix ?? ""}${issue.path === "" ? (options.root ?? "input") : issue.path}`
    const messages = byPath.get(path) ?? []
    if (!messages.includes(issue.message)) messages.push(issue.message)
    byPath.set(path, messages)
  }
  return Array.from(byPath, ([path, messages]) => {
    const expected = messages.map((message) => /^Expected (.+), actual (.+)$/s.exec(message))
    const merged = expected.every((match) => match !== null && match[2] === expected[0]![2])
      ? `Expected ${expected.map((match) => match![1]).join(" | ")}, actual ${expected[0]![2]}`
      : messages.join("; ")
    return `${path}: ${merged}`
  })
    .slice(0, options.limit ?? Infinity)
    .join("; ")
}
