import type * as ParseResult from "effect/ParseResult"
import type { Document, LineCounter } from "yaml"
import { issuesOf, pathOf } from "./issues.js"
import type { YamlModule } from "./yaml.js"

/** One broken rule of a manifest: where it is and what it says. */
export interface Issue {
  readonly path: string
  readonly rule: string
  readonly line?: number
  readonly column?: number
}

/** A document path as a reader writes it: `workspaces[2].budgets.daily`. */
export const renderPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.length === 0 ? "(root)" : pathOf(path, "indexed")

/**
 * The source offset of a document path: the key of the last mapping entry found along it (so an
 * unexpected key points at itself and a missing one at its parent), or the sequence item.
 */
const offsetOf = (
  { isMap, isScalar, isSeq }: YamlModule,
  document: Document,
  path: ReadonlyArray<PropertyKey>
): number | undefined => {
  let node: unknown = document.contents
  let offset = isScalar(node) || isMap(node) || isSeq(node) ? node.range?.[0] : undefined
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === segment)
      if (pair === undefined) break
      offset = isScalar(pair.key) ? (pair.key.range?.[0] ?? offset) : offset
      node = pair.value
    } else if (isSeq(node) && typeof segment === "number") {
      node = node.items[segment]
      if (isScalar(node) || isMap(node) || isSeq(node)) offset = node.range?.[0] ?? offset
      else break
    } else {
      break
    }
  }
  return offset
}

const at = (lineCounter: LineCounter, offset: number | undefined) => {
  if (offset === undefined) return {}
  const { col, line } = lineCounter.linePos(offset)
  return { line, column: col }
}

/** The issues of a failed decode, each with its path, its rule and its place in the source. */
export const fromParseError = (
  error: ParseResult.ParseError,
  source?: { readonly yaml: YamlModule; readonly document: Document; readonly lineCounter: LineCounter }
): ReadonlyArray<Issue> =>
  issuesOf(error).flatMap((issue, i, all) =>
    // a value that fails each member of a union (`NullOr(LimitUsd)`) reports once, with the first rule
    all.findIndex((other) => other.path === issue.path) < i
      ? []
      : [
          {
            path: renderPath(issue.segments),
            rule: issue.message,
            ...(source === undefined
              ? {}
              : at(source.lineCounter, offsetOf(source.yaml, source.document, issue.segments)))
          }
        ]
  )

/** The syntax errors of a YAML (or JSON) document. */
export const fromSyntaxErrors = (document: Document, lineCounter: LineCounter): ReadonlyArray<Issue> =>
  document.errors.map((error) => ({ path: "(root)", rule: error.message, ...at(lineCounter, error.pos[0]) }))
