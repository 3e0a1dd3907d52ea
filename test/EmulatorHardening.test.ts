/**
 * The emulator against hostile callers (issue 10, points 12 and 13): bodies nested to overflow the
 * stack, unauthenticated probing of paths, DNS rebinding and cross-origin writes to the admin
 * routes, and keys that would be the same on every machine.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as Http from "node:http"
import { Emulator } from "../emulator/index.js"
import { send } from "./support/emulatorContract.js"

const seed: Emulator.Seed = {
  users: [
    { id: "user_admin", role: "admin" },
    { id: "user_1", role: "member" }
  ],
  managementKeys: [{ key: "sk-or-v1-hardening-admin", userId: "user_admin" }]
}

/** A raw request with the headers given (fetch will not send a `Host` of our choosing). */
const raw = (
  emulator: Emulator.Service,
  options: {
    readonly method: string
    readonly path: string
    readonly headers: Record<string, string>
    readonly body?: string
  }
) =>
  Effect.async<{ readonly status: number; readonly text: string }, Error>((resume) => {
    const url = new URL(emulator.origin)
    const request = Http.request(
      { host: url.hostname, port: url.port, method: options.method, path: options.path, headers: options.headers },
      (response) => {
        let text = ""
        response.setEncoding("utf8")
        response.on("data", (chunk: string) => (text += chunk))
        response.on("end", () => resume(Effect.succeed({ status: response.statusCode ?? 0, text })))
      }
    )
    request.on("error", (error) => resume(Effect.fail(error)))
    request.end(options.body)
  })

describe("the emulator against hostile callers", () => {
  it.layer(Emulator.layer({ seed }))((it) => {
    it.effect("a body nested a million deep is a 400 naming the bound, not a 500", () =>
      Effect.gen(function* () {
        const emulator = yield* Emulator.Emulator
        const deep = "[".repeat(1_000_000) + "]".repeat(1_000_000)
        const reply = yield* send(emulator, { method: "POST", path: "/workspaces", raw: deep })
        assert.strictEqual(reply.status, 400, reply.text.slice(0, 200))
        assert.include(reply.body.error.message, "nested deeper than 32 levels")
        const object = '{"a":'.repeat(100) + "1" + "}".repeat(100)
        const members = yield* send(emulator, { method: "POST", path: "/workspaces/default/members/add", raw: object })
        assert.strictEqual(members.status, 400)
        // brackets inside a string are text, not nesting
        const bracketed = yield* send(emulator, {
          method: "POST",
          path: "/workspaces",
          body: { name: "Brackets", slug: "brackets", description: "[".repeat(100) + "{".repeat(100) }
        })
        assert.strictEqual(bracketed.status, 201, bracketed.text)
        const logged = (yield* emulator.requests).find((request) => request.status === 400)
        assert.isBelow(JSON.stringify(logged?.body ?? "").length, 1000, "the log keeps an excerpt, not the bomb")
      })
    )

    it.effect("without a valid key, every path is 401: the API's shape is not probed anonymously", () =>
      Effect.gen(function* () {
        const emulator = yield* Emulator.Emulator
        const anonymous = yield* send(emulator, { method: "GET", path: "/no/such/thing", key: null })
        assert.strictEqual(anonymous.status, 401)
        assert.strictEqual(anonymous.body.error.message, "Missing Authentication header")
        const long = yield* send(emulator, { method: "GET", path: `/${"x".repeat(5000)}`, key: "sk-or-v1-guess" })
        assert.strictEqual(long.status, 401)
        const known = yield* send(emulator, { method: "GET", path: "/no/such/thing" })
        assert.strictEqual(known.status, 404)
        const wrongMethod = yield* send(emulator, { method: "PUT", path: "/workspaces", key: null, body: {} })
        assert.strictEqual(wrongMethod.status, 401)
      })
    )

    it.effect("on loopback, the admin routes answer only to a loopback Host (DNS rebinding)", () =>
      Effect.gen(function* () {
        const emulator = yield* Emulator.Emulator
        const port = new URL(emulator.origin).port
        const rebound = yield* raw(emulator, {
          method: "GET",
          path: "/__emulator/state",
          headers: { host: `attacker.example:${port}` }
        })
        assert.strictEqual(rebound.status, 403)
        assert.notInclude(rebound.text, Redacted.value(emulator.managementKey))
        assert.notInclude(rebound.text, "sk-or-v1-hardening-admin")
        for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, "localhost", `[::1]:${port}`]) {
          const ok = yield* raw(emulator, { method: "GET", path: "/__emulator/faults", headers: { host } })
          assert.strictEqual(ok.status, 200, host)
        }
      })
    )

    it.effect("an admin write must be JSON: a cross-origin text/plain or form POST changes nothing", () =>
      Effect.gen(function* () {
        const emulator = yield* Emulator.Emulator
        const port = new URL(emulator.origin).port
        const rules = JSON.stringify([{ kind: "status", status: 500 }])
        for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
          const reply = yield* raw(emulator, {
            method: "POST",
            path: "/__emulator/faults",
            headers: { host: `127.0.0.1:${port}`, "content-type": type },
            body: rules
          })
          assert.strictEqual(reply.status, 415, type)
        }
        assert.deepStrictEqual(yield* emulator.faults, [])
        const json = yield* raw(emulator, {
          method: "POST",
          path: "/__emulator/faults",
          headers: { host: `127.0.0.1:${port}`, "content-type": "application/json; charset=utf-8" },
          body: JSON.stringify([])
        })
        assert.strictEqual(json.status, 200)
      })
    )
  })

  it.effect("the built-in seed's keys are new at every start, unless deterministicKeys", () =>
    Effect.gen(function* () {
      const keysOf = (options: Emulator.EmulatorOptions) =>
        Effect.map(Emulator.make(options), (emulator) =>
          [emulator.managementKey, emulator.keys.memberManagementKey, emulator.keys.inferenceKey].map(Redacted.value)
        )
      const small = Emulator.builtinSeed({ users: 20, workspaces: 2 })
      const first = yield* keysOf({ seed: small })
      const second = yield* keysOf({ seed: small })
      for (let i = 0; i < first.length; i++) assert.notStrictEqual(first[i], second[i])
      const pinned = yield* keysOf({ seed: small, deterministicKeys: true })
      assert.deepStrictEqual(yield* keysOf({ seed: small, deterministicKeys: true }), pinned)
      // a key the seed gives is the seed's
      const given = yield* keysOf({ seed })
      assert.strictEqual(given[0], "sk-or-v1-hardening-admin")
    }).pipe(Effect.scoped)
  )
})
