/**
 * One client of the comparison, in a process of its own: `ours-fetch` (this library on
 * `FetchHttpClient`, with a bare `@effect/platform` request as its baseline), `ours-undici` (on
 * `NodeHttpClient.layerUndici`), `sdk` (`@openrouter/sdk`) or `raw` (`fetch`). Only `ours-undici`
 * loads `@effect/platform-node`, which installs undici as the global fetch dispatcher, so the others
 * run on Node's own `fetch`. The parent sends tasks over IPC, `{ id, task }`; each is timed here and
 * answered with `{ id, result }`.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Effect, Layer, ManagedRuntime, Redacted, Stream } from "effect"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import type * as Package from "../../src/index.js"
import { bodies, scenarioOf, userIdOf, userIds, type Scenario } from "./fixtures.js"

/**
 * This package as its users run it: its build (`npm run bench` builds it first), not its sources
 * through tsx, whose transform names every function it makes (esbuild's `keepNames`), a
 * `defineProperty` on each closure a call creates, which the build does not do.
 */
const { Workflows, Workspaces }: typeof Package = await import(new URL("../../dist/src/index.js", import.meta.url).href)

export type Kind = "ours-fetch" | "ours-undici" | "sdk" | "raw"

/** What the parent asks a client to do; every task answers with its wall time and this process's CPU time. */
export type Task =
  /** `calls` calls of a scenario on an in-memory `fetch`: the client's own cost, the network taken out. */
  | { readonly _tag: "memory"; readonly scenario: Scenario; readonly calls: number; readonly bare?: boolean }
  /** `calls` sequential calls of a scenario against a server. */
  | {
      readonly _tag: "sequential"
      readonly baseUrl: string
      readonly key?: string
      readonly scenario: Scenario
      readonly calls: number
      readonly bare?: boolean
    }
  /** `calls` gets against a server, `inFlight` at a time (`bare`: ours-* only, a bare `@effect/platform` request). */
  | {
      readonly _tag: "concurrent"
      readonly baseUrl: string
      readonly calls: number
      readonly inFlight: number
      readonly bare?: boolean
    }
  /** Every member of a workspace, with the client's default settings. */
  | { readonly _tag: "stream"; readonly baseUrl: string; readonly key: string; readonly workspace: string }
  /** Makes a workspace's members `users` users from `from` on (the SDK: its iterator, then bulk calls in sequence). */
  | {
      readonly _tag: "sync"
      readonly baseUrl: string
      readonly key: string
      readonly workspace: string
      readonly from: number
      readonly users: number
    }
  /** Streams a workspace, sampling the heap after a GC every `every` members; the peak over the start. */
  | {
      readonly _tag: "heap"
      readonly baseUrl: string
      readonly key: string
      readonly workspace: string
      readonly every: number
    }

  /** Bulk adds or removes of 100 users each, in sequence, from user `from` on (raw fetch, to load the emulator). */
  | {
      readonly _tag: "bulk"
      readonly baseUrl: string
      readonly key: string
      readonly workspace: string
      readonly operation: "add" | "remove"
      readonly from: number
      readonly batches: number
    }
  /** `calls` sequential pages of 100 of a workspace (raw fetch, to load the emulator). */
  | {
      readonly _tag: "pages"
      readonly baseUrl: string
      readonly key: string
      readonly workspace: string
      readonly calls: number
    }

export interface Result {
  readonly wallMs: number
  readonly cpuUs: number
  readonly count?: number
  readonly heapGrowthBytes?: number
}

const kind = process.argv[2] as Kind
const memoryBase = "https://openrouter.test/api/v1"
const key = "sk-or-v1-bench"

/** The network taken out: a `fetch` that answers from memory with the fixed body the path asks for. */
const memoryFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  const request = input instanceof Request ? input : undefined
  const method = init?.method ?? request?.method ?? "GET"
  const url = request?.url ?? String(input)
  return new Response(bodies[scenarioOf(method, new URL(url).pathname)], {
    status: 200,
    headers: { "content-type": "application/json" }
  })
}

