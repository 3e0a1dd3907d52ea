/**
 * The user ids of a CSV file, for `orw members`: parsed by `csv-parse` (quoted fields, a BOM, CRLF),
 * the column named by `--column` in the header row.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { parse } from "csv-parse/sync"

/** A CSV that cannot give user ids: unreadable, malformed, without the column, or with an empty cell. */
export class CsvError extends Schema.TaggedError<CsvError>()("CsvError", {
  file: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.file}: ${this.detail}`
  }
}

/** The distinct values of `column`, in file order; every row must have one. */
export const userIds = (
  file: string,
  column: string
): Effect.Effect<ReadonlyArray<string>, CsvError, FileSystem.FileSystem> =>
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
    const ids: Array<string> = []
    for (const { info, record } of rows) {
      const value = record[column]
      if (value === undefined || value === "") return yield* fail(`line ${info.lines}: no ${column}`)
      ids.push(value)
    }
    return Array.from(new Set(ids))
  })
