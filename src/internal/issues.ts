/**
 * A schema's failure in words, the one place that formats a `ParseError`: the client's invalid
 * input, the emulator's 400s, seeds, manifests and plan files all describe it from here.
 *
 * @internal
 */
import * as ParseResult from "effect/ParseResult"

/** One issue: where (the keys and indexes down to the value), its dotted path, and the rule broken. */
export interface Issue {
  readonly segments: ReadonlyArray<PropertyKey>
  readonly path: string
  readonly message: string
}

/** Every issue of a failure, in order. */
export const issuesOf = (error: ParseResult.ParseError): ReadonlyArray<Issue> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
    segments: issue.path,
    path: issue.path.join("."),
    message: issue.message
  }))

/** The first issue as the field it is at (`root` for the value itself) and the rule it broke. */
export const firstIssue = (
  error: ParseResult.ParseError,
  root = "input"
): { readonly field: string; readonly rule: string } => {
  const [issue] = issuesOf(error)
  return issue === undefined
    ? { field: root, rule: error.message }
    : { field: issue.path === "" ? root : issue.path, rule: issue.message }
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