/** A client on one base URL and key: a call of each scenario, and the jobs made of many. */
interface Client {
  /** `calls` sequential calls of a scenario (in one Effect for ours, awaited one by one otherwise). */
  readonly loop: (scenario: Scenario, calls: number) => Promise<unknown>
  /** `calls` gets, `inFlight` at a time. */
  readonly many: (calls: number, inFlight: number) => Promise<unknown>
  readonly stream: (workspace: string) => Promise<number>
  readonly sync: (workspace: string, userIds: ReadonlyArray<string>) => Promise<unknown>
  /** The peak heap over its start while streaming a workspace, sampled after a GC every `every` members. */
  readonly heap: (workspace: string, every: number) => Promise<number>
}

type Factory = (baseUrl: string, apiKey: string, bare: boolean) => Client | Promise<Client>

const pool = async (calls: number, inFlight: number, call: () => Promise<unknown>) => {
  let next = 0
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < calls) await call()
    })
  )
}

const unsupported = () => Promise.reject(new Error(`${kind} does not run this task`))

const collectGarbage = (): (() => void) => {
  setFlagsFromString("--expose-gc")
  return runInNewContext("gc") as () => void
}

/**
 * A bare request's answer read and parsed, a function made once: this file runs through tsx, which
 * names each function it makes (see `Package`), and the bare request should not pay for that.
 */
const parse = (text: string): unknown => JSON.parse(text)
const readJson = (response: HttpClientResponse.HttpClientResponse) => Effect.map(response.text, parse)

const oursOn =
  (layer: Layer.Layer<HttpClient.HttpClient>): Factory =>
  async (baseUrl, apiKey, bare) => {
    // the layer's scope (undici's dispatcher) lives as long as the process
    const [ws, http] = await ManagedRuntime.make(layer).runPromise(
      Effect.all([Workspaces.make({ apiKey: Redacted.make(apiKey), baseUrl }), HttpClient.HttpClient]).pipe(
        Effect.orDie
      )
    )
    const bareCall = (scenario: Scenario) => {
      const request =
        scenario === "get"
          ? HttpClientRequest.get(`${baseUrl}/workspaces/engineering`)
          : scenario === "listMembers"
            ? HttpClientRequest.get(`${baseUrl}/workspaces/engineering/members?offset=0&limit=100`)
            : HttpClientRequest.bodyUnsafeJson(
                HttpClientRequest.post(`${baseUrl}/workspaces/engineering/members/add`),
                {
                  user_ids: userIds
                }
              )
      return Effect.flatMap(
        http.execute(HttpClientRequest.acceptJson(HttpClientRequest.bearerToken(request, apiKey))),
        readJson
      )
    }
    const oursCall = (scenario: Scenario): Effect.Effect<unknown, unknown> =>
      scenario === "get"
        ? ws.get({ id: "engineering" })
        : scenario === "listMembers"
          ? ws.listMembers({ id: "engineering", offset: 0, limit: 100 })
          : ws.bulkAddMembers({ id: "engineering", userIds })
    const one = bare ? bareCall : oursCall
    const client: Client = {
      loop: (scenario, calls) =>
        Effect.runPromise(
          Effect.gen(function* () {
            for (let i = 0; i < calls; i++) yield* one(scenario)
          })
        ),
      many: (calls, inFlight) =>
        Effect.runPromise(
          Effect.forEach(Array.from({ length: calls }), () => one("get"), { concurrency: inFlight, discard: true })
        ),
      stream: (workspace) => Effect.runPromise(Stream.runCount(ws.streamMembers({ id: workspace }))),
      sync: (workspace, ids) =>
        Effect.runPromise(
          Workflows.syncMembers({ workspace, userIds: ids }).pipe(Effect.provideService(Workspaces.Workspaces, ws))
        ),
      heap: (workspace, every) => {
        const gc = collectGarbage()
        gc()
        const base = process.memoryUsage().heapUsed
        let peak = base
        let seen = 0
        return Effect.runPromise(
          ws.streamMembers({ id: workspace }).pipe(
            Stream.runForEach(() =>
              Effect.sync(() => {
                if (++seen % every !== 0) return
                gc()
                peak = Math.max(peak, process.memoryUsage().heapUsed)
              })
            ),
            Effect.map(() => peak - base)
          )
        )
      }
    }
    return client
  }

