/**
 * How `orw apply` shows its progress: on a terminal, a bar (cli-progress) under the lines of the
 * steps that have finished, each kept; anywhere else (a pipe, a CI log), the lines alone.
 */
import { MultiBar } from "cli-progress"

export interface Progress {
  /** A finished step's line, kept above the bar. */
  readonly line: (text: string) => void
  readonly stop: () => void
}

export const make = (total: number, stream: NodeJS.WriteStream = process.stdout): Progress => {
  if (stream.isTTY !== true || total === 0) {
    return { line: (text) => void stream.write(`${text}\n`), stop: () => undefined }
  }
  const bars = new MultiBar(
    { format: "applying [{bar}] {value}/{total} steps", hideCursor: true, clearOnComplete: true, stream },
    undefined
  )
  const bar = bars.create(total, 0)
  // cli-progress writes logged lines at its next redraw, on a timer, and drops those still waiting
  // when it stops: each line is drawn at once
  const redraw = () => (bars as unknown as { update: () => void }).update()
  return {
    line: (text) => {
      bars.log(`${text}\n`)
      bar.increment()
      redraw()
    },
    stop: () => {
      redraw()
      bars.stop()
    }
  }
}
