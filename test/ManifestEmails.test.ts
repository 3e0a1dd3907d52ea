import { assert, describe, layer } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { Emulator } from "../emulator/index.js"
import { Manifest, Plan } from "../src/index.js"
import { emulatorWithClient } from "./support/layers.js"

/** Ada's email is written with capitals in the organization; Dee and Eve share one. */
const seed = (workspaces: NonNullable<Emulator.Seed["workspaces"]>): Emulator.Seed => ({
  users: [
    { id: "admin", role: "admin" },
    { id: "user_ada", email: "Ada@Example.com", firstName: "Ada", lastName: "Lovelace", role: "member" },
    { id: "user_bob", email: "bob@example.com", role: "member" },
    { id: "user_cy", email: "cy@example.com", role: "member" },
    { id: "user_dee", email: "shared@example.com", role: "member" },
    { id: "user_eve", email: "Shared@Example.com", role: "member" }
  ],
  workspaces
})

/** The operations the emulator answered since the log was last cleared, and the writes among them. */
const requestsSince = Effect.gen(function* () {
  const emulator = yield* Emulator.Emulator
  const requests = yield* emulator.requests
  yield* emulator.clearRequests
  return {
    operations: requests.map((request) => request.operation),
    writes: requests.filter((request) => request.method !== "GET").map((_) => `${_.method} ${_.path}`)
  }
})

const clearRequests = Effect.flatMap(Emulator.Emulator, (emulator) => emulator.clearRequests)

const membersOf = (slug: string) =>
  Effect.gen(function* () {
    const snapshot = yield* Effect.flatMap(Emulator.Emulator, (emulator) => emulator.snapshot)
    const workspace = snapshot.workspaces.find((_) => _.slug === slug)!
    return snapshot.memberships
      .filter((_) => _.workspaceId === workspace.id)
      .map((_) => _.userId)
      .sort()
  })

const membersBySlug = (manifest: Manifest.Manifest) =>
  Object.fromEntries(manifest.workspaces.map((entry) => [entry.slug, entry.members]))

const changesOf = (plan: Plan.Plan) =>
  plan.changes.map((step) => [step._tag, step.workspace, "userIds" in step ? step.userIds : []] as const)

