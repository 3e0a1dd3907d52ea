import { assert, describe, it } from "@effect/vitest"
import { vi } from "vitest"
import { Effect } from "effect"
import { Manifest } from "../src/index.js"

// As if the optional peer dependency `yaml` were not installed.
vi.mock("yaml", () => {
  throw new Error("Cannot find package 'yaml'")
})

const manifest: Manifest.Manifest = { workspaces: [{ slug: "research", name: "Research", members: ["u1"] }] }

describe("Manifest without the yaml package", () => {
  it.effect("JSON manifests are still read and written", () =>
    Effect.gen(function* () {
      const text = yield* Manifest.stringify(manifest, "org.json")
      assert.deepStrictEqual(yield* Manifest.parse(text, "org.json"), manifest)
      const invalid = yield* Effect.flip(Manifest.parse(`{"workspaces":[{"slug":"Bad Slug","name":"x"}]}`, "org.json"))
      assert.strictEqual(invalid.issues[0]?.path, "workspaces[0].slug")
      const broken = yield* Effect.flip(Manifest.parse("{", "org.json"))
      assert.match(broken.message, /^org\.json: \(root\): invalid JSON/)
    })
  )

  it.effect("a YAML manifest fails with a ManifestError saying to install yaml", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Manifest.parse("workspaces: []", "org.yaml"))
      assert.strictEqual(error._tag, "ManifestError")
      assert.include(error.message, "npm install yaml")
      assert.include((yield* Effect.flip(Manifest.stringify(manifest, "org.yaml"))).message, "npm install yaml")
    })
  )
})
