import { createHash } from "node:crypto"

const namespace = Buffer.from("6f1d3c52-4a0e-4b7e-9c55-0b8e6a2d9f10".replace(/-/g, ""), "hex")

/**
 * A name-based (version 5) UUID: the same name always gives the same id, which is how the emulator
 * derives seed ids, implicit memberships and each workspace's `default_guardrail_id`.
 *
 * @internal
 */
export const fromName = (name: string): string => {
  const bytes = createHash("sha1").update(namespace).update(name).digest()
  bytes[6] = (bytes[6]! & 0x0f) | 0x50
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  const hex = bytes.subarray(0, 16).toString("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}

/**
 * A secret in OpenRouter's key format, derived from a name and a salt: with the empty salt the same
 * on every machine (`deterministicKeys`), with a random one new at every start.
 *
 * @internal
 */
export const secretFromName = (name: string, salt = ""): string =>
  `sk-or-v1-${createHash("sha256").update(namespace).update(salt).update(name).digest("hex")}`

const hex = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"))

/**
 * A generator of random-looking (version 4) UUIDs drawn from a seeded generator: cheap, and the
 * same sequence for the same seed, which is what seeded state needs at 100,000 memberships.
 *
 * @internal
 */
export const generator = (random: () => number): (() => string) => {
  const word = () => {
    const value = Math.floor(random() * 0x100000000)
    return hex[value >>> 24]! + hex[(value >>> 16) & 0xff]! + hex[(value >>> 8) & 0xff]! + hex[value & 0xff]!
  }
  return () => {
    const a = word()
    const b = word()
    const c = word()
    const d = word()
    const variant = "89ab"[Math.floor(random() * 4)]!
    return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4, 8)}${d}`
  }
}
