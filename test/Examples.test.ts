import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { Emulator } from "../emulator/index.js"
import { environment, type From, type Run, runScript } from "./support/scripts.js"

const runFrom =
  (from: From) =>
  (example: string, args: ReadonlyArray<string> = [], env: NodeJS.ProcessEnv = {}) =>
    runScript(
      example.includes("/") ? example : `examples/${example}.ts`,
      args,
      { ...environment, NO_COLOR: "1", ...env },
      from
    )

/** One example (or `bin/` script) as a child process running its bundle with plain node. */
const run = runFrom("bundle")

/**
 * One example as the README runs it, `node dist/examples/<name>.js`: the package imported by its
 * name, which node resolves through the package's `exports` to `dist/`. The first test of each
 * example runs it so; the others run its bundle, which costs a third of the CPU.
 */
const runAsDocumented = runFrom("build")

const assertSucceeded = (result: Run) => assert.strictEqual(result.code, 0, `${result.stdout}\n${result.stderr}`)

const emulatorTarget = /^target: a fresh emulator at http:\/\/127\.0\.0\.1:\d+\/api\/v1/m

// Each run is a child process (~0.7 s of CPU from a bundle, 2 s from dist/examples/): one at a time,
// so that the test never takes more than the core it runs on plus the one its child runs on.
describe("examples", () => {
  it("migrate-team moves the bundled CSV's users from sandbox to engineering and names who could not move", async () => {
    const result = await runAsDocumented("migrate-team")
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

  it("budgets-rollout sets monthly and daily budgets on every workspace but the default one", async () => {
    const result = await runAsDocumented("budgets-rollout")
    assertSucceeded(result)
    assert.match(result.stdout, /^skipping default: .*--include-default sets them too$/m)
    assert.include(result.stdout, "setting monthly 5000 and daily 200 USD on 4 workspaces")
    assert.match(result.stdout, /^set +engineering +daily 400 -> 200, monthly 10000 -> 5000$/m)
    assert.match(result.stdout, /^set +sandbox +monthly \(none\) -> 5000, daily 10 -> 200$/m)
    assert.notMatch(result.stdout, /^set +default/m)
    assert.include(result.stdout, "Budgets: 4 set, 0 unchanged, 0 failed.")
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

  it("OPENROUTER_DEFAULT_WORKSPACE names the default workspace: budgets-rollout skips it, moves refuse it", async () => {
    const env = { OPENROUTER_DEFAULT_WORKSPACE: "sandbox" }
    const budgets = await run("budgets-rollout", [], env)
    const migrate = await run("migrate-team", [], env)
    assertSucceeded(budgets)
    assert.match(budgets.stdout, /^skipping sandbox: .*--include-default sets them too$/m)
    assert.notMatch(budgets.stdout, /^set +sandbox/m)
    assert.match(budgets.stdout, /^set +default +monthly \(none\) -> 5000, daily \(none\) -> 200$/m)
    assert.include(budgets.stdout, "Budgets: 4 set, 0 unchanged, 0 failed.")
    assert.strictEqual(migrate.code, 1, migrate.stdout)
    assert.include(migrate.stderr, "DefaultWorkspaceError")
    assert.notMatch(migrate.stdout, /^moved /m)
  })

  it("export-plan-apply plans members by email, applies, and plans again: only what the API refused is left", async () => {
    const result = await runAsDocumented("export-plan-apply")
    assertSucceeded(result)
    assert.include(result.stdout, "exported 5 workspaces; the edit adds research, changes sandbox")
    assert.match(result.stdout, /^\+ workspace "research" \("Research"\)$/m)
    // the five data-science members, named by email in the manifest, planned by user id
    assert.match(result.stdout, /^ +\+ members \(5\): user_\w+(, user_\w+){4}$/m)
    assert.include(result.stdout, "~ budget daily: 10 -> 5")
    assert.include(result.stdout, "Plan: 8 to add, 1 to change, 1 to destroy; 2 changes blocked.")
    assert.include(result.stdout, "to unblock them, disable or delete the API keys 'notebook', 'backfill'")
    assert.match(result.stdout, /^ +refused user_5qfc4TSQEzRW2wrvzUQpjpZytwu: .*SCIM/m)
    assert.include(result.stdout, "applied: 6 done, 0 failed, 0 skipped, 1 users refused")
    const again = result.stdout.slice(result.stdout.indexOf("planning again:"))
    assert.include(again, "- members (1): user_5qfc4TSQEzRW2wrvzUQpjpZytwu")
    assert.include(again, "Plan: 0 to add, 0 to change, 1 to destroy; 2 changes blocked.")
  })

  it.scopedLive("export-plan-apply leaves an existing research workspace alone and creates research-2", () =>
    Effect.gen(function* () {
      const builtin = Emulator.builtinSeed()
      const emulator = yield* Emulator.make({
        seed: {
          ...builtin,
          workspaces: [
            ...(builtin.workspaces ?? []),
            { slug: "research", name: "Research (existing)", budgets: { monthly: 123 } }
          ]
        }
      })
      const before = (yield* emulator.snapshot).workspaces.find((workspace) => workspace.slug === "research")
      const result = yield* Effect.promise(() =>
        run("export-plan-apply", ["--live", "--yes"], {
          OPENROUTER_API_KEY: Redacted.value(emulator.managementKey),
          OPENROUTER_BASE_URL: emulator.baseUrl
        })
      )
      assertSucceeded(result)
      assert.include(result.stdout, "the edit adds research-2, changes sandbox")
      assert.match(result.stdout, /^\+ workspace "research-2" \("Research 2"\)$/m)
      assert.notMatch(result.stdout, /workspace "research"/)
      assert.include(result.stdout, "applied: 6 done, 0 failed, 0 skipped, 1 users refused")
      const after = yield* emulator.snapshot
      assert.deepStrictEqual(
        after.workspaces.find((workspace) => workspace.slug === "research"),
        before
      )
      const research2 = after.workspaces.find((workspace) => workspace.slug === "research-2")
      assert.isDefined(research2)
      assert.lengthOf(
        after.memberships.filter((membership) => membership.workspaceId === research2!.id),
        5
      )
      const touched = (yield* emulator.history).filter(
        (event) => "workspaceId" in event && event.workspaceId === before!.id
      )
      assert.deepStrictEqual(touched, [])
    })
  )

  it("split-workspace clones engineering's budgets and moves the bundled users", async () => {
    const result = await runAsDocumented("split-workspace")
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

  // One emulator in this process stands for the live organization: its request log shows what each run sent.
  it.scopedLive("--live is a dry run without --yes: every example only reads; with --yes the writes arrive", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.make({ seed: Emulator.builtinSeed() })
      const env = {
        OPENROUTER_API_KEY: Redacted.value(emulator.managementKey),
        OPENROUTER_BASE_URL: emulator.baseUrl
      }
      const migrate = yield* Effect.promise(() => run("migrate-team", ["--live"], env))
      const budgets = yield* Effect.promise(() => run("budgets-rollout", ["--live", "--include-default"], env))
      const exportPlan = yield* Effect.promise(() => run("export-plan-apply", ["--live"], env))
      const split = yield* Effect.promise(() => run("split-workspace", ["--live"], env))
      for (const result of [migrate, budgets, exportPlan, split]) {
        assertSucceeded(result)
        assert.include(result.stdout, `target: the live organization at ${emulator.baseUrl}`)
        assert.match(
          result.stdout,
          /\nDry run: nothing was sent \(--live writes only with --yes\)\. Re-run with --yes to apply\.\n$/
        )
      }
      assert.include(migrate.stdout, "would move 12 of 12 users from sandbox to engineering:")
      assert.include(migrate.stdout, "+ user_SRK5zh7U8j0xyK90Xaudv6uhSG3 (sophie.gosling@acme.example)")
      assert.match(budgets.stdout, /^would set +default +monthly \(none\) -> 5000, daily \(none\) -> 200$/m)
      assert.match(budgets.stdout, /^would set +engineering +monthly 10000 -> 5000, daily 400 -> 200$/m)
      assert.include(budgets.stdout, "Budgets: 5 would be set, 0 unchanged, 0 failed.")
      assert.include(exportPlan.stdout, "Plan: 8 to add, 1 to change, 1 to destroy; 2 changes blocked.")
      assert.notInclude(exportPlan.stdout, "applying")
      assert.include(
        split.stdout,
        "would create workspace engineering-platform (Engineering Platform), or update it, with the settings of engineering"
      )
      assert.include(split.stdout, "budgets: lifetime 50000, monthly 10000, weekly 2500, daily 400")
      assert.include(split.stdout, "would move 14 users from engineering to engineering-platform:")

      const reads = yield* emulator.requests
      assert.isAbove(reads.length, 0)
      assert.deepStrictEqual(
        reads.filter((request) => request.method !== "GET").map(({ method, path }) => `${method} ${path}`),
        []
      )
      assert.deepStrictEqual(yield* emulator.history, [])

      const confirmed = yield* Effect.promise(() => run("migrate-team", ["--live", "--yes"], env))
      assertSucceeded(confirmed)
      assert.notInclude(confirmed.stdout, "dry run")
      assert.include(confirmed.stdout, "moved 10 of 12 users from sandbox to engineering:")
      const writes = (yield* emulator.requests).filter((request) => request.method !== "GET")
      assert.includeMembers(
        writes.map((request) => request.operation),
        ["bulkAddMembers", "bulkRemoveMembers"]
      )
      assert.isAbove((yield* emulator.history).length, 0)
    })
  )
})

describe("npm start", () => {
  it("runs the demo migration end to end and converges", async () => {
    const result = await run("bin/start.ts")
    assertSucceeded(result)
    assert.match(result.stdout, /^npm start: a whole migration from a manifest against an embedded emulator/)
    const written = /^Desired state written to (.*org\.yaml)$/m.exec(result.stdout)?.[1]
    assert.isDefined(written, result.stdout)
    assert.isFalse(Fs.existsSync(Path.dirname(written!)), "its temporary directory is gone")
    assert.include(result.stdout, "The same against a real organization, with a management key")
    assert.match(result.stdout, /^Emulator at http:\/\/127\.0\.0\.1:\d+\/api\/v1/m)
    assert.match(result.stdout, /^Plan: \d+ to add, \d+ to change, \d+ to destroy\.$/m)
    assert.match(result.stdout, /^\[ ?1\/\d+\] /m, "one progress line per step when not on a terminal")
    assert.include(result.stdout, "Summary")
    assert.include(result.stdout, "No changes. The organization matches the manifest.")
  })
})
