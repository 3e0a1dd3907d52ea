import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Manifest } from "../src/index.js"

const yaml = `version: 1
workspaces:
  - slug: default
    name: Default
    budgets:
      monthly: 1000
  - slug: research
    name: Research
    description: Models under evaluation
    defaultTextModel: openai/gpt-4o
    ioLoggingApiKeyIds: null
    ioLoggingSamplingRate: 0.5
    budgets:
      lifetime: 5000
      monthly: 500
      daily: null
    includeByokInBudgets: true
    members:
      - u0001
      - u0002
`

const expected: Manifest.Manifest = {
  version: 1,
  workspaces: [
    { slug: "default", name: "Default", budgets: { monthly: 1000 } },
    {
      slug: "research",
      name: "Research",
      description: "Models under evaluation",
      defaultTextModel: "openai/gpt-4o",
      ioLoggingApiKeyIds: null,
      ioLoggingSamplingRate: 0.5,
      budgets: { lifetime: 5000, monthly: 500, daily: null },
      includeByokInBudgets: true,
      members: ["u0001", "u0002"]
    }
  ]
}

/** The issues of a text that must not parse, as `[path, rule, line]`. */
const issuesOf = (text: string) =>
  Effect.map(Effect.flip(Manifest.parse(text, "org.yaml")), (error) => {
    assert.strictEqual(error._tag, "ManifestError")
    assert.strictEqual(error.file, "org.yaml")
    return error.issues.map((issue) => [issue.path, issue.rule, issue.line] as const)
  })

const entry = (lines: string) => `workspaces:\n  - slug: research\n    name: Research\n${lines}`