const sdkOn =
  (fetcher?: typeof fetch): Factory =>
  async (baseUrl, apiKey) => {
    const { OpenRouter } = await import("@openrouter/sdk")
    const { HTTPClient } = await import("@openrouter/sdk/lib/http.js")
    const sdk = new OpenRouter({
      apiKey,
      serverURL: baseUrl,
      ...(fetcher === undefined ? {} : { httpClient: new HTTPClient({ fetcher }) })
    })
    const call = (scenario: Scenario): Promise<unknown> =>
      scenario === "get"
        ? sdk.workspaces.get({ id: "engineering" })
        : scenario === "listMembers"
          ? sdk.workspaces.listMembers({ id: "engineering", offset: 0, limit: 100 })
          : sdk.workspaces.bulkAddMembers({ id: "engineering", bulkAddWorkspaceMembersRequest: { userIds } })
    const members = async (workspace: string) => {
      const ids: Array<string> = []
      for await (const page of await sdk.workspaces.listMembers({ id: workspace, limit: 100 })) {
        for (const member of page.result.data) ids.push(member.userId)
      }
      return ids
    }
    return {
      loop: async (scenario, calls) => {
        for (let i = 0; i < calls; i++) await call(scenario)
      },
      many: (calls, inFlight) => pool(calls, inFlight, () => call("get")),
      stream: async (workspace) => (await members(workspace)).length,
      // the same job as syncMembers with the SDK: its page iterator, then bulk calls of 100 in sequence
      sync: async (workspace, wanted) => {
        const current = new Set(await members(workspace))
        const desired = new Set(wanted)
        const add = wanted.filter((id) => !current.has(id))
        const remove = Array.from(current).filter((id) => !desired.has(id))
        for (let i = 0; i < add.length; i += 100) {
          await sdk.workspaces.bulkAddMembers({
            id: workspace,
            bulkAddWorkspaceMembersRequest: { userIds: add.slice(i, i + 100) }
          })
        }
        for (let i = 0; i < remove.length; i += 100) {
          await sdk.workspaces.bulkRemoveMembers({
            id: workspace,
            bulkRemoveWorkspaceMembersRequest: { userIds: remove.slice(i, i + 100) }
          })
        }
      },
      heap: unsupported
    }
  }

const rawOn =
  (fetcher: typeof fetch): Factory =>
  (baseUrl, apiKey) => {
    const headers = {
      authorization: `Bearer ${apiKey}`,
      accept: "application/json",
      "content-type": "application/json"
    }
    const call = async (scenario: Scenario): Promise<unknown> => {
      const response =
        scenario === "get"
          ? await fetcher(`${baseUrl}/workspaces/engineering`, { headers })
          : scenario === "listMembers"
            ? await fetcher(`${baseUrl}/workspaces/engineering/members?offset=0&limit=100`, { headers })
            : await fetcher(`${baseUrl}/workspaces/engineering/members/add`, {
                method: "POST",
                headers,
                body: JSON.stringify({ user_ids: userIds })
              })
      return response.json()
    }
    return {
      loop: async (scenario, calls) => {
        for (let i = 0; i < calls; i++) await call(scenario)
      },
      many: (calls, inFlight) => pool(calls, inFlight, () => call("get")),
      stream: unsupported,
      sync: unsupported,
      heap: unsupported
    }
  }

