/**
 * Client CPU per call with the network taken out: every client runs on the same in-memory `fetch`,
 * which answers each request with a fixed body (a workspace, a page of 100 members, a bulk add of
 * 100), so what is timed is the client's own work: validating and encoding the input, building the
 * request, decoding the answer. Compared: this library's `Workspaces` on `FetchHttpClient`, a bare
 * `@effect/platform` `FetchHttpClient` request with `JSON.parse`, `@openrouter/sdk`, and raw
 * `fetch` with `response.json()`. Nothing here loads `@effect/platform-node`, so all share one process.
 *
 *   npx tsx bench/client-cpu.ts [rounds] [calls per round]
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { OpenRouter } from "@openrouter/sdk"
import { HTTPClient } from "@openrouter/sdk/lib/http.js"
import { Effect, Redacted } from "effect"
import { Workspaces } from "../src/index.js"
import { bodies, type Scenario, scenarioOf, userIds } from "./internal/fixtures.js"

const rounds = Number(process.argv[2] ?? 7)
const calls = Number(process.argv[3] ?? 2000)
/** e.g. `ours` or `ours:get`: run only the matching clients and scenarios (for a profile). */
const only = process.argv[4]
const baseUrl = "https://openrouter.test/api/v1"

/** The network taken out: a `fetch` that answers from memory. */
const memoryFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  const request = input instanceof Request ? input : undefined
  const method = init?.method ?? request?.method ?? "GET"
  const url = request?.url ?? String(input)
  return new Response(bodies[scenarioOf(method, new URL(url).pathname)], {
    status: 200,
    headers: { "content-type": "application/json" }
  })
}

const onMemoryFetch = <A, E>(effect: Effect.Effect<A, E, HttpClient.HttpClient>) =>
  effect.pipe(Effect.provide(FetchHttpClient.layer), Effect.provideService(FetchHttpClient.Fetch, memoryFetch))

const memoryClient = Effect.runSync(onMemoryFetch(HttpClient.HttpClient))

const ours = Effect.runSync(onMemoryFetch(Workspaces.make({ apiKey: Redacted.make("sk-or-v1-bench"), baseUrl })))

const sdk = new OpenRouter({
  apiKey: "sk-or-v1-bench",
  serverURL: baseUrl,
  retryConfig: { strategy: "none" },
  httpClient: new HTTPClient({ fetcher: memoryFetch })
})

const rawHeaders = {
  authorization: "Bearer sk-or-v1-bench",
  accept: "application/json",
  "content-type": "application/json"
}

const effectLoop = (call: () => Effect.Effect<unknown, unknown>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      for (let i = 0; i < calls; i++) yield* call()
    })
  )

const runners: Record<string, Record<Scenario, () => Promise<unknown>>> = {
  ours: {
    get: () => effectLoop(() => ours.get({ id: "engineering" })),
    listMembers: () => effectLoop(() => ours.listMembers({ id: "engineering", offset: 0, limit: 100 })),
    bulkAddMembers: () => effectLoop(() => ours.bulkAddMembers({ id: "engineering", userIds }))
  },
  bare: {
    get: () =>
      effectLoop(() =>
        memoryClient
          .execute(HttpClientRequest.get(`${baseUrl}/workspaces/engineering`))
          .pipe(Effect.flatMap((response) => Effect.map(response.text, (text) => JSON.parse(text))))
      ),
    listMembers: () =>
      effectLoop(() =>
        memoryClient
          .execute(HttpClientRequest.get(`${baseUrl}/workspaces/engineering/members`))
          .pipe(Effect.flatMap((response) => Effect.map(response.text, (text) => JSON.parse(text))))
      ),
    bulkAddMembers: () =>
      effectLoop(() =>
        memoryClient
          .execute(
            HttpClientRequest.bodyUnsafeJson(HttpClientRequest.post(`${baseUrl}/workspaces/engineering/members/add`), {
              user_ids: userIds
            })
          )
          .pipe(Effect.flatMap((response) => Effect.map(response.text, (text) => JSON.parse(text))))
      )
  },
  raw: {
    get: async () => {
      for (let i = 0; i < calls; i++) {
        await (await memoryFetch(`${baseUrl}/workspaces/engineering`, { headers: rawHeaders })).json()
      }
    },
    listMembers: async () => {
      for (let i = 0; i < calls; i++) {
        await (
          await memoryFetch(`${baseUrl}/workspaces/engineering/members?offset=0&limit=100`, { headers: rawHeaders })
        ).json()
      }
    },
    bulkAddMembers: async () => {
      for (let i = 0; i < calls; i++) {
        const body = JSON.stringify({ user_ids: userIds })
        await (
          await memoryFetch(`${baseUrl}/workspaces/engineering/members/add`, {
            method: "POST",
            headers: rawHeaders,
            body
          })
        ).json()
      }
    }
  },
  sdk: {
    get: async () => {
      for (let i = 0; i < calls; i++) await sdk.workspaces.get({ id: "engineering" })
    },
    listMembers: async () => {
      for (let i = 0; i < calls; i++) await sdk.workspaces.listMembers({ id: "engineering", offset: 0, limit: 100 })
    },
    bulkAddMembers: async () => {
      for (let i = 0; i < calls; i++)
        await sdk.workspaces.bulkAddMembers({ id: "engineering", bulkAddWorkspaceMembersRequest: { userIds } })
    }
  }
}

const median = (xs: ReadonlyArray<number>) =>
  [...xs].sort((a, b) => a - b)[process.env.STAT === "min" ? 0 : Math.floor(xs.length / 2)]!

const main = async () => {
  const samples: Record<string, Array<number>> = {}
  for (let round = 0; round <= rounds; round++) {
    for (const scenario of Object.keys(bodies) as Array<Scenario>) {
      for (const [name, runner] of Object.entries(runners)) {
        if (only !== undefined && !`${name}:${scenario}`.startsWith(only)) continue
        const start = process.cpuUsage()
        await runner[scenario]()
        const used = process.cpuUsage(start)
        // round 0 is the warm-up
        if (round > 0) (samples[`${scenario} ${name}`] ??= []).push((used.user + used.system) / calls)
      }
    }
  }
  for (const scenario of Object.keys(bodies) as Array<Scenario>) {
    const [o, b, s, r] = ["ours", "bare", "sdk", "raw"].map((name) => median(samples[`${scenario} ${name}`] ?? [NaN]))
    console.log(
      `${scenario.padEnd(15)} ours ${o!.toFixed(0).padStart(5)} µs  bare ${b!.toFixed(0).padStart(5)} µs  sdk ${s!.toFixed(0).padStart(5)} µs  raw ${r!.toFixed(0).padStart(5)} µs  ours/bare ${(o! / b!).toFixed(2)}  ours/sdk ${(o! / s!).toFixed(2)}`
    )
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