describe("Manifest", () => {
  it.effect("parses YAML and the same document as JSON", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* Manifest.parse(yaml, "org.yaml"), expected)
      assert.deepStrictEqual(yield* Manifest.parse(JSON.stringify(expected, null, 2), "org.json"), expected)
    })
  )

  it.effect("stringify then parse gives the manifest back, in YAML and in JSON", () =>
    Effect.gen(function* () {
      const asYaml = yield* Manifest.stringify(expected)
      assert.include(asYaml, "defaultTextModel: openai/gpt-4o")
      assert.deepStrictEqual(yield* Manifest.parse(asYaml, "org.yaml"), expected)
      const asJson = yield* Manifest.stringify(expected, "org.json")
      assert.deepStrictEqual(JSON.parse(asJson), expected)
      assert.deepStrictEqual(yield* Manifest.parse(asJson, "org.json"), expected)
    })
  )

  describe("errors name the file, the path in the document, the rule and the line", () => {
    const cases: ReadonlyArray<readonly [string, string, string, RegExp, number | undefined]> = [
      [
        "a bad slug",
        "workspaces:\n  - slug: ok\n    name: Ok\n  - slug: Bad_Slug\n    name: Bad\n",
        "workspaces[1].slug",
        /lowercase alphanumeric segments/,
        4
      ],
      [
        "budgets out of order",
        entry("    budgets:\n      weekly: 50\n      daily: 60\n"),
        "workspaces[0].budgets.daily",
        /daily \(60\) must be less than weekly \(50\)/,
        6
      ],
      [
        "a duplicate slug",
        "workspaces:\n  - slug: a\n    name: A\n  - slug: a\n    name: Again\n",
        "workspaces[1].slug",
        /duplicates workspaces\[0\]\.slug/,
        4
      ],
      ["an unknown key", entry("    budget: 5\n"), "workspaces[0].budget", /is unexpected/, 4],
      ["a limit of 0", entry("    budgets:\n      monthly: 0\n"), "workspaces[0].budgets.monthly", /greater than 0/, 5],
      [
        "a duplicate member",
        entry("    members: [a, b, a]\n"),
        "workspaces[0].members[2]",
        /duplicates members\[0\]/,
        4
      ],
      [
        "a sampling rate above 1",
        entry("    ioLoggingSamplingRate: 2\n"),
        "workspaces[0].ioLoggingSamplingRate",
        /between 0.0001 and 1/,
        4
      ],
      ["a missing name", "workspaces:\n  - slug: research\n", "workspaces[0].name", /is missing/, 2],
      ["a YAML syntax error", "workspaces:\n  - slug: a\n  name: [\n", "(root)", /./, 3],
      ["an empty document", "", "(root)", /Expected Manifest/, undefined]
    ]
    for (const [what, text, path, rule, line] of cases) {
      it.effect(what, () =>
        Effect.gen(function* () {
          const [first] = yield* issuesOf(text)
          assert.strictEqual(first![0], path)
          assert.match(first![1], rule)
          assert.strictEqual(first![2], line)
        })
      )
    }
  })

  it.effect("reports every issue at once, one line each", () =>
    Effect.gen(function* () {
      const text = "workspaces:\n  - slug: Bad\n    name: ''\n    budgets:\n      daily: -1\n"
      const error = yield* Effect.flip(Manifest.parse(text, "org.yaml"))
      assert.deepStrictEqual(
        error.issues.map((_) => _.path),
        ["workspaces[0].slug", "workspaces[0].name", "workspaces[0].budgets.daily"]
      )
      assert.strictEqual(
        error.message.split("\n")[0],
        "org.yaml:2:5: workspaces[0].slug: must be lowercase alphanumeric segments separated by single hyphens (^[a-z0-9]+(?:-[a-z0-9]+)*$)"
      )
    })
  )

  it.effect("readFile reads a file and names it when it cannot", () =>
    Effect.gen(function* () {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "manifest-"))
      const file = Path.join(dir, "org.yaml")
      Fs.writeFileSync(file, yaml)
      assert.deepStrictEqual(yield* Manifest.readFile(file), expected)
      Fs.writeFileSync(file, "workspaces:\n  - slug: x\n")
      const invalid = yield* Effect.flip(Manifest.readFile(file))
      assert.match(invalid.message, new RegExp(`^${file}:2:5: workspaces\\[0\\]\\.name: is missing`))
      const missing = yield* Effect.flip(Manifest.readFile(Path.join(dir, "absent.yaml")))
      assert.strictEqual(missing.file, Path.join(dir, "absent.yaml"))
      assert.match(missing.issues[0].rule, /cannot be read/)
      Fs.rmSync(dir, { recursive: true })
    }).pipe(Effect.provide(NodeFileSystem.layer))
  )

  it.effect("members of a workspace slugged default parse: which one is the default is for Workflows.plan", () =>
    Effect.gen(function* () {
      const manifest = yield* Manifest.parse(
        "workspaces:\n  - slug: default\n    name: Default\n    members: [u0001]\n",
        "org.yaml"
      )
      assert.deepStrictEqual(manifest.workspaces[0]?.members, ["u0001"])
    })
  )

  it.effect("validate checks a manifest built in code", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Manifest.validate({ workspaces: [{ slug: "x", name: "X", budgets: { lifetime: 5, monthly: 5 } }] })
      )
      assert.deepStrictEqual(
        error.issues.map((_) => [_.path, _.line]),
        [["workspaces[0].budgets.monthly", undefined]]
      )
      assert.strictEqual(error.file, "(manifest)")
    })
  )
})

describe("Manifest.parse against hostile input", () => {
  it.effect("a YAML alias bomb is a ManifestError, in bounded time", () =>
    Effect.gen(function* () {
      const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
      for (let i = 1; i < 10; i++) {
        const previous = String.fromCharCode(96 + i)
        const name = String.fromCharCode(97 + i)
        levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(", ")}]`)
      }
      const bomb = `${levels.join("\n")}\nworkspaces: []\n`
      const error = yield* Effect.flip(Manifest.parse(bomb, "bomb.yaml"))
      assert.strictEqual(error._tag, "ManifestError")
      assert.include(error.message, "too many alias expansions")
    })
  )

  it.effect("a few aliases are fine", () =>
    Effect.gen(function* () {
      const text =
        "budgets: &b { monthly: 10 }\nworkspaces:\n  - { slug: a, name: A, budgets: *b }\n  - { slug: b, name: B, budgets: *b }\n"
      const error = yield* Effect.flip(Manifest.parse(text, "org.yaml"))
      // the top-level `budgets` key is not part of a manifest: the aliases expanded, the schema spoke
      assert.include(error.message, "budgets")
      assert.notInclude(error.message, "alias")
    })
  )
})