/** This process's client, on a server (`live`) and on the in-memory fetch (`memory`, not for undici). */
const factories = async (): Promise<{ readonly live: Factory; readonly memory?: Factory }> => {
  switch (kind) {
    case "ours-fetch":
      return {
        live: oursOn(FetchHttpClient.layer),
        memory: oursOn(FetchHttpClient.layer.pipe(Layer.provide(Layer.succeed(FetchHttpClient.Fetch, memoryFetch))))
      }
    case "ours-undici": {
      const { layerUndici } = await import("@effect/platform-node/NodeHttpClient")
      return { live: oursOn(layerUndici) }
    }
    case "sdk":
      return { live: sdkOn(), memory: sdkOn(memoryFetch) }
    case "raw":
      return { live: rawOn(fetch), memory: rawOn(memoryFetch) }
  }
}

const main = async () => {
  const { live, memory } = await factories()
  const clients = new Map<string, Promise<Client>>()
  const clientOf = (factory: Factory | undefined, baseUrl: string, apiKey: string, bare = false) => {
    if (factory === undefined) return Promise.reject(new Error(`${kind} cannot run on the in-memory fetch`))
    const id = `${factory === memory ? "memory" : "live"} ${baseUrl} ${apiKey} ${bare}`
    let client = clients.get(id)
    if (client === undefined) {
      client = Promise.resolve(factory(baseUrl, apiKey, bare))
      clients.set(id, client)
    }
    return client
  }
  const run = async (task: Task): Promise<Omit<Result, "wallMs" | "cpuUs"> | void> => {
    switch (task._tag) {
      case "memory":
        return void (await (await clientOf(memory, memoryBase, key, task.bare)).loop(task.scenario, task.calls))
      case "sequential":
        return void (await (
          await clientOf(live, task.baseUrl, task.key ?? key, task.bare)
        ).loop(task.scenario, task.calls))
      case "concurrent":
        return void (await (await clientOf(live, task.baseUrl, key, task.bare)).many(task.calls, task.inFlight))
      case "stream":
        return { count: await (await clientOf(live, task.baseUrl, task.key)).stream(task.workspace) }
      case "sync": {
        const ids = Array.from({ length: task.users }, (_, i) => userIdOf(task.from + i))
        return void (await (await clientOf(live, task.baseUrl, task.key)).sync(task.workspace, ids))
      }
      case "heap":
        return {
          heapGrowthBytes: await (await clientOf(live, task.baseUrl, task.key)).heap(task.workspace, task.every)
        }
      case "bulk": {
        const headers = { authorization: `Bearer ${task.key}`, "content-type": "application/json" }
        for (let batch = 0; batch < task.batches; batch++) {
          const ids = Array.from({ length: 100 }, (_, i) => userIdOf(task.from + batch * 100 + i))
          const url = `${task.baseUrl}/workspaces/${task.workspace}/members/${task.operation}`
          const response = await fetch(url, { method: "POST", headers, body: JSON.stringify({ user_ids: ids }) })
          if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`)
          await response.arrayBuffer()
        }
        return
      }
      case "pages": {
        const headers = { authorization: `Bearer ${task.key}` }
        for (let i = 0; i < task.calls; i++) {
          const url = `${task.baseUrl}/workspaces/${task.workspace}/members?limit=100&offset=${(i * 100) % 5000}`
          const response = await fetch(url, { headers })
          if (!response.ok) throw new Error(`${url}: ${response.status}`)
          await response.arrayBuffer()
        }
        return
      }
    }
  }
  process.on("message", async (message: { readonly id: number; readonly task: Task }) => {
    try {
      const start = performance.now()
      const cpu = process.cpuUsage()
      const extra = await run(message.task)
      const used = process.cpuUsage(cpu)
      const result: Result = { wallMs: performance.now() - start, cpuUs: used.user + used.system, ...extra }
      process.send!({ id: message.id, result })
    } catch (error) {
      process.send!({ id: message.id, error: String(error) })
    }
  })
  process.on("disconnect", () => process.exit(0))
  process.send!({ ready: true })
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
