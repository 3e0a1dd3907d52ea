/**
 * How long reading every member of a 10,000-member workspace takes, sequentially (what the official
 * SDK's page iterator does) and with this library's concurrent paging, over loopback with 20 ms of
 * added server latency per page. Run: `npm run bench`.
 */
import { FetchHttpClient } from "@effect/platform"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Layer, Stream } from "effect"
import { Emulator } from "../emulator/index.js"
import { Workspaces } from "../src/index.js"

const users = Array.from({ length: 10_000 }, (_, i) => ({ id: `user_${i}`, role: "member" as const }))
const seed: Emulator.Seed = { users, workspaces: [{ slug: "big", name: "Big", members: users.map((u) => u.id) }] }

const program = Effect.gen(function* () {
  const emulator = yield* Emulator.Emulator
  const ws = yield* Workspaces.Workspaces
  yield* emulator.setFaults([{ kind: "latency", ms: 20, operations: ["listMembers"] }])
  for (const concurrency of [1, 4, 8]) {
    const start = Date.now()
    const count = yield* Stream.runCount(ws.streamMembers({ id: "big", pageSize: 100, concurrency }))
    yield* Console.log(`concurrency ${concurrency}: ${count} members in ${Date.now() - start} ms`)
  }
  yield* emulator.setFaults([])
  const start = Date.now()
  const deep = yield* ws.listMembers({ id: "big", offset: 9_900, limit: 100 })
  yield* Console.log(
    `one page at offset 9,900 without added latency: ${deep.data.length} items in ${Date.now() - start} ms`
  )
})

const layer = Layer.unwrapEffect(
  Effect.map(Emulator.Emulator, (e) => Workspaces.layer({ apiKey: e.managementKey, baseUrl: e.baseUrl }))
).pipe(Layer.provide(FetchHttpClient.layer), Layer.provideMerge(Emulator.layer({ seed })))

NodeRuntime.runMain(program.pipe(Effect.provide(layer)))
