import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { Emulator } from "../emulator/index.js"
import { environment, type Run, runScript } from "./support/scripts.js"

/** One example (or `bin/` script) as a child process running its build with plain node. */
const run = (example: string, args: ReadonlyArray<string> = [], env: NodeJS.ProcessEnv = {}) =>
  runScript(example.includes("/") ? example : `examples/${example}.ts`, args, {
    ...environment,
    NO_COLOR: "1",
    ...env
  })

const assertSucceeded = (result: Run) => assert.strictEqual(result.code, 0, `${result.stdout}\n${result.stderr}`)

const emulatorTarget = /^target: a fresh emulator at http:\/\/127\.0\.0\.1:\d+\/api\/v1/m

/** The temporary directory export-plan-apply writes its files to by default, removed. */
const removeExportDir = async (result: Run) => {
  const exported = /^exported \d+ workspaces to (.*org\.yaml)$/m.exec(result.stdout)?.[1]
  if (exported !== undefined) await Fs.promises.rm(Path.dirname(exported), { recursive: true, force: true })
  return exported
}

// Each run is a child process (~1-2 s of CPU): one at a time, so that the test never takes more
// than the core it runs on plus the one its child runs on.
describe("examples", () => {
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

  it("budgets-rollout sets monthly and daily budgets on every workspace but the default one", async () => {
    const result = await run("budgets-rollout")
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

  it("--default-workspace names the default workspace: budgets-rollout skips it, moves refuse it", async () => {
    const budgets = await run("budgets-rollout", ["--default-workspace", "sandbox"])
    const fromEnv = await run("budgets-rollout", ["--dry-run"], { OPENROUTER_DEFAULT_WORKSPACE: "sandbox" })
    const migrate = await run("migrate-team", ["--default-workspace", "sandbox"])
    assertSucceeded(budgets)
    assert.match(budgets.stdout, /^skipping sandbox: .*--include-default sets them too$/m)
    assert.notMatch(budgets.stdout, /^set +sandbox/m)
    assert.match(budgets.stdout, /^set +default +monthly \(none\) -> 5000, daily \(none\) -> 200$/m)
    assert.include(budgets.stdout, "Budgets: 4 set, 0 unchanged, 0 failed.")
    assertSucceeded(fromEnv)
    assert.match(fromEnv.stdout, /^skipping sandbox: /m)
    assert.notMatch(fromEnv.stdout, /^would set +sandbox/m)
    assert.strictEqual(migrate.code, 1, migrate.stdout)
    assert.include(migrate.stderr, "DefaultWorkspaceError")
    assert.notMatch(migrate.stdout, /^moved /m)
  })

  it("export-plan-apply plans, applies, and then plans nothing", async () => {
    const result = await run("export-plan-apply")
    // the default --out is a new temporary directory, left for the operator to read
    const exported = await removeExportDir(result)
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
      yield* Effect.promise(() => removeExportDir(result))
      assertSucceeded(result)
      assert.include(
        result.stdout,
        "(the organization already has a workspace research, left as it is: the new one is research-2)"
      )
      assert.match(result.stdout, /^\+ workspace "research-2" \("Research 2"\)$/m)
      assert.notMatch(result.stdout, /workspace "research"/)
      assert.match(result.stdout, /planning again:\nNo changes\. The organization matches the manifest\./)
      const after = yield* emulator.snapshot
      assert.deepStrictEqual(
        after.workspaces.find((workspace) => workspace.slug === "research"),
        before
      )
      assert.isDefined(after.workspaces.find((workspace) => workspace.slug === "research-2"))
      const touched = (yield* emulator.history).filter(
        (event) => "workspaceId" in event && event.workspaceId === before!.id
      )
      assert.deepStrictEqual(touched, [])
    })
  )

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

  it("--dry-run against the emulator prints who would move and moves nobody", async () => {
    const result = await run("migrate-team", ["--dry-run"])
    assertSucceeded(result)
    assert.match(result.stdout, emulatorTarget)
    assert.include(result.stdout, "dry run (--dry-run): reading only, no write will be sent")
    assert.include(result.stdout, "would move 12 of 12 users from sandbox to engineering:")
    assert.include(result.stdout, "+ user_SRK5zh7U8j0xyK90Xaudv6uhSG3 (sophie.gosling@acme.example)")
    assert.notMatch(result.stdout, /^moved |could not move/m)
    assert.match(result.stdout, /\nDry run: nothing was sent\. Run without --dry-run to apply\.\n$/)
  })

  it("budgets-rollout --dry-run prints the budget calls and the rule each workspace would break", async () => {
    const result = await run("budgets-rollout", ["--dry-run", "--monthly", "30000"])
    assert.strictEqual(result.code, 1, `${result.stdout}\n${result.stderr}`)
    assert.match(result.stdout, /^skipping default: /m)
    assert.include(result.stdout, "would set monthly 30000 and daily 200 USD on 4 workspaces")
    assert.match(result.stdout, /^would set +engineering +daily 400 -> 200, monthly 10000 -> 30000$/m)
    assert.match(
      result.stdout,
      /^would fail +data-science +BudgetRuleError: .*monthly \(30000\) must be less than lifetime/m
    )
    assert.include(result.stdout, "Budgets: 3 would be set, 0 unchanged, 1 would fail.")
    assert.include(result.stderr, "error: 1 of 4 workspaces would fail")
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
      // --dry-run wins over --yes
      const split = yield* Effect.promise(() => run("split-workspace", ["--live", "--dry-run", "--yes"], env))
      yield* Effect.promise(() => removeExportDir(exportPlan))
      const unconfirmed = "Re-run with --yes to apply."
      for (const result of [migrate, budgets, exportPlan, split]) {
        assertSucceeded(result)
        assert.include(result.stdout, `target: the live organization at ${emulator.baseUrl}`)
      }
      for (const result of [migrate, budgets, exportPlan]) {
        assert.include(result.stdout, "dry run (--live without --yes): reading only, no write will be sent")
        assert.match(result.stdout, new RegExp(`\\(--live writes only with --yes\\)\\. ${unconfirmed}\\n$`))
      }
      assert.include(migrate.stdout, "would move 12 of 12 users from sandbox to engineering:")
      assert.match(budgets.stdout, /^would set +default +monthly \(none\) -> 5000, daily \(none\) -> 200$/m)
      assert.include(budgets.stdout, "Budgets: 5 would be set, 0 unchanged, 0 would fail.")
      assert.include(exportPlan.stdout, "Plan: 8 to add, 1 to change, 3 to destroy.")
      assert.include(exportPlan.stdout, "Dry run: the plan was not applied, nothing was sent")
      assert.notInclude(exportPlan.stdout, "applied:")
      assert.include(split.stdout, "dry run (--dry-run): reading only, no write will be sent")
      assert.include(
        split.stdout,
        "would create workspace engineering-platform (Engineering Platform) with the settings of engineering"
      )
      assert.include(split.stdout, "budgets: lifetime 50000, monthly 10000, weekly 2500, daily 400")
      assert.include(split.stdout, "would move 14 of 14 users from engineering to engineering-platform:")
      assert.match(split.stdout, /Run without --dry-run and with --yes to apply\.\n$/)

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
