// A plain-JS consumer: imports the installed package by name and runs a real program over HTTP
// against the emulator. Exits 0 only if every result is what it must be.
import { Effect } from "effect"
import { Workspaces } from "effect-openrouter-workspaces"
import { Emulator } from "effect-openrouter-workspaces/emulator"

const slug = "consumer-check"

const program = Effect.gen(function* () {
  const ws = yield* Workspaces.Workspaces
  const created = yield* ws.create({ name: "Consumer check", slug })
  const budget = yield* ws.setBudget({ id: slug, interval: "monthly", limitUsd: 25 })
  const page = yield* ws.list({ limit: 100 })
  const members = yield* ws.listMembers({ id: "default" })
  const defaultWorkspace = page.data.find((workspace) => workspace.slug === "default")
  return { created, budget, page, members, defaultWorkspace }
})

const failures = []
const expect = (what, ok) => {
  if (!ok) failures.push(what)
}

try {
  const { created, budget, page, members, defaultWorkspace } = await Effect.runPromise(
    program.pipe(Effect.provide(Emulator.layerWorkspaces({ seed: Emulator.builtinSeed() })))
  )
  expect("create answers with the new slug", created.slug === slug && created.name === "Consumer check")
  expect(
    "setBudget answers with the monthly budget of the new workspace",
    budget.data.workspaceId === created.id && budget.data.limitUsd === 25 && budget.data.resetInterval === "monthly"
  )
  expect(
    "list holds the created workspace",
    page.data.some((workspace) => workspace.id === created.id)
  )
  expect("list holds the default workspace", defaultWorkspace !== undefined)
  expect("list counts what it holds", page.totalCount === page.data.length)
  expect("default has members", members.totalCount > 0 && members.data.length > 0)
  expect(
    "the members listed are default's",
    members.data.every((member) => member.workspaceId === defaultWorkspace?.id)
  )
  if (failures.length > 0) {
    console.error(`consumer: main.mjs FAILED: ${failures.join("; ")}`)
    process.exitCode = 1
  } else {
    console.log(
      `consumer: main.mjs ok (created ${created.slug}, ${page.totalCount} workspaces, ${members.totalCount} members of default)`
    )
  }
} catch (error) {
  console.error("consumer: main.mjs FAILED:", error)
  process.exitCode = 1
}