describe("members by email", () => {
  layer(emulatorWithClient({ seed: seed([{ slug: "alpha", name: "Alpha", members: ["user_cy"] }]) }))((it) => {
    it.effect("emails, in any case and with spaces around, plan as user ids; applied, the plan is empty", () =>
      Effect.gen(function* () {
        const manifest = yield* Manifest.parse(
          `workspaces:
  - slug: alpha
    name: Alpha
    members: [ada@example.com, user_cy]
  - slug: research
    name: Research
    members: [" BOB@example.com ", user_ada]
`,
          "org.yaml"
        )
        yield* clearRequests
        const plan = yield* Plan.make(manifest, { file: "org.yaml" })
        assert.deepStrictEqual(changesOf(plan), [
          ["AddMembers", "alpha", ["user_ada"]],
          ["CreateWorkspace", "research", []],
          ["AddMembers", "research", ["user_bob", "user_ada"]]
        ])
        const planned = yield* requestsSince
        assert.strictEqual(planned.operations.filter((_) => _ === "listOrganizationMembers").length, 1)
        assert.deepStrictEqual(planned.writes, [])

        yield* Stream.runDrain(Plan.apply(plan))
        assert.deepStrictEqual(yield* membersOf("alpha"), ["user_ada", "user_cy"])
        assert.deepStrictEqual(yield* membersOf("research"), ["user_ada", "user_bob"])
        assert.isTrue(Plan.isEmpty(yield* Plan.make(manifest, { file: "org.yaml" })))
      })
    )

    it.effect("a manifest without emails does not read the organization's members", () =>
      Effect.gen(function* () {
        yield* clearRequests
        yield* Plan.make({ workspaces: [{ slug: "alpha", name: "Alpha", members: ["user_ada", "user_cy"] }] })
        assert.notInclude((yield* requestsSince).operations, "listOrganizationMembers")
      })
    )

    it.effect("protect takes emails too", () =>
      Effect.gen(function* () {
        const plan = yield* Plan.make(
          {
            protect: ["Cy@Example.com"],
            workspaces: [
              { slug: "alpha", name: "Alpha", members: ["ada@example.com"] },
              { slug: "research", name: "Research" }
            ]
          },
          { prune: true }
        )
        assert.deepStrictEqual(changesOf(plan), [])
      })
    )

    it.effect("someone listed by id and by email is a duplicate member, named as written", () =>
      Effect.gen(function* () {
        yield* clearRequests
        const error = yield* Effect.flip(
          Plan.make(
            { workspaces: [{ slug: "alpha", name: "Alpha", members: ["user_ada", "user_cy", " ADA@example.com"] }] },
            { file: "org.yaml" }
          )
        )
        assert.strictEqual(error._tag, "ManifestError")
        assert.strictEqual(
          error.message,
          'org.yaml: workspaces[0].members[2]: duplicates members[0] ("user_ada"): both name user_ada'
        )
        assert.deepStrictEqual((yield* requestsSince).operations, ["listOrganizationMembers"])
      })
    )
  })

  layer(
    emulatorWithClient({
      seed: seed([
        { slug: "alpha", name: "Alpha", members: ["user_cy"] },
        { slug: "beta", name: "Beta", members: ["user_dee", "user_eve", "user_ada"] }
      ])
    })
  )((it) => {
    /** Plans and, were planning to succeed, applies: the error comes before either sends anything. */
    const planAndApply = (text: string) =>
      Effect.gen(function* () {
        const manifest = yield* Manifest.parse(text, "org.yaml")
        yield* clearRequests
        const plan = yield* Plan.make(manifest, { file: "org.yaml", prune: true })
        return yield* Stream.runCollect(Plan.apply(plan))
      })

    it.effect("an unknown email fails with the file, the path and the entry, every one, and nothing is sent", () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(
          planAndApply(`protect: [ghost@example.com]
workspaces:
  - slug: alpha
    name: Alpha
    members: [user_cy, nobody@example.com, ada@example.com]
  - slug: beta
    name: Beta
    members: [ "Nobody@Example.com" ]
`)
        )
        assert.strictEqual(error._tag, "ManifestEmailError")
        if (error._tag !== "ManifestEmailError") return
        assert.strictEqual(error.file, "org.yaml")
        assert.deepStrictEqual(error.entries, [
          { path: "protect[0]", email: "ghost@example.com", userIds: [] },
          { path: "workspaces[0].members[1]", email: "nobody@example.com", userIds: [] },
          { path: "workspaces[1].members[0]", email: "Nobody@Example.com", userIds: [] }
        ])
        assert.strictEqual(
          error.message,
          [
            'org.yaml: protect[0]: "ghost@example.com": no organization member has this email',
            'org.yaml: workspaces[0].members[1]: "nobody@example.com": no organization member has this email',
            'org.yaml: workspaces[1].members[0]: "Nobody@Example.com": no organization member has this email'
          ].join("\n")
        )
        assert.deepStrictEqual(yield* requestsSince, { operations: ["listOrganizationMembers"], writes: [] })
      })
    )

    it.effect("an email two members share is ambiguous: it fails naming both, and nothing is sent", () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(
          planAndApply(`workspaces:
  - slug: alpha
    name: Alpha
    members: [user_cy, ada@example.com, shared@example.com]
`)
        )
        assert.strictEqual(error._tag, "ManifestEmailError")
        if (error._tag !== "ManifestEmailError") return
        assert.deepStrictEqual(error.entries, [
          { path: "workspaces[0].members[2]", email: "shared@example.com", userIds: ["user_dee", "user_eve"] }
        ])
        assert.strictEqual(
          error.message,
          'org.yaml: workspaces[0].members[2]: "shared@example.com": 2 organization members have this email ' +
            "(user_dee, user_eve): name one by user id"
        )
        assert.deepStrictEqual(yield* requestsSince, { operations: ["listOrganizationMembers"], writes: [] })
      })
    )

    it.effect("exportState membersAs email writes unique emails, ids for the rest, and plans to nothing", () =>
      Effect.gen(function* () {
        const exported = yield* Manifest.exportState({ membersAs: "email" })
        assert.deepStrictEqual(membersBySlug(exported), {
          default: undefined,
          alpha: ["cy@example.com"],
          beta: ["Ada@Example.com", "user_dee", "user_eve"]
        })
        assert.deepStrictEqual(membersBySlug(yield* Manifest.exportState()), {
          default: undefined,
          alpha: ["user_cy"],
          beta: ["user_ada", "user_dee", "user_eve"]
        })

        const reparsed = yield* Manifest.parse(yield* Manifest.stringify(exported), "export.yaml")
        yield* clearRequests
        assert.isTrue(Plan.isEmpty(yield* Plan.make(reparsed, { prune: true, file: "export.yaml" })))
        assert.deepStrictEqual((yield* requestsSince).writes, [])
      })
    )
  })
})
