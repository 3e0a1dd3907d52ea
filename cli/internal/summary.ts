/**
 * The table `orw apply` ends with: per workspace, the steps done, failed and skipped, the users the
 * API refused and the changes blocked, then the totals. Plain text, aligned, the same on a terminal
 * and in a log (not `console.table`, whose frame and index column a log reader does not need).
 */
import type { Plan } from "../../src/index.js"

export interface Counts {
  done: number
  failed: number
  skipped: number
  refused: number
  blocked: number
}

const columns = ["done", "failed", "skipped", "refused", "blocked"] as const

const empty = (): Counts => ({ done: 0, failed: 0, skipped: 0, refused: 0, blocked: 0 })

/** The counts per workspace, in the order the workspaces first appear, from the finished steps and the report. */
export const countsOf = (
  done: ReadonlyArray<Plan.Change>,
  report: Plan.ApplyReport<unknown>
): ReadonlyMap<string, Counts> => {
  const rows = new Map<string, Counts>()
  const row = (workspace: string) => {
    let counts = rows.get(workspace)
    if (counts === undefined) rows.set(workspace, (counts = empty()))
    return counts
  }
  for (const step of done) row(step.workspace).done++
  for (const failure of report.failed) row(failure.step.workspace).failed++
  for (const skip of report.skipped) row(skip.step.workspace).skipped++
  for (const refused of report.rejected) row(refused.workspace).refused++
  for (const entry of report.blocked) row(entry.change.workspace).blocked++
  return rows
}

/** The table, with a header and a total row. */
export const render = (rows: ReadonlyMap<string, Counts>): string => {
  const total = empty()
  for (const counts of rows.values()) for (const column of columns) total[column] += counts[column]
  const lines: Array<ReadonlyArray<string>> = [
    ["workspace", ...columns],
    ...Array.from(rows, ([workspace, counts]) => [workspace, ...columns.map((column) => String(counts[column]))]),
    ["total", ...columns.map((column) => String(total[column]))]
  ]
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((line) => line[i]!.length)))
  const format = (line: ReadonlyArray<string>) =>
    line.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")
  const rule = widths.map((width) => "-".repeat(width)).join("  ")
  return [format(lines[0]!), rule, ...lines.slice(1, -1).map(format), rule, format(lines.at(-1)!)].join("\n")
}
