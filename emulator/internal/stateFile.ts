/**
 * The `--state` file: loaded at start when it exists, written after changes (debounced) and when
 * the emulator stops. Each write goes to a temporary file in the same directory which is flushed to
 * disk and then renamed over the state file, so a reader never sees half a file, even after a crash.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import * as Path from "node:path"
import type { Organization } from "./organization.js"
import { StateSnapshot } from "./records.js"

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
    const handle = await Fs.promises.open(temporary, "w")
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

/**
 * Reads a state file: `undefined` when it does not exist.
 *
 * @internal
 */
export const read = (file: string): Effect.Effect<StateSnapshot | undefined, string> =>
  Effect.tryPromise({
    try: () => Fs.promises.readFile(file, "utf8"),
    catch: (error) => error as NodeJS.ErrnoException
  }).pipe(
    Effect.map((text): string | undefined => text),
    Effect.catchIf(
      (error) => error.code === "ENOENT",
      () => Effect.succeed(undefined)
    ),
    Effect.mapError((error) => `cannot read ${file}: ${error.message}`),
    Effect.flatMap((text) => {
      if (text === undefined) return Effect.succeed(undefined)
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch (error) {
        return Effect.fail(`${file} is not JSON: ${String(error)}`)
      }
      return Either.mapLeft(
        Schema.decodeUnknownEither(StateSnapshot)(parsed),
        (error) => `${file} is not an emulator state: ${error.message}`
      )
    })
  )

/**
 * Keeps the file in step with the organization for as long as the scope lives.
 *
 * @internal
 */
export const persist = (
  organization: Organization,
  file: string,
  debounceMs = 50
): Effect.Effect<void, string, Scope.Scope> =>
  Effect.gen(function* () {
    let written = -1
    const lock = yield* Effect.makeSemaphore(1)
    const write = lock.withPermits(1)(
      Effect.suspend(() => {
        const version = organization.version
        if (version === written) return Effect.void
        const text = JSON.stringify(organization.snapshot())
        return Effect.tryPromise({
          try: () => writeAtomically(file, text),
          catch: (error) => `cannot write ${file}: ${String(error)}`
        }).pipe(Effect.tap(() => Effect.sync(() => (written = version))))
      })
    )
    yield* write
    const changes = yield* Queue.sliding<void>(1)
    organization.onChange(() => Queue.unsafeOffer(changes, undefined))
    yield* Queue.take(changes).pipe(
      Effect.zipRight(Effect.sleep(debounceMs)),
      Effect.zipRight(write),
      Effect.catchAll((message) => Effect.logWarning(message)),
      Effect.forever,
      Effect.forkScoped
    )
    yield* Effect.addFinalizer(() => write.pipe(Effect.catchAll((message) => Effect.logWarning(message))))
  })
