/**
 * The `--state` file: a snapshot of the whole state, and beside it a journal (`<file>.journal`) of
 * the changes made since. A change is appended to the journal and flushed to disk (fsync) before its
 * request is answered, the requests of one turn of the event loop sharing one flush; the snapshot is
 * rewritten (compaction) at start, when the journal has grown past a size, after `mutate` and at
 * stop. Both files are created readable by their owner only: they hold every key.
 *
 * The journal's first line names the snapshot it follows (its SHA-256); each later line is a JSON
 * array of the changes flushed together. At start the snapshot is read, then the journal's complete
 * lines are replayed over it when it follows that snapshot: a last line cut short by a crash was
 * never acknowledged and is ignored, and a journal left by a crash between writing a new snapshot
 * and emptying the journal names the snapshot before and is ignored too (the new one holds it all).
 *
 * @internal
 */
import { createHash } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import * as Path from "node:path"
import type { HistoryEvent, Organization } from "./organization.js"
import { StateSnapshot } from "./records.js"

/** Owner read and write only: the files hold every key. */
const privateMode = 0o600

let temporaryCounter = 0

/** Flushes a directory's entry table (best effort: not every platform lets a directory be opened). */
const syncDirectory = async (directory: string): Promise<void> => {
  let handle: Fs.promises.FileHandle | undefined
  try {
    handle = await Fs.promises.open(directory, "r")
    await handle.sync()
  } catch {
    // e.g. EISDIR/EPERM on Windows: the rename is still atomic, only its durability is not forced
  } finally {
    await handle?.close().catch(() => undefined)
  }
}

/**
 * Writes a file atomically and durably: the text goes to a temporary file in the same directory,
 * which is flushed to disk (fsync) and closed, then renamed over the file; the directory is then
 * flushed (best effort) so the rename survives a crash too. A reader never sees half a file.
 *
 * @internal
 */
export const writeAtomically = async (file: string, text: string): Promise<void> => {
  const directory = Path.dirname(file)
  const temporary = Path.join(directory, `.${Path.basename(file)}.${process.pid}.${++temporaryCounter}.tmp`)
  try {
    const handle = await Fs.promises.open(temporary, "w", privateMode)
    try {
      await handle.writeFile(text)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await Fs.promises.rename(temporary, file)
  } catch (error) {
    await Fs.promises.rm(temporary, { force: true })
    throw error
  }
  await syncDirectory(directory)
}

/** The journal beside a state file. @internal */
export const journalOf = (file: string): string => `${file}.journal`

const digestOf = (text: string): string => `sha256:${createHash("sha256").update(text).digest("hex")}`

const headerOf = (snapshotText: string): string => `${JSON.stringify({ snapshot: digestOf(snapshotText) })}\n`

/** Removes the temporary files `writeAtomically` left behind when an earlier run was killed mid-write. */
const removeLeftovers = async (file: string): Promise<void> => {
  const directory = Path.dirname(file)
  const prefix = `.${Path.basename(file)}.`
  const names = await Fs.promises.readdir(directory).catch(() => [])
  for (const name of names) {
    if (name.startsWith(prefix) && /^\d+\.\d+\.tmp$/.test(name.slice(prefix.length))) {
      await Fs.promises.rm(Path.join(directory, name), { force: true })
    }
  }
}

const readText = (file: string): Promise<string | undefined> =>
  Fs.promises.readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined
    throw error
  })

/**
 * The changes of a journal that follows the snapshot: its complete lines after the header, up to the
 * first that does not parse (only the last can be cut short by a crash).
 */
const changesOf = (journal: string, snapshotText: string): ReadonlyArray<HistoryEvent> => {
  const lines = journal.split("\n")
  // the text after the last newline is a line the crash cut short, or nothing
  lines.pop()
  if (lines[0] !== headerOf(snapshotText).trimEnd()) return []
  const changes: Array<HistoryEvent> = []
  for (const line of lines.slice(1)) {
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch {
      break
    }
    if (!Array.isArray(parsed)) break
    for (const change of parsed as ReadonlyArray<HistoryEvent>) changes.push(change)
  }
  return changes
}

/**
 * A state file as found at start: the snapshot and the journaled changes to replay over it, or
 * `undefined` when there is no snapshot (a journal without one is stale and is ignored). Removes the
 * temporary files of earlier runs first.
 *
 * @internal
 */
export const read = (
  file: string
): Effect.Effect<
  { readonly snapshot: StateSnapshot; readonly changes: ReadonlyArray<HistoryEvent> } | undefined,
  string
> =>
  Effect.tryPromise({
    try: async () => {
      await removeLeftovers(file)
      const text = await readText(file)
      if (text === undefined) return undefined
      const journal = await readText(journalOf(file))
      return { text, changes: journal === undefined ? [] : changesOf(journal, text) }
    },
    catch: (error) => `cannot read ${file}: ${(error as Error).message}`
  }).pipe(
    Effect.flatMap((found) => {
      if (found === undefined) return Effect.succeed(undefined)
      let parsed: unknown
      try {
        parsed = JSON.parse(found.text)
      } catch (error) {
        return Effect.fail(`${file} is not JSON: ${String(error)}`)
      }
      return Either.match(Schema.decodeUnknownEither(StateSnapshot)(parsed), {
        onLeft: (error) => Either.left(`${file} is not an emulator state: ${error.message}`),
        onRight: (snapshot) => Either.right({ snapshot, changes: found.changes })
      })
    })
  )

