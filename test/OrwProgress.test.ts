/**
 * `orw apply`'s progress on a terminal: a bar under the kept lines of the finished steps, gone at
 * the end; in a pipe, the lines alone. The terminal is a stream that says it is one (`isTTY`) and
 * records what is written to it.
 */
import { assert, describe, it } from "@effect/vitest"
import { PassThrough } from "node:stream"
import * as Progress from "../cli/internal/progress.js"

const recorder = (isTTY: boolean) => {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & { written: string }
  let written = ""
  Object.assign(stream, {
    isTTY,
    columns: 80,
    rows: 24,
    write: (chunk: string) => {
      written += chunk
      return true
    },
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true
  })
  Object.defineProperty(stream, "written", { get: () => written })
  return stream
}

describe("orw apply's progress", () => {
  it("on a terminal: the steps' lines are kept, the bar counts them and is cleared at the end", () => {
    const terminal = recorder(true)
    const progress = Progress.make(2, terminal)
    progress.line("[1/2] done     + create workspace research")
    progress.line("[2/2] done     + budget monthly = 100 on research")
    progress.stop()
    assert.include(terminal.written, "[1/2] done     + create workspace research\n")
    assert.include(terminal.written, "[2/2] done     + budget monthly = 100 on research\n")
    assert.match(terminal.written, /applying \[[^\]]*\] 2\/2 steps/)
  })

  it("in a pipe: the lines alone, no bar, no escape codes", () => {
    const pipe = recorder(false)
    const progress = Progress.make(2, pipe)
    progress.line("[1/2] done     + create workspace research")
    progress.stop()
    assert.strictEqual(pipe.written, "[1/2] done     + create workspace research\n")
  })
})
