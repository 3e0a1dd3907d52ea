/**
 * An emulator in a process of its own, for the benchmarks, so that no client shares its CPU. Its
 * organization: `users` users (the first argument), all of them explicit members of `everyone`, the
 * first `members` (the second argument) of `engineering`; `target` and the default workspace. It
 * prints one JSON line, `{ baseUrl, key }`, then answers IPC messages: `{ type: "cpu" }` with its CPU
 * time in µs so far, `{ type: "latency", ms, operations }` by adding that latency to those operations.
 */
import { Effect, Redacted } from "effect"
import type * as EmulatorModule from "../../emulator/index.js"
import type { OperationName } from "../../src/WorkspacesApi.js"
import { userIdOf } from "./fixtures.js"

/** The emulator as it ships, its build (see `Package` in `clientProcess.ts`). */
const { Emulator }: typeof EmulatorModule = await import(new URL("../../dist/emulator/index.js", import.meta.url).href)

const users = Number(process.argv[2] ?? 10_000)
const members = Number(process.argv[3] ?? users)

const seed = (): EmulatorModule.Emulator.Seed => {
  const ids = Array.from({ length: users }, (_, i) => userIdOf(i))
  return {
    users: ids.map((id, i) => ({ id, role: i === 0 ? ("admin" as const) : ("member" as const) })),
    workspaces: [
      { slug: "engineering", name: "Engineering", members: ids.slice(0, members) },
      { slug: "everyone", name: "Everyone", members: ids },
      { slug: "target", name: "Target" }
    ]
  }
}

type Message =
  | { readonly id: number; readonly type: "cpu" }
  | { readonly id: number; readonly type: "latency"; readonly ms: number; readonly operations: Array<OperationName> }

const program = Effect.gen(function* () {
  const emulator = yield* Emulator.make({ seed: seed(), logLimit: 1000 })
  process.stdout.write(
    JSON.stringify({ baseUrl: emulator.baseUrl, key: Redacted.value(emulator.managementKey) }) + "\n"
  )
  process.on("message", (message: Message) => {
    if (message.type === "cpu") {
      const { system, user } = process.cpuUsage()
      process.send!({ id: message.id, cpu: user + system })
    } else {
      const rules: ReadonlyArray<EmulatorModule.Emulator.FaultRule> =
        message.ms === 0 ? [] : [{ kind: "latency", ms: message.ms, operations: message.operations }]
      Effect.runFork(Effect.andThen(emulator.setFaults(rules), () => process.send!({ id: message.id })))
    }
  })
  process.on("disconnect", () => process.exit(0))
  return yield* Effect.never
})

Effect.runFork(Effect.scoped(program))