interface Waiter {
  /** The number of changes that must be on disk. */
  readonly upTo: number
  readonly then: (failure: string | undefined) => void
}

/**
 * The journal of a running emulator. Changes are appended as they are recorded; `whenDurable` calls
 * back once every change made so far is on disk. One loop writes: it takes every change recorded
 * since its last write, appends them as one line and flushes (group commit), or, when a compaction
 * is due, writes the whole state as the snapshot and empties the journal instead.
 *
 * @internal
 */
export class Journal {
  private pending: Array<HistoryEvent> = []
  /** Changes made so far (recorded events and direct mutations), and how many of them are on disk. */
  private made = 0
  private durable = 0
  private readonly waiters: Array<Waiter> = []
  private writing: Promise<void> | undefined
  private compactionDue = false
  /** The journal's size in bytes. */
  private size = 0

  constructor(
    private readonly file: string,
    private readonly handle: Fs.promises.FileHandle,
    private readonly snapshot: () => string,
    /** The journal size past which the next write is a compaction. */
    private readonly compactAt: number
  ) {}

  /** Records a change (an event of the organization). */
  readonly append = (event: HistoryEvent): void => {
    this.pending.push(event)
    this.made++
    this.schedule()
  }

  /** Records a change the journal cannot describe (`mutate`): the next write is a compaction. */
  changedDirectly(): void {
    this.compactionDue = true
    this.made++
    this.schedule()
  }

  /**
   * Calls `then` once every change made so far is on disk, at once when it already is, so that an
   * answer never shows a change a crash could still lose; with the reason when it could not be written.
   */
  whenDurable(then: (failure: string | undefined) => void): void {
    if (this.durable === this.made) then(undefined)
    else this.waiters.push({ upTo: this.made, then })
  }

  /** Writes the state as the snapshot and starts an empty journal that follows it. */
  async compact(): Promise<void> {
    const text = this.snapshot()
    await writeAtomically(this.file, text)
    const header = headerOf(text)
    await this.handle.truncate(0)
    await this.handle.appendFile(header)
    await this.handle.datasync()
    this.size = Buffer.byteLength(header)
  }

  /** Waits for the last write, writes the snapshot and removes the journal: what stopping leaves. */
  async close(): Promise<void> {
    while (this.writing !== undefined) await this.writing
    try {
      await writeAtomically(this.file, this.snapshot())
      await Fs.promises.rm(journalOf(this.file), { force: true })
    } finally {
      await this.handle.close()
    }
  }

  private schedule(): void {
    // the loop, once running, takes what was recorded meanwhile; else it starts after this turn, so
    // that the requests answered in this turn share its flush
    if (this.writing !== undefined) return
    this.writing = new Promise((resolve) => setImmediate(() => void this.write().finally(resolve)))
  }

  private async write(): Promise<void> {
    while (this.pending.length > 0 || this.compactionDue) {
      const upTo = this.made
      const compacting = this.compactionDue || this.size >= this.compactAt
      const changes = this.pending
      this.pending = []
      this.compactionDue = false
      let failure: string | undefined
      try {
        if (compacting) await this.compact()
        else {
          const line = Buffer.from(`${JSON.stringify(changes)}\n`)
          await this.handle.appendFile(line)
          await this.handle.datasync()
          this.size += line.length
        }
      } catch (error) {
        failure = `the change was made but could not be saved to ${this.file}: ${String(error)}`
        // a journal that may end in part of a line, or that misses these changes, is replaced by a
        // snapshot of the state (which holds them) at the next change
        this.size = this.compactAt
      }
      this.durable = upTo
      while (this.waiters.length > 0 && this.waiters[0]!.upTo <= upTo) this.waiters.shift()!.then(failure)
    }
    this.writing = undefined
  }
}

/**
 * Keeps the state file in step with the organization for as long as the scope lives: compacts at
 * once (so the state the emulator starts from, generated keys included, is on disk before the first
 * request), journals every change, and leaves a snapshot alone when the scope closes.
 *
 * @internal
 */
export const persist = (
  organization: Organization,
  file: string,
  compactAt = 16 * 1024 * 1024
): Effect.Effect<Journal, string, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const journalFile = journalOf(file)
        const flags = Fs.constants.O_WRONLY | Fs.constants.O_CREAT | Fs.constants.O_APPEND
        const handle = await Fs.promises.open(journalFile, flags, privateMode)
        const journal = new Journal(file, handle, () => JSON.stringify(organization.snapshot()), compactAt)
        try {
          // a journal an earlier version created keeps its mode otherwise
          await handle.chmod(privateMode)
          await journal.compact()
          await syncDirectory(Path.dirname(file))
        } catch (error) {
          await handle.close()
          throw error
        }
        organization.onRecord = journal.append
        return journal
      },
      catch: (error) => `cannot write ${file}: ${String(error)}`
    }),
    (journal) =>
      Effect.tryPromise(() => journal.close()).pipe(
        Effect.catchAll((error) => Effect.logWarning(`cannot write ${file}: ${String(error.cause)}`))
      )
  )
