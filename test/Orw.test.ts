import { FetchHttpClient } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Os from "node:os"
import * as Path from "node:path"
import { Emulator } from "../emulator/index.js"
import { Manifest, Plan, Workspaces } from "../src/index.js"
import { environment, runScript } from "./support/scripts.js"

const seed: Emulator.Seed = {
  users: [
    { id: "user_admin", role: "admin" },
    ...Array.from({ length: 30 }, (_, i) => ({ id: `user_${i}`, role: "member" as const }))
  ],
  workspaces: [
    { slug: "alpha", name: "Alpha", members: ["user_0", "user_1", "user_2"], budgets: { monthly: 100 } },
    { slug: "beta", name: "Beta", members: ["user_3"] }
  ]
}

/** An emulator standing for the live organization, a temporary directory, and `orw` run against both. */
const setupWith = (seed: Emulator.Seed) =>
  Effect.gen(function* () {
    const emulator = yield* Emulator.make({ seed })
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "orw-test-"))),
      (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
    )
    const orwAt =
      (baseUrl: string) =>
      (...args: ReadonlyArray<string>) =>
        Effect.promise(() =>
          runScript("cli/orw.ts", [...args, "--base-url", baseUrl], {
            ...environment,
            NO_COLOR: "1",
            OPENROUTER_API_KEY: Redacted.value(emulator.managementKey)
          })
        )
    const orw = orwAt(emulator.baseUrl)
    const file = (name: string) => Path.join(dir, name)
    const writes = Effect.map(emulator.requests, (requests) =>
      requests.filter((request) => request.method !== "GET").map((request) => `${request.method} ${request.path}`)
    )
    return { emulator, orw, orwAt, file, writes }
  })

