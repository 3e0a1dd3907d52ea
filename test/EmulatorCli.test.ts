import { describe, expect, it } from "@effect/vitest"
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { nodeArgs, root } from "./support/scripts.js"

interface Started {
  readonly child: ChildProcess
  readonly baseUrl: string
  readonly key: string
  readonly output: () => string
}

/** Starts `npm run emulator`'s script and waits until it prints its base URL and admin key. */
const start = (args: ReadonlyArray<string>): Promise<Started> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs("bin/emulator.ts"), ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    const timer = setTimeout(() => reject(new Error(`no base URL printed:\n${output}`)), 30_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const baseUrl = /base URL\s+(http:\/\/\S+)/.exec(output)?.[1]
      const key = /management key \(admin\)\s+(\S+)/.exec(output)?.[1]
      if (baseUrl !== undefined && key !== undefined) {
        clearTimeout(timer)
        resolve({ child, baseUrl, key, output: () => output })
      }
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", onData)
    child.on("exit", (code) => reject(new Error(`exited with ${code}:\n${output}`)))
  })

const stop = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code))
    child.kill("SIGTERM")
  })

describe("npm run emulator", () => {
  it("prints its base URL and key, serves the API, and keeps --state across a restart", async () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "emulator-cli-"))
    const stateFile = Path.join(dir, "state.json")
    try {
      const first = await start(["--port", "0", "--state", stateFile])
      expect(first.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/)
      const headers = { authorization: `Bearer ${first.key}`, "content-type": "application/json" }
      const created = await fetch(`${first.baseUrl}/workspaces`, {
        method: "POST",
        headers,
        body: JSON.stringify({ name: "Kept", slug: "kept-across-restarts" })
      })
      expect(created.status).toBe(201)
      expect(await stop(first.child)).not.toBeNull()
      const saved = JSON.parse(Fs.readFileSync(stateFile, "utf8"))
      expect(saved.workspaces.map((w: { slug: string }) => w.slug)).toContain("kept-across-restarts")
      expect(Fs.readdirSync(dir)).toEqual(["state.json"])

      const second = await start(["--port", "0", "--state", stateFile])
      const found = await fetch(`${second.baseUrl}/workspaces/kept-across-restarts`, {
        headers: { authorization: `Bearer ${second.key}` }
      })
      expect(found.status).toBe(200)
      expect((await found.json()).data.name).toBe("Kept")
      await stop(second.child)
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it("--log-limit caps the request log and the history; --rate-limit limits each key", async () => {
    const started = await start(["--port", "0", "--log-limit", "2", "--rate-limit", "3/1m"])
    try {
      expect(started.output()).toMatch(/log limit\s+the last 2 requests and changes/)
      const headers = { authorization: `Bearer ${started.key}`, "content-type": "application/json" }
      for (const slug of ["capped-a", "capped-b", "capped-c"]) {
        const created = await fetch(`${started.baseUrl}/workspaces`, {
          method: "POST",
          headers,
          body: JSON.stringify({ name: slug, slug })
        })
        expect(created.status).toBe(201)
      }
      const origin = new URL(started.baseUrl).origin
      const requests = await (await fetch(`${origin}/__emulator/requests`)).json()
      expect(requests.map((_: { seq: number }) => _.seq)).toEqual([2, 3])
      const history = await (await fetch(`${origin}/__emulator/history`)).json()
      expect(history.map((_: { seq: number; workspace: { slug: string } }) => [_.seq, _.workspace.slug])).toEqual([
        [2, "capped-b"],
        [3, "capped-c"]
      ])
      const limited = await fetch(`${started.baseUrl}/workspaces`, { headers })
      expect([limited.status, limited.headers.get("x-ratelimit-remaining")]).toEqual([429, "0"])
      const retryAfter = Number(limited.headers.get("retry-after"))
      expect(retryAfter >= 1 && retryAfter <= 60).toBe(true)
    } finally {
      await stop(started.child)
    }
  })

  it("--log-limit must be a non-negative integer", async () => {
    await expect(start(["--port", "0", "--log-limit", "-1"])).rejects.toThrow(/non-negative integer/)
  })
})
