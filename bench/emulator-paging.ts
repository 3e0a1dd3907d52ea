/**
 * Times list pages of the emulator at growing offsets over real HTTP, with 100,000 members (implicit
 * in the default workspace, explicit in `everyone`) and 1,000 workspaces. A page should cost about
 * the same at offset 0 and at offset 99,900.
 *
 *   npx tsx bench/emulator-paging.ts
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { Emulator } from "../emulator/index.js"

const rounds = 20

const program = Effect.gen(function* () {
  const started = performance.now()
  const seed = Emulator.builtinSeed({ users: 100_000, workspaces: 1_000 })
  const emulator = yield* Emulator.make({
    seed: {
      ...seed,
      workspaces: [...seed.workspaces!, { slug: "everyone", name: "Everyone", members: seed.users.map((_) => _.id) }]
    }
  })
  console.log(`seed and start: ${(performance.now() - started).toFixed(0)} ms`)
  const headers = { authorization: `Bearer ${Redacted.value(emulator.managementKey)}` }

  const time = (path: string) =>
    Effect.promise(async () => {
      const samples: Array<number> = []
      for (let round = 0; round < rounds; round++) {
        const start = performance.now()
        const response = await fetch(`${emulator.baseUrl}${path}`, { headers })
        await response.arrayBuffer()
        samples.push(performance.now() - start)
      }
      samples.sort((a, b) => a - b)
      return { median: samples[Math.floor(rounds / 2)]!, worst: samples[rounds - 1]! }
    })

  for (const [label, path, total] of [
    ["members of default (implicit)", "/workspaces/default/members", 100_000],
    ["members of everyone (explicit)", "/workspaces/everyone/members", 100_000],
    ["workspaces", "/workspaces", 1_001]
  ] as const) {
    for (const offset of [0, Math.floor(total / 2), total - 100]) {
      const { median, worst } = yield* time(`${path}?limit=100&offset=${offset}`)
      console.log(
        `${label.padEnd(32)} offset ${String(offset).padStart(6)}: median ${median.toFixed(2)} ms, worst ${worst.toFixed(2)} ms`
      )
    }
  }

  // a write invalidates the ordered view of that workspace; the next page rebuilds it once
  yield* Effect.promise(() =>
    fetch(`${emulator.baseUrl}/workspaces/everyone/members/remove`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ user_ids: [seed.users[5]!.id] })
    })
  )
  const afterWrite = yield* time("/workspaces/everyone/members?limit=100&offset=99800")
  console.log(
    `after a write, offset 99800: median ${afterWrite.median.toFixed(2)} ms, worst (the rebuild) ${afterWrite.worst.toFixed(2)} ms`
  )
})

Effect.runPromise(Effect.scoped(program)).catch((error) => {
  console.error(error)
  process.exit(1)
})
