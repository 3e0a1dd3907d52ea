import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Emulator } from "../emulator/index.js"
import { Organization, stateFromSnapshot } from "../emulator/internal/organization.js"
import * as StateFile from "../emulator/internal/stateFile.js"
import { nodeArgs, root } from "./support/scripts.js"

interface Started {
  readonly child: ChildProcess
  readonly baseUrl: string
  readonly key: string
  readonly exited: Promise<void>
}

/** Starts the emulator's command line on the state file and waits for its banner (base URL and admin key). */
const start = (stateFile: string): Promise<Started> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs("bin/emulator.ts"), "--port", "0", "--state", stateFile], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"]
    })
    const exited = new Promise<void>((done) => child.once("exit", () => done()))
    let output = ""
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const baseUrl = /base URL\s+(http:\/\/\S+)/.exec(output)?.[1]
      const key = /management key \(admin\)\s+(\S+)/.exec(output)?.[1]
      if (baseUrl !== undefined && key !== undefined) resolve({ child, baseUrl, key, exited })
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", onData)
    // the output may hold keys: say only that it failed
    child.once("exit", (code) => reject(new Error(`the emulator exited with ${code} before its banner`)))
  })

/** SIGKILL: no finalizer runs, nothing is flushed. */
const kill = async (started: Started) => {
  started.child.kill("SIGKILL")
  await started.exited
}

type Write =
  | { readonly kind: "workspace"; readonly slug: string }
  | { readonly kind: "member"; readonly slug: string; readonly userId: string }

/**
 * Sends writes, `concurrency` at a time, and kills the emulator as soon as `acknowledged` of them
 * have been answered 2xx, with the others still in flight. Each round creates workspaces and adds
 * members to the workspaces it has seen created. Returns the writes answered 2xx.
 */