/** Another operator's change to beta's description, straight to the emulator. */
const changeBeta = (emulator: Emulator.Service) =>
  fetch(`${emulator.baseUrl}/workspaces/beta`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${Redacted.value(emulator.managementKey)}`, "content-type": "application/json" },
    body: JSON.stringify({ description: "changed by someone else" })
  })

const hopByHop = new Set(["host", "connection", "content-length", "accept-encoding", "transfer-encoding", "keep-alive"])

/**
 * A proxy in front of the emulator, for `orw`: each request is forwarded and answered as the emulator
 * answered it, but once the emulator's answer to a request is in, `afterAnswer` runs before orw gets
 * it. Its base URL is the emulator's path on the proxy's port.
 */
const proxyTo = (emulator: Emulator.Service, afterAnswer: (method: string, path: string) => Promise<void>) =>
  Effect.acquireRelease(
    Effect.async<Http.Server>((resume) => {
      const server = Http.createServer((request, response) => {
        const chunks: Array<Buffer> = []
        request.on("data", (chunk: Buffer) => chunks.push(chunk))
        request.on("end", async () => {
          const headers = Object.entries(request.headers).flatMap(([name, value]) =>
            hopByHop.has(name) || value === undefined ? [] : [[name, String(value)] as [string, string]]
          )
          const upstream = await fetch(`${emulator.origin}${request.url}`, {
            method: request.method!,
            headers,
            ...(chunks.length === 0 ? {} : { body: Buffer.concat(chunks) })
          })
          const body = await upstream.text()
          await afterAnswer(request.method!, request.url!)
          const back: Record<string, string> = {}
          upstream.headers.forEach((value, name) => {
            if (!hopByHop.has(name) && name !== "content-encoding") back[name] = value
          })
          response.writeHead(upstream.status, back)
          response.end(body)
        })
      })
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(
    Effect.map((server) => {
      const { port } = server.address() as { readonly port: number }
      return emulator.baseUrl.replace(`:${emulator.port}/`, `:${port}/`)
    })
  )

const setup = setupWith(seed)

/** The exported manifest with `research` added, a member added to alpha and beta's name changed. */
const edit = (manifest: Manifest.Manifest): Manifest.Manifest => ({
  ...manifest,
  workspaces: [
    ...manifest.workspaces.map((entry) =>
      entry.slug === "alpha"
        ? { ...entry, members: ["user_0", "user_1", "user_2", "user_5"] }
        : entry.slug === "beta"
          ? { ...entry, name: "Beta 2" }
          : entry
    ),
    { slug: "research", name: "Research", budgets: { monthly: 50, daily: 5 }, members: ["user_2", "user_10"] }
  ]
})

const editExport = (file: (name: string) => string) =>
  Effect.gen(function* () {
    const exported = yield* Effect.orDie(Manifest.parse(Fs.readFileSync(file("org.yaml"), "utf8"), "org.yaml"))
    Fs.writeFileSync(file("org.edited.yaml"), yield* Effect.orDie(Manifest.stringify(edit(exported), "org.yaml")))
  })

// Each orw run is a child process: one at a time.
describe("orw", () => {
  it.scopedLive("export, edit, plan -o, apply the saved plan, then plan --detailed-exitcode exits 0", () =>
    Effect.gen(function* () {
      const { emulator, file, orw, writes } = yield* setup
      const exported = yield* orw("export", "-o", file("org.yaml"))
      assert.strictEqual(exported.code, 0, exported.stderr)
      assert.include(exported.stderr, "exported 3 workspaces to")
      yield* editExport(file)

      const planned = yield* orw("plan", file("org.edited.yaml"), "-o", file("plan.json"), "--detailed-exitcode")
      assert.strictEqual(planned.code, 2, "changes to apply: exit 2\n" + planned.stderr)
      assert.match(planned.stdout, /^\+ workspace "research" \("Research"\)$/m)
      assert.include(planned.stdout, "Plan: ")
      assert.deepStrictEqual(yield* writes, [], "planning sends no write")

      const applied = yield* orw("apply", file("plan.json"), "--audit-log", file("audit.jsonl"))
      assert.strictEqual(applied.code, 0, applied.stdout + applied.stderr)
      assert.match(applied.stdout, /^\[ ?\d+\/\d+\] done +\+ create workspace research$/m)
      assert.include(applied.stdout, "0 failed, 0 skipped")

      // the audit log and the emulator's history name the same changes, request for request
      const audit = Fs.readFileSync(file("audit.jsonl"), "utf8")
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line))
      const history = yield* emulator.history
      const changedBy = new Map<string, Array<Emulator.HistoryEvent>>()
      for (const event of history) {
        const id = `req_${event.requestSeq}`
        changedBy.set(id, [...(changedBy.get(id) ?? []), event])
      }
      assert.deepStrictEqual(
        audit.map((line) => line.requestId).sort(),
        Array.from(changedBy.keys()).sort(),
        "one audit line per request that changed something"
      )
      for (const line of audit) {
        assert.strictEqual(line.outcome, line.operation === "create" ? 201 : 200, JSON.stringify(line))
        const events = changedBy.get(line.requestId)!
        if (line.operation === "bulkAddMembers") {
          assert.deepStrictEqual(
            [...line.userIds].sort(),
            events.map((event) => (event.type === "memberAdded" ? event.userId : event.type)).sort()
          )
        }
        if (line.operation === "setBudget") {
          assert.deepStrictEqual(
            events.map((event) => event.type === "budgetSet" && [event.interval, event.limitUsd]),
            [[line.budget.interval, line.budget.limitUsd]]
          )
        }
      }
      assert.includeMembers(
        audit.map((line) => `${line.workspace} ${line.operation}`),
        ["research create", "research bulkAddMembers", "research setBudget", "alpha bulkAddMembers", "beta update"]
      )

      const again = yield* orw("plan", file("org.edited.yaml"), "--detailed-exitcode")
      assert.strictEqual(again.code, 0, again.stdout + again.stderr)
      assert.include(again.stdout, "No changes. The organization matches the manifest.")
      const state = yield* emulator.snapshot
      const research = state.workspaces.find((w) => w.slug === "research")!
      assert.deepStrictEqual(
        state.memberships
          .filter((m) => m.workspaceId === research.id)
          .map((m) => m.userId)
          .sort(),
        ["user_10", "user_2"]
      )
      assert.strictEqual(state.workspaces.find((w) => w.slug === "beta")!.name, "Beta 2")
    })
  )

  it.scopedLive("export --members-as email writes emails, which plan back to the same members", () =>
    Effect.gen(function* () {
      const { emulator, file, orw } = yield* setup
      const exported = yield* orw("export", "--members-as", "email", "-o", file("org.yaml"))
      assert.strictEqual(exported.code, 0, exported.stderr)
      const manifest = yield* Effect.orDie(Manifest.parse(Fs.readFileSync(file("org.yaml"), "utf8"), "org.yaml"))
      assert.deepStrictEqual(
        manifest.workspaces.map((entry) => entry.members),
        [undefined, ["user_0@example.com", "user_1@example.com", "user_2@example.com"], ["user_3@example.com"]]
      )
      const client = Workspaces.layer({ apiKey: emulator.managementKey, baseUrl: emulator.baseUrl }).pipe(
        Layer.provide(FetchHttpClient.layer)
      )
      const plan = yield* Effect.orDie(
        Plan.make(manifest, { prune: true, file: "org.yaml" }).pipe(Effect.provide(client))
      )
      assert.isTrue(Plan.isEmpty(plan), Plan.render(plan))
    })
  )

  it.scopedLive(
    "blocked changes: shown and saved by plan, not sent by apply, then plan --detailed-exitcode exits 3",
    () =>
      Effect.gen(function* () {
        const { emulator, file, orw, writes } = yield* setupWith({
          ...seed,
          apiKeys: [
            { userId: "user_1", workspace: "alpha", name: "prod" },
            { userId: "user_3", workspace: "beta", name: "ci" }
          ]
        })
        Fs.writeFileSync(
          file("org.yaml"),
          yield* Effect.orDie(
            Manifest.stringify({ workspaces: [{ slug: "alpha", name: "Alpha", members: ["user_0"] }] }, "org.yaml")
          )
        )
        const planned = yield* orw("plan", file("org.yaml"), "--prune", "-o", file("plan.json"), "--detailed-exitcode")
        assert.strictEqual(planned.code, 2, planned.stdout + planned.stderr)
        assert.include(
          planned.stdout,
          `Blocked (never sent: the API refuses these until their cause is fixed):
    - member user_1 of "alpha": holds 1 active API key in alpha: 'prod' — disable or delete it first
    - workspace "beta" ("Beta"): holds 1 active API key: 'ci' — disable or delete it first`
        )
        assert.include(planned.stdout, "Plan: 0 to add, 0 to change, 1 to destroy; 2 changes blocked.")
        const saved = JSON.parse(Fs.readFileSync(file("plan.json"), "utf8"))
        assert.deepStrictEqual(
          saved.blocked.map((entry: Plan.BlockedChange) => [entry.change._tag, entry.change.workspace]),
          [
            ["RemoveMembers", "alpha"],
            ["DeleteWorkspace", "beta"]
          ]
        )

        const applied = yield* orw("apply", file("plan.json"), "--max-removals", "50")
        assert.strictEqual(applied.code, 0, applied.stdout + applied.stderr)
        assert.include(applied.stdout, "blocked, not sent: delete workspace beta: holds 1 active API key: 'ci'")
        assert.include(
          applied.stdout,
          "1 of 1 done, 0 failed, 0 skipped, 0 users refused; 2 changes blocked, not sent."
        )
        // the table it ends with: a row per workspace, then the totals
        assert.include(
          applied.stdout,
          [
            "workspace  done  failed  skipped  refused  blocked",
            "---------  ----  ------  -------  -------  -------",
            "alpha         1       0        0        0        1",
            "beta          0       0        0        0        1",
            "---------  ----  ------  -------  -------  -------",
            "total         1       0        0        0        2"
          ].join("\n")
        )
        assert.notInclude(applied.stdout, "\u001b[", "no escape codes (no bar) when not on a terminal")
        assert.deepStrictEqual(yield* writes, ["POST /api/v1/workspaces/alpha/members/remove"])
        const [removal] = (yield* emulator.requests).filter((request) => request.operation === "bulkRemoveMembers")
        assert.deepStrictEqual(removal?.body, { user_ids: ["user_2"] })

        const again = yield* orw("plan", file("org.yaml"), "--prune", "--detailed-exitcode")
        assert.strictEqual(again.code, 3, "nothing to apply, changes blocked: exit 3\n" + again.stdout + again.stderr)
        assert.match(again.stdout, /^No changes to send: converged; 2 changes blocked\.$/m)
      })
  )

  it.scopedLive("a saved plan is refused for a workspace changed since, with nothing sent for it", () =>
    Effect.gen(function* () {
      const { emulator, file, orw, writes } = yield* setup
      assert.strictEqual((yield* orw("export", "-o", file("org.yaml"))).code, 0)
      yield* editExport(file)
      assert.strictEqual((yield* orw("plan", file("org.edited.yaml"), "-o", file("plan.json"))).code, 0)
      // someone else changes beta after the plan was made
      const other = yield* Effect.promise(() => changeBeta(emulator))
      assert.strictEqual(other.status, 200)
      yield* emulator.clearRequests

      const applied = yield* orw("apply", file("plan.json"))
      assert.strictEqual(applied.code, 1, applied.stdout + applied.stderr)
      assert.match(
        applied.stdout,
        /^refused: workspace beta changed since the plan was made \(settings\): nothing was sent for it; run orw plan again$/m
      )
      const sent = yield* writes
      assert.isFalse(
        sent.some((line) => line.includes("/workspaces/beta")),
        `nothing sent for beta: ${sent.join(", ")}`
      )
      assert.include(sent, "POST /api/v1/workspaces", "the other workspaces' steps went through")
      const beta = (yield* emulator.snapshot).workspaces.find((w) => w.slug === "beta")!
      assert.strictEqual(beta.name, "Beta")
    })
  )

  it.scopedLive(
    "a saved plan is refused for a workspace changed during the apply, after another workspace's steps, before its own",
    () =>
      Effect.gen(function* () {
        const { emulator, file, orwAt, writes } = yield* setup
        // once the emulator has added alpha's new member, and before orw hears of it, someone changes beta
        let changed = false
        const baseUrl = yield* proxyTo(emulator, async (method, path) => {
          if (changed || method !== "POST" || path !== "/api/v1/workspaces/alpha/members/add") return
          changed = true
          assert.strictEqual((await changeBeta(emulator)).status, 200)
        })
        const orw = orwAt(baseUrl)
        assert.strictEqual((yield* orw("export", "-o", file("org.yaml"))).code, 0)
        const exported = yield* Effect.orDie(Manifest.parse(Fs.readFileSync(file("org.yaml"), "utf8"), "org.yaml"))
        // alpha gains a member; beta loses its only one, a removal, which runs once every addition has settled
        const edited: Manifest.Manifest = {
          ...exported,
          workspaces: exported.workspaces.map((entry) =>
            entry.slug === "alpha"
              ? { ...entry, members: ["user_0", "user_1", "user_2", "user_5"] }
              : entry.slug === "beta"
                ? { ...entry, members: [] }
                : entry
          )
        }
        Fs.writeFileSync(file("org.edited.yaml"), yield* Effect.orDie(Manifest.stringify(edited, "org.yaml")))
        const planned = yield* orw("plan", file("org.edited.yaml"), "--prune", "-o", file("plan.json"))
        assert.strictEqual(planned.code, 0, planned.stderr)
        yield* emulator.clearRequests

        const applied = yield* orw("apply", file("plan.json"), "--allow-destroy")
        assert.isTrue(changed, "the other writer acted during the apply")
        assert.strictEqual(applied.code, 1, applied.stdout + applied.stderr)
        assert.match(
          applied.stdout,
          /^refused: workspace beta changed since the plan was made \(settings\): nothing was sent for it; run orw plan again$/m
        )
        assert.deepStrictEqual(
          yield* writes,
          ["POST /api/v1/workspaces/alpha/members/add", "PATCH /api/v1/workspaces/beta"],
          "alpha's step, then the other writer's change; nothing from orw for beta"
        )
        const betaReads = (yield* emulator.requests).filter((_) => _.path.startsWith("/api/v1/workspaces/beta"))
        assert.strictEqual(betaReads.at(-1)?.method, "GET", "beta was read again after the change, before its step")
        const snapshot = yield* emulator.snapshot
        const beta = snapshot.workspaces.find((w) => w.slug === "beta")!
        assert.deepStrictEqual(
          snapshot.memberships.filter((_) => _.workspaceId === beta.id).map((_) => _.userId),
          ["user_3"]
        )
      })
  )

  it.scopedLive("a changed, foreign or unknown plan file is refused before any write", () =>
    Effect.gen(function* () {
      const { file, orw, writes } = yield* setup
      assert.strictEqual((yield* orw("export", "-o", file("org.yaml"))).code, 0)
      yield* editExport(file)
      assert.strictEqual((yield* orw("plan", file("org.edited.yaml"), "-o", file("plan.json"))).code, 0)
      const saved = JSON.parse(Fs.readFileSync(file("plan.json"), "utf8"))
      const variants: ReadonlyArray<readonly [string, unknown, RegExp]> = [
        ["tampered.json", { ...saved, prune: true }, /digest does not match/],
        ["future.json", { ...saved, version: 3 }, /version 3; this orw reads versions 1 and 2/],
        ["broken.json", { ...saved, changes: [{ _tag: "Explode" }] }, /not a valid plan file/]
      ]
      for (const [name, content, message] of variants) {
        Fs.writeFileSync(file(name), JSON.stringify(content))
        const result = yield* orw("apply", file(name))
        assert.strictEqual(result.code, 1, name)
        assert.match(result.stderr, message, name)
      }
      // a plan made against another organization (here: a fresh emulator)
      assert.strictEqual((yield* orw("plan", file("org.edited.yaml"), "--emulator", "-o", file("other.json"))).code, 0)
      const elsewhere = yield* orw("apply", file("other.json"))
      assert.strictEqual(elsewhere.code, 1)
      assert.match(elsewhere.stderr, /was made against emulator:builtin, not http:\/\/127\.0\.0\.1:\d+\/api\/v1/)
      assert.deepStrictEqual(yield* writes, [])
    })
  )

  it.scopedLive("a manifest is applied only after a confirmation: no terminal and no --yes sends nothing", () =>
    Effect.gen(function* () {
      const { emulator, file, orw, writes } = yield* setup
      assert.strictEqual((yield* orw("export", "-o", file("org.yaml"))).code, 0)
      yield* editExport(file)
      const unconfirmed = yield* orw("apply", file("org.edited.yaml"))
      assert.strictEqual(unconfirmed.code, 1)
      assert.include(unconfirmed.stdout, "Plan: ")
      assert.include(unconfirmed.stderr, "not applied: there is no terminal to confirm on, and --yes was not given")
      assert.deepStrictEqual(yield* writes, [])

      const confirmed = yield* orw("apply", file("org.edited.yaml"), "--yes")
      assert.strictEqual(confirmed.code, 0, confirmed.stdout + confirmed.stderr)
      assert.include(confirmed.stdout, "Planning again:\nNo changes. The organization matches the manifest.")
      assert.isAbove((yield* emulator.history).length, 0)
    })
  )

  it.scopedLive(
    "a plan that deletes a workspace or removes over --max-removals is refused without --allow-destroy",
    () =>
      Effect.gen(function* () {
        const { emulator, file, orw, writes } = yield* setup
        assert.strictEqual((yield* orw("export", "-o", file("org.yaml"))).code, 0)
        const exported = yield* Effect.orDie(Manifest.parse(Fs.readFileSync(file("org.yaml"), "utf8"), "org.yaml"))
        const shrunk: Manifest.Manifest = {
          ...exported,
          // alpha keeps one of its three members; beta is left out, so --prune deletes it
          workspaces: exported.workspaces
            .filter((entry) => entry.slug !== "beta")
            .map((entry) => (entry.slug === "alpha" ? { ...entry, members: ["user_0"] } : entry))
        }
        Fs.writeFileSync(file("shrunk.yaml"), yield* Effect.orDie(Manifest.stringify(shrunk, "shrunk.yaml")))

        const planned = yield* orw("plan", file("shrunk.yaml"), "--prune", "-o", file("plan.json"))
        assert.strictEqual(planned.code, 0, planned.stderr)
        assert.include(planned.stderr, "note: orw apply will need --allow-destroy: it deletes workspace beta")
        const refused = yield* orw("apply", file("plan.json"))
        assert.strictEqual(refused.code, 1)
        assert.include(refused.stdout, "refused: it deletes workspace beta, with its 1 memberships and its budgets")
        assert.include(
          refused.stdout,
          "refused: it removes 2 of the 3 members of alpha (67 %), more than --max-removals 25 %; re-run with --allow-destroy"
        )
        const manifestRefused = yield* orw("apply", file("shrunk.yaml"), "--prune", "--yes", "--max-removals", "80")
        assert.strictEqual(manifestRefused.code, 1)
        assert.include(manifestRefused.stdout, "refused: it deletes workspace beta")
        assert.notInclude(manifestRefused.stdout, "members of alpha", "67 % is within --max-removals 80")
        assert.deepStrictEqual(yield* writes, [], "nothing was sent")

        const allowed = yield* orw("apply", file("plan.json"), "--allow-destroy")
        assert.strictEqual(allowed.code, 0, allowed.stdout + allowed.stderr)
        const state = yield* emulator.snapshot
        assert.isUndefined(state.workspaces.find((w) => w.slug === "beta"))
      })
  )

  it.scopedLive(
    "rehearse applies the plan on a copy under faults, blocks what active keys block live, and writes nothing",
    () =>
      Effect.gen(function* () {
        // user_1 holds an active key in alpha: removing them is blocked on the organization, and on the copy
        const { file, orw, writes } = yield* setupWith({
          ...seed,
          apiKeys: [{ userId: "user_1", workspace: "alpha", name: "prod" }]
        })
        assert.strictEqual((yield* orw("export", "-o", file("org.yaml"))).code, 0)
        const exported = yield* Effect.orDie(Manifest.parse(Fs.readFileSync(file("org.yaml"), "utf8"), "org.yaml"))
        // move alpha's members to beta, and create a workspace
        const moved: Manifest.Manifest = {
          ...exported,
          workspaces: [
            ...exported.workspaces.map((entry) =>
              entry.slug === "alpha"
                ? { ...entry, members: ["user_0"] }
                : entry.slug === "beta"
                  ? { ...entry, members: ["user_1", "user_2", "user_3"] }
                  : entry
            ),
            { slug: "gamma", name: "Gamma", budgets: { lifetime: 90, monthly: 30 }, members: ["user_4"] }
          ]
        }
        Fs.writeFileSync(file("moved.yaml"), yield* Effect.orDie(Manifest.stringify(moved, "moved.yaml")))
        const rehearsed = yield* orw("rehearse", file("moved.yaml"), "--prune")
        assert.strictEqual(rehearsed.code, 0, rehearsed.stdout + rehearsed.stderr)
        assert.include(
          rehearsed.stderr,
          "read the organization: 3 workspaces, 31 members, 1 active API key; nothing was written to it"
        )
        assert.match(rehearsed.stdout, /^Rehearsal on an emulator holding a copy of the organization, under faults/m)
        assert.include(rehearsed.stdout, "0 failed, 0 skipped")
        for (const line of [
          "ok   nobody was in no workspace while moving",
          "ok   budgets kept lifetime > monthly > weekly > daily at every moment",
          "ok   no slug ever had two workspaces",
          "ok   planning again finds nothing to do",
          "ok   the 1 change active API keys block on the organization is blocked here too",
          "0 users refused, 1 blocked (not sent)"
        ]) {
          assert.include(rehearsed.stdout, line)
        }
        assert.match(rehearsed.stdout, /The plan that would run on the organization:\nWorkspaces plan/)
        assert.include(rehearsed.stdout, "- member user_1 of \"alpha\": holds 1 active API key in alpha: 'prod'")
        assert.deepStrictEqual(yield* writes, [], "the organization itself was only read")

        // a manifest that cannot converge (a user outside the organization) fails the rehearsal
        const stranger: Manifest.Manifest = {
          ...exported,
          workspaces: [...exported.workspaces, { slug: "delta", name: "Delta", members: ["user_not_in_org"] }]
        }
        Fs.writeFileSync(file("stranger.yaml"), yield* Effect.orDie(Manifest.stringify(stranger, "stranger.yaml")))
        const failed = yield* orw("rehearse", file("stranger.yaml"), "--faults", "none")
        assert.strictEqual(failed.code, 1, failed.stdout + failed.stderr)
        assert.include(failed.stdout, "FAIL planning again still finds changes")
        assert.include(failed.stdout, "under no faults")
        assert.deepStrictEqual(yield* writes, [])
      })
  )

  it.scopedLive(
    "members sync and move read a CSV with quoted fields, a BOM and CRLF; moves add before they remove",
    () =>
      Effect.gen(function* () {
        const { emulator, file, orw } = yield* setup
        Fs.writeFileSync(
          file("team.csv"),
          '\uFEFFname,id\r\n"Five, the ""fifth""",user_5\r\n"Six",user_6\r\n"Five again",user_5\r\n'
        )
        const added = yield* orw("members", "sync", "beta", "--csv", file("team.csv"), "--column", "id", "--yes")
        assert.strictEqual(added.code, 0, added.stdout + added.stderr)
        assert.include(added.stderr, "beta: 2 users listed in")
        const beta = () =>
          Effect.map(emulator.snapshot, (state) => {
            const id = state.workspaces.find((w) => w.slug === "beta")!.id
            return state.memberships
              .filter((m) => m.workspaceId === id)
              .map((m) => m.userId)
              .sort()
          })
        assert.deepStrictEqual(yield* beta(), ["user_3", "user_5", "user_6"])

        const pruned = yield* orw(
          "members",
          "sync",
          "beta",
          "--csv",
          file("team.csv"),
          "--column",
          "id",
          "--prune",
          "--yes"
        )
        assert.strictEqual(pruned.code, 1, "1 of 3 is more than --max-removals 25 %")
        assert.include(pruned.stdout, "refused: it removes 1 of the 3 members of beta (33 %)")
        const allowed = yield* orw(
          "members",
          "sync",
          "beta",
          "--csv",
          file("team.csv"),
          "--column",
          "id",
          "--prune",
          "--yes",
          "--max-removals",
          "50"
        )
        assert.strictEqual(allowed.code, 0, allowed.stdout + allowed.stderr)
        assert.deepStrictEqual(yield* beta(), ["user_5", "user_6"])

        Fs.writeFileSync(file("moving.csv"), 'user_id,note\r\nuser_1,"moves, today"\r\n')
        const before = yield* emulator.snapshot
        const seen = (yield* emulator.history).length
        const moved = yield* orw(
          "members",
          "move",
          "--from",
          "alpha",
          "--to",
          "beta",
          "--csv",
          file("moving.csv"),
          "--yes",
          "--max-removals",
          "50"
        )
        assert.strictEqual(moved.code, 0, moved.stdout + moved.stderr)
        assert.deepStrictEqual(yield* beta(), ["user_1", "user_5", "user_6"])
        const events = (yield* emulator.history).slice(seen)
        assert.deepStrictEqual(
          events.map((event) => event.type),
          ["memberAdded", "memberRemoved"]
        )
        assert.deepStrictEqual(Emulator.replayHistory(before, events).broken, [])
      })
  )

  it.scopedLive("members sync --column email resolves emails first; an unknown one is refused with nothing sent", () =>
    Effect.gen(function* () {
      const { emulator, file, orw, writes } = yield* setup
      Fs.writeFileSync(file("team.csv"), "name,email\r\nFive,USER_5@example.com\r\nSix, user_6@Example.com \r\n")
      const synced = yield* orw("members", "sync", "beta", "--csv", file("team.csv"), "--column", "email", "--yes")
      assert.strictEqual(synced.code, 0, synced.stdout + synced.stderr)
      const state = yield* emulator.snapshot
      const beta = state.workspaces.find((w) => w.slug === "beta")!.id
      assert.deepStrictEqual(
        state.memberships
          .filter((m) => m.workspaceId === beta)
          .map((m) => m.userId)
          .sort(),
        ["user_3", "user_5", "user_6"]
      )

      yield* emulator.clearRequests
      Fs.writeFileSync(file("ghost.csv"), "email\nuser_7@example.com\nghost@example.com\n")
      const refused = yield* orw("members", "sync", "beta", "--csv", file("ghost.csv"), "--column", "email", "--yes")
      assert.strictEqual(refused.code, 1, refused.stdout + refused.stderr)
      assert.include(refused.stderr, 'line 3: "ghost@example.com": no organization member has this email')
      assert.deepStrictEqual(yield* writes, [], "nothing was sent")
    })
  )

  it.scopedLive("failure hints: a base URL without /api/v1, and a missing slug with the nearest one", () =>
    Effect.gen(function* () {
      const { emulator, file, orw, writes } = yield* setup
      const origin = new URL(emulator.baseUrl).origin
      const noRoute = yield* Effect.promise(() =>
        runScript("cli/orw.ts", ["export", "--base-url", origin], {
          ...environment,
          NO_COLOR: "1",
          OPENROUTER_API_KEY: Redacted.value(emulator.managementKey)
        })
      )
      assert.strictEqual(noRoute.code, 1, noRoute.stderr)
      assert.include(noRoute.stderr, "No route for GET /workspaces")
      assert.include(noRoute.stderr, `OpenRouter's API is under /api/v1, try --base-url ${emulator.baseUrl}`)

      Fs.writeFileSync(file("team.csv"), "user_id\nuser_5\n")
      const typo = yield* orw("members", "sync", "betta", "--csv", file("team.csv"), "--yes")
      assert.strictEqual(typo.code, 1, typo.stdout + typo.stderr)
      assert.include(typo.stderr, "there is no workspace betta: did you mean beta?")
      assert.deepStrictEqual(yield* writes, [])
    })
  )

  it.scopedLive("members and budgets refuse bad input before any request", () =>
    Effect.gen(function* () {
      const { emulator, file, orw, writes } = yield* setup
      const negative = yield* orw("budgets", "set", "alpha", "--monthly", "-5")
      assert.notStrictEqual(negative.code, 0)
      assert.include(negative.stdout + negative.stderr, "--monthly must be a number of USD greater than 0")
      const slug = yield* orw("budgets", "set", "Not A Slug", "--monthly", "5")
      assert.notStrictEqual(slug.code, 0)
      Fs.writeFileSync(file("nocolumn.csv"), "email\nx@example.com\n")
      const column = yield* orw("members", "sync", "beta", "--csv", file("nocolumn.csv"))
      assert.strictEqual(column.code, 1)
      assert.include(column.stderr, "has no column user_id (its header: email); choose one with --column")
      assert.deepStrictEqual(yield* emulator.requests, [], "nothing was sent, not even a read")
      // the budget order rule is checked before any write
      const order = yield* orw("budgets", "set", "--prefix", "al", "--daily", "500", "--yes")
      assert.strictEqual(order.code, 1)
      assert.include(order.stderr, "BudgetRuleError")
      assert.include(order.stderr, "daily (500) must be less than monthly (100)")
      assert.deepStrictEqual(yield* writes, [])
      const set = yield* orw("budgets", "set", "--prefix", "al", "--daily", "5", "--yes")
      assert.strictEqual(set.code, 0, set.stdout + set.stderr)
      const alpha = (yield* emulator.snapshot).workspaces.find((w) => w.slug === "alpha")!
      assert.deepStrictEqual(
        (yield* emulator.snapshot).budgets
          .filter((b) => b.workspaceId === alpha.id)
          .map((b) => [b.interval, b.limitUsd])
          .sort(),
        [
          ["daily", 5],
          ["monthly", 100]
        ]
      )
    })
  )

  it.live("--help names every command and its exit codes, with no escape codes when not on a terminal", () =>
    Effect.gen(function* () {
      const help = yield* Effect.promise(() => runScript("cli/orw.ts", ["--help"], { ...environment }))
      assert.strictEqual(help.code, 0)
      assert.notInclude(help.stdout, "\u001b[", "no escape codes: stdout is not a terminal")
      assert.include(help.stdout, "Exit codes: 0 done (or no changes), 1 error or refused, 2 changes to apply")
      assert.include(help.stdout, "3 nothing to apply but changes blocked by active API keys")
      for (const command of ["export", "plan", "apply", "members", "budgets", "rehearse", "emulator"])
        assert.match(help.stdout, new RegExp(`^ *- ${command}`, "m"))
      const plan = yield* Effect.promise(() => runScript("cli/orw.ts", ["plan", "--help"], { ...environment }))
      assert.include(plan.stdout, "--max-removals integer")
      assert.include(plan.stdout, "--confirm-default-workspace-deletion")
      assert.include(plan.stdout, "the key is read only from OPENROUTER_API_KEY, never from a flag")
    })
  )

  it.scopedLive("bad input is refused before any request: a missing key, a bad concurrency, a broken manifest", () =>
    Effect.gen(function* () {
      const { emulator, file, orw } = yield* setup
      Fs.writeFileSync(file("bad.yaml"), "workspaces:\n  - slug: Not A Slug\n    name: x\n")
      const broken = yield* orw("plan", file("bad.yaml"))
      assert.strictEqual(broken.code, 1)
      assert.include(broken.stderr, "workspaces[0].slug")
      const concurrency = yield* orw("apply", file("bad.yaml"), "--concurrency", "0")
      assert.notStrictEqual(concurrency.code, 0)
      assert.include(concurrency.stdout + concurrency.stderr, "--concurrency must be at least 1")
      const keyless = yield* Effect.promise(() =>
        runScript("cli/orw.ts", ["export", "--base-url", emulator.baseUrl], { ...environment, NO_COLOR: "1" })
      )
      assert.strictEqual(keyless.code, 1)
      assert.include(keyless.stderr, "OPENROUTER_API_KEY")
      assert.deepStrictEqual(yield* emulator.requests, [])
    })
  )
})
