/**
 * The users of a CSV file, for `orw members`: parsed by `csv-parse` (quoted fields, a BOM, CRLF),
 * the column named by `--column` in the header row. A cell with an `@` is an email (no user id has
 * one), resolved to the user id of the organization member who has it before anything is sent.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { parse } from "csv-parse/sync"
import { type Model, Workspaces } from "../../src/index.js"
import { byEmail, idsOf, isEmail } from "../../src/internal/manifestEmails.js"

/** A CSV that cannot give user ids: unreadable, malformed, without the column, with an empty cell or an unknown email. */
export class CsvError extends Schema.TaggedError<CsvError>()("CsvError", {
  file: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.file}: ${this.detail}`
  }
}

/** A value of the chosen column, with the line of the file it is on. */
export interface Cell {
  readonly value: string
  readonly line: number
}

/** The values of `column`, in file order; every row must have one. */
export const cells = (
  file: string,
  column: string
): Effect.Effect<ReadonlyArray<Cell>, CsvError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fail = (detail: string) => new CsvError({ file, detail })
    const text = yield* Effect.mapError((yield* FileSystem.FileSystem).readFileString(file), (error) =>
      fail(`cannot read it: ${error.message}`)
    )
    const rows = yield* Effect.try({
      try: () =>
        parse(text, { bom: true, columns: true, skip_empty_lines: true, trim: true, info: true }) as ReadonlyArray<{
          readonly record: Record<string, string | undefined>
          readonly info: { readonly lines: number }
        }>,
      catch: (cause) => fail(`is not valid CSV: ${cause instanceof Error ? cause.message : String(cause)}`)
    })
    if (rows.length === 0) return yield* fail("has no rows under its header")
    const header = Object.keys(rows[0]!.record)
    if (!header.includes(column)) {
      return yield* fail(`has no column ${column} (its header: ${header.join(", ")}); choose one with --column`)
    }
    const found: Array<Cell> = []
    for (const { info, record } of rows) {
      const value = record[column]
      if (value === undefined || value === "") return yield* fail(`line ${info.lines}: no ${column}`)
      found.push({ value, line: info.lines })
    }
    return found
  })

/**
 * The distinct user ids the cells name, in file order: an email becomes the id of the one
 * organization member who has it. Every email nobody or more than one member has is named, with its line.
 */
export const resolve = (
  file: string,
  found: ReadonlyArray<Cell>,
  members: Iterable<Model.OrganizationMember>
): Either.Either<ReadonlyArray<string>, CsvError> => {
  // the manifests' rules: case and spaces aside, one member per email
  const index = byEmail(members)
  const problems: Array<string> = []
  const ids = found.map(({ line, value }) => {
    if (!isEmail(value)) return value
    const userIds = idsOf(index, value)
    if (userIds.length === 1) return userIds[0]!
    problems.push(
      `line ${line}: "${value}": ` +
        (userIds.length === 0
          ? "no organization member has this email"
          : `${userIds.length} organization members have this email (${userIds.join(", ")}): give a user id instead`)
    )
    return value
  })
  return problems.length > 0
    ? Either.left(new CsvError({ file, detail: `${problems.join("; ")}; nothing was sent` }))
    : Either.right(Array.from(new Set(ids)))
}

/** The distinct user ids of `column`; the organization's members are read only when a cell is an email. */
export const userIds = (file: string, column: string) =>
  Effect.gen(function* () {
    const found = yield* cells(file, column)
    if (!found.some((cell) => isEmail(cell.value))) return Array.from(new Set(found.map((cell) => cell.value)))
    const members = yield* Stream.runCollect((yield* Workspaces.Workspaces).streamOrganizationMembers())
    return yield* resolve(file, found, members)
  })