const writeUntilKilled = async (
  started: Started,
  round: number,
  userIds: ReadonlyArray<string>,
  acknowledged: number,
  concurrency = 8
): Promise<ReadonlyArray<Write>> => {
  const headers = { authorization: `Bearer ${started.key}`, "content-type": "application/json" }
  const acked: Array<Write> = []
  const created: Array<string> = []
  let sent = 0
  let killed = false
  const next = (): { readonly write: Write; readonly request: Promise<Response> } => {
    const n = sent++
    if (n % 3 === 2 && created.length > 0) {
      const slug = created[n % created.length]!
      const userId = userIds[n % userIds.length]!
      return {
        write: { kind: "member", slug, userId },
        request: fetch(`${started.baseUrl}/workspaces/${slug}/members/add`, {
          method: "POST",
          headers,
          body: JSON.stringify({ user_ids: [userId] })
        })
      }
    }
    const slug = `round-${round}-${n}`
    return {
      write: { kind: "workspace", slug },
      request: fetch(`${started.baseUrl}/workspaces`, {
        method: "POST",
        headers,
        body: JSON.stringify({ name: slug, slug })
      })
    }
  }
  const worker = async () => {
    while (!killed) {
      const { request, write } = next()
      const response = await request.catch(() => undefined)
      if (response === undefined) return
      // a 2xx counts even when it arrives after the kill: its bytes were sent before
      if (response.status >= 200 && response.status <= 299) {
        acked.push(write)
        if (write.kind === "workspace") created.push(write.slug)
      }
      await response.arrayBuffer().catch(() => undefined)
      if (killed) return
      if (acked.length >= acknowledged) {
        killed = true
        // synchronously, with the other workers' requests still in flight
        started.child.kill("SIGKILL")
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  await started.exited
  return acked
}

/** The acknowledged writes missing from the running emulator. */
const missing = async (started: Started, writes: ReadonlyArray<Write>): Promise<ReadonlyArray<string>> => {
  const headers = { authorization: `Bearer ${started.key}` }
  const members = new Map<string, Set<string>>()
  const lost: Array<string> = []
  for (const write of writes) {
    if (write.kind === "workspace") {
      const response = await fetch(`${started.baseUrl}/workspaces/${write.slug}`, { headers })
      await response.arrayBuffer()
      if (response.status !== 200) lost.push(`workspace ${write.slug}: ${response.status}`)
      continue
    }
    let ids = members.get(write.slug)
    if (ids === undefined) {
      const response = await fetch(`${started.baseUrl}/workspaces/${write.slug}/members?limit=100`, { headers })
      const body = (await response.json()) as { readonly data?: ReadonlyArray<{ readonly user_id: string }> }
      ids = new Set((body.data ?? []).map((_) => _.user_id))
      members.set(write.slug, ids)
    }
    if (!ids.has(write.userId)) lost.push(`member ${write.userId} of ${write.slug}`)
  }
  return lost
}

const userIdsOf = async (started: Started): Promise<ReadonlyArray<string>> => {
  const response = await fetch(`${started.baseUrl}/organization/members?limit=20`, {
    headers: { authorization: `Bearer ${started.key}` }
  })
  const body = (await response.json()) as { readonly data: ReadonlyArray<{ readonly id: string }> }
  return body.data.map((_) => _.id)
}

const modeOf = (file: string) => Fs.statSync(file).mode & 0o777

/** Runs `use` with a state file's path in a fresh temporary directory, removed afterwards. */
const withStateFile = async (use: (stateFile: string, directory: string) => Promise<void>) => {
  const directory = Fs.mkdtempSync(Path.join(Os.tmpdir(), "emulator-durability-"))
  try {
    await use(Path.join(directory, "state.json"), directory)
  } finally {
    Fs.rmSync(directory, { recursive: true, force: true })
  }
}

/**
 * `withStateFile`, with `start` starting the emulator's command line on it: every emulator it
 * started is killed at the end (one already gone stays gone).
 */
const withEmulatorOn = (
  use: (session: {
    readonly stateFile: string
    readonly directory: string
    readonly start: () => Promise<Started>
  }) => Promise<void>
) =>
  withStateFile(async (stateFile, directory) => {
    const started: Array<Started> = []
    try {
      await use({
        stateFile,
        directory,
        start: async () => {
          const emulator = await start(stateFile)
          started.push(emulator)
          return emulator
        }
      })
    } finally {
      for (const emulator of started) await kill(emulator)
    }
  })

describe("the emulator's --state file", () => {
  it("keeps every acknowledged write across repeated kill -9 under write load", () =>
    withEmulatorOn(async ({ start }) => {
      let running = await start()
      const userIds = await userIdsOf(running)
      const acknowledged: Array<Write> = []
      for (let round = 0; round < 5; round++) {
        acknowledged.push(...(await writeUntilKilled(running, round, userIds, 40 + 10 * round)))
        running = await start()
        expect(await missing(running, acknowledged)).toEqual([])
      }
      expect(acknowledged.length).toBeGreaterThanOrEqual(5 * 40 + 10 * 10)
    }))

  it("is private to its owner, loses its leftover temporary files at start and ignores a torn last line", () =>
    withEmulatorOn(async ({ directory, start, stateFile }) => {
      let running = await start()
      const userIds = await userIdsOf(running)
      const acknowledged = await writeUntilKilled(running, 0, userIds, 20)
      for (const file of Fs.readdirSync(directory)) {
        expect([file, modeOf(Path.join(directory, file)).toString(8)]).toEqual([file, "600"])
      }
      const journal = `${stateFile}.journal`
      expect(Fs.existsSync(journal)).toBe(true)
      // a change the emulator was writing when it was killed: the line is cut short
      Fs.appendFileSync(
        journal,
        `[{"type":"workspaceCreated","seq":1,"at":"2025-01-06T09:00:00.000Z","workspace":{"id"`
      )
      const leftover = Path.join(directory, ".state.json.4242.1.tmp")
      Fs.writeFileSync(leftover, "{}")

      running = await start()
      expect(Fs.existsSync(leftover)).toBe(false)
      expect(await missing(running, acknowledged)).toEqual([])
      const created = await fetch(`${running.baseUrl}/workspaces`, {
        method: "POST",
        headers: { authorization: `Bearer ${running.key}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "After the torn line", slug: "after-torn" })
      })
      expect(created.status).toBe(201)
      await kill(running)
      for (const file of Fs.readdirSync(directory)) {
        expect([file, modeOf(Path.join(directory, file)).toString(8)]).toEqual([file, "600"])
      }

      running = await start()
      expect(await missing(running, [...acknowledged, { kind: "workspace", slug: "after-torn" }])).toEqual([])
    }))
})

describe("the journal", () => {
  it("is compacted into the file as it grows, and one an interrupted compaction left is ignored", () =>
    withStateFile(async (stateFile) => {
      const snapshot = await Effect.runPromise(
        Effect.scoped(Effect.flatMap(Emulator.make({ seed: Emulator.builtinSeed({ users: 5 }) }), (_) => _.snapshot))
      )
      Fs.writeFileSync(stateFile, JSON.stringify(snapshot))
      const organization = new Organization(stateFromSnapshot(snapshot))
      const { createdAt: _c, id: _i, isDefault: _d, updatedAt: _u, ...fields } = snapshot.workspaces[1]!
      await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            // any journal is past 1 byte: every write is a compaction
            const journal = yield* StateFile.persist(organization, stateFile, 1)
            organization.createWorkspace({ ...fields, slug: "compacted" })
            yield* Effect.async<void>((resume) => journal.whenDurable(() => resume(Effect.void)))
            const onDisk = JSON.parse(Fs.readFileSync(stateFile, "utf8")) as typeof snapshot
            expect(onDisk.workspaces.map((_) => _.slug)).toContain("compacted")
            expect(Fs.readFileSync(`${stateFile}.journal`, "utf8").trimEnd().split("\n")).toHaveLength(1)
          })
        )
      )
      // as a crash leaves it between writing a new file and emptying the journal: the journal
      // follows an older file, and the new file holds all it says
      const compacted = organization.findWorkspace("compacted")!
      const deleted = { type: "workspaceDeleted", seq: 2, at: compacted.createdAt, workspaceId: compacted.id }
      Fs.writeFileSync(
        `${stateFile}.journal`,
        `${JSON.stringify({ snapshot: "sha256:0" })}\n${JSON.stringify([{ ...deleted, slug: "compacted" }])}\n`
      )
      const found = await Effect.runPromise(StateFile.read(stateFile))
      expect(found?.changes).toEqual([])
      expect(found?.snapshot.workspaces.map((_) => _.slug)).toContain("compacted")
    }))
})
