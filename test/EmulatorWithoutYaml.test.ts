import { assert, describe, it } from "@effect/vitest"
import { vi } from "vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Emulator } from "../emulator/index.js"

// As if the optional peer dependency `yaml` were not installed.
vi.mock("yaml", () => {
  throw new Error("Cannot find package 'yaml'")
})

const seed: Emulator.Seed = { users: [{ id: "user_admin", role: "admin" }], workspaces: [{ slug: "a", name: "A" }] }

describe("Emulator without the yaml package", () => {
  it.scopedLive(
    "it starts, and reads a JSON seed file; a YAML seed file fails with an EmulatorError saying to install yaml",
    () =>
      Effect.gen(function* () {
        const dir = yield* Effect.acquireRelease(
          Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "emulator-no-yaml-"))),
          (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
        )
        Fs.writeFileSync(Path.join(dir, "seed.json"), JSON.stringify(seed))
        Fs.writeFileSync(Path.join(dir, "seed.yaml"), "users: []\n")
        const running = yield* Emulator.make({ seedFile: Path.join(dir, "seed.json") })
        assert.deepStrictEqual((yield* running.snapshot).workspaces.map((workspace) => workspace.slug).sort(), [
          "a",
          "default"
        ])
        const error = yield* Effect.flip(Emulator.make({ seedFile: Path.join(dir, "seed.yaml") }))
        assert.strictEqual(error._tag, "EmulatorError")
        assert.strictEqual(error.reason, "Seed")
        assert.include(error.message, "npm install yaml")
      })
  )
})
