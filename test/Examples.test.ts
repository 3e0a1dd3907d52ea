import { assert, describe, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const tsx = Path.join(root, "node_modules", ".bin", "tsx")
const { OPENROUTER_API_KEY: _key, OPENROUTER_BASE_URL: _baseUrl, ...environment } = process.env

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const run = (example: string, args: ReadonlyArray<string> = [], env: NodeJS.ProcessEnv = {}) =>
  new Promise<Run>((resolve) => {
    execFile(
      tsx,
      [`examples/${example}.ts`, ...args],
      { cwd: root, timeout: 60_000, env: { ...environment, NO_COLOR: "1", ...env } },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr })
    )
  })

const assertSucceeded = (result: Run) => assert.strictEqual(result.code, 0, `${result.stdout}\n${result.stderr}`)

const emulatorTarget = /^target: a fresh emulator at http:\/\/127\.0\.0\.1:\d+\/api\/v1/m

// Each test is a child process (~1-2 s): they run concurrently.
describe.concurrent("examples", () => {
  it("migrate-team moves the bundled CSV's users from sandbox to engineering and names who could not move", async () => {
    const result = await run("migrate-team")
    assertSucceeded(result)
    assert.match(result.stdout, emulatorTarget)
    assert.include(result.stdout, "moving 12 users listed in examples/data/team.csv from sandbox to engineering")
    assert.include(result.stdout, "moved 10 of 12 users from sandbox to engineering:")
    assert.include(result.stdout, "+ user_SRK5zh7U8j0xyK90Xaudv6uhSG3 (sophie.gosling@acme.example)")
    assert.include(result.stdout, "could not move 2:")
    assert.match(result.stdout, /! user_NWXGG6gEGJZQB1DXmdTk0aJ0r71 \(jean\.johnson@acme\.example\): .*SCIM/)
    assert.match(
      result.stdout,
      /! user_N9RZUF4crfIWxOK7StE1jzrW79U \(grace\.perlman@acme\.example\): .*active API keys/
    )
  })

  it("budgets-rollout sets monthly and daily budgets on every workspace", async () => {
    const result = await run("budgets-rollout")
    assertSucceeded(result)
    assert.include(result.stdout, "setting monthly 5000 and daily 200 USD on 5 workspaces")
    assert.match(result.stdout, /^set +engineering +daily 400 -> 200, monthly 10000 -> 5000$/m)
    assert.match(result.stdout, /^set +sandbox +monthly \(none\) -> 5000, daily 10 -> 200$/m)
    assert.include(result.stdout, "Budgets: 5 set, 0 unchanged, 0 failed.")
  })

  it("budgets-rollout reports a BudgetRuleError per workspace and exits with 1", async () => {
    const result = await run("budgets-rollout", ["--prefix", "data-", "--monthly", "30000"])
    assert.strictEqual(result.code, 1, result.stdout)
    assert.match(
      result.stdout,
      /^failed +data-science +BudgetRuleError: .*monthly \(30000\) must be less than lifetime/m
    )
    assert.include(result.stdout, "Budgets: 0 set, 0 unchanged, 1 failed.")
    assert.include(result.stderr, "error: 1 of 1 workspaces failed")
  })

  it("export-plan-apply plans, applies, and then plans nothing", async () => {
    const result = await run("export-plan-apply")
    const exported = /^exported 5 workspaces to (.*org\.yaml)$/m.exec(result.stdout)?.[1]
    // the default --out is a new temporary directory, left for the operator to read
    if (exported !== undefined) await Fs.promises.rm(Path.dirname(exported), { recursive: true, force: true })
    assertSucceeded(result)
    assert.isDefined(exported, result.stdout)
    assert.include(
      result.stdout,
      `wrote the changed manifest to ${Path.join(Path.dirname(exported!), "org.changed.yaml")}`
    )
    assert.match(result.stdout, /^\+ workspace "research" \("Research"\)$/m)
    assert.include(result.stdout, "~ budget daily: 10 -> 5")
    assert.include(result.stdout, "Plan: 8 to add, 1 to change, 3 to destroy.")
    assert.include(result.stdout, "applied: 6 done, 0 failed, 0 skipped, 0 users refused")
    assert.match(result.stdout, /planning again:\nNo changes\. The organization matches the manifest\./)
  })

  it("split-workspace clones engineering's budgets and moves the bundled users", async () => {
    const result = await run("split-workspace")
    assertSucceeded(result)
    assert.include(
      result.stdout,
      "created workspace engineering-platform (Engineering Platform) with the settings of engineering"
    )
    assert.include(result.stdout, "budgets: lifetime 50000, monthly 10000, weekly 2500, daily 400")
    assert.include(result.stdout, "moved 12 of 14 users from engineering to engineering-platform:")
    assert.include(result.stdout, "could not move 2:")
  })

  it("ignores OPENROUTER_API_KEY without --live", async () => {
    const result = await run("split-workspace", ["--users", "user_MafLja3oWHkjlYeXRvEaMZHQYq6"], {
      OPENROUTER_API_KEY: "sk-or-v1-not-a-real-key",
      OPENROUTER_BASE_URL: "https://openrouter.invalid/api/v1"
    })
    assertSucceeded(result)
    assert.match(result.stdout, emulatorTarget)
    assert.include(result.stdout, "moved 1 of 1 users")
  })

  it("--live without OPENROUTER_API_KEY fails before sending anything", async () => {
    const result = await run("migrate-team", ["--live"])
    assert.notStrictEqual(result.code, 0)
    assert.include(result.stderr, "OPENROUTER_API_KEY")
    assert.notMatch(result.stdout, /^target:/m)
  })
})
