import { createHash, randomFillSync } from "node:crypto"

const namespace = Buffer.from("6f1d3c52-4a0e-4b7e-9c55-0b8e6a2d9f10".replace(/-/g, ""), "hex")

const digits = Buffer.from("0123456789abcdef", "latin1")
const text = Buffer.alloc(36)

/**
 * Sixteen bytes as a UUID's 36 characters, read back as one flat string. A UUID built by
 * concatenation (as `crypto.randomUUID` and template literals build it) is a tree of its parts:
 * about 490 bytes of heap where this string takes 65, for as long as the id lives. At 100,000
 * memberships that is some 40 MB, and every young id the garbage collector copies costs it as much.
 */
const format = (bytes: Uint8Array, offset = 0): string => {
  let at = 0
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) text[at++] = 0x2d // -
    const byte = bytes[offset + i]!
    text[at++] = digits[byte >>> 4]!
    text[at++] = digits[byte & 0x0f]!
  }
  return text.toString("latin1")
}

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
  return format(bytes)
}

const pool = Buffer.alloc(16 * 256)
let pooled = pool.length

/**
 * A random (version 4) UUID, as `crypto.randomUUID` makes it (from a pool of random bytes, drawn
 * 256 ids at a time), but a flat string (`format`).
 *
 * @internal
 */
export const random = (): string => {
  if (pooled === pool.length) {
    randomFillSync(pool)
    pooled = 0
  }
  pool[pooled + 6] = (pool[pooled + 6]! & 0x0f) | 0x40
  pool[pooled + 8] = (pool[pooled + 8]! & 0x3f) | 0x80
  const id = format(pool, pooled)
  pooled += 16
  return id
}

/**
 * A secret in OpenRouter's key format, derived from a name and a salt: with the empty salt the same
 * on every machine (`deterministicKeys`), with a random one new at every start.
 *
 * @internal
 */
export const secretFromName = (name: string, salt = ""): string =>
  `sk-or-v1-${createHash("sha256").update(namespace).update(salt).update(name).digest("hex")}`

/**
 * A generator of random-looking (version 4) UUIDs drawn from a seeded generator: cheap, and the
 * same sequence for the same seed, which is what seeded state needs at 100,000 memberships. Four
 * 32-bit words are drawn, then the variant; the version and variant digits take the place of the
 * digits they replace.
 *
 * @internal
 */
export const generator = (random: () => number): (() => string) => {
  const bytes = Buffer.alloc(16)
  const word = (at: number) => bytes.writeUInt32BE(Math.floor(random() * 0x100000000), at)
  return () => {
    word(0)
    word(4)
    word(8)
    word(12)
    const variant = 8 + Math.floor(random() * 4)
    // 4 then b's 6th to 8th digits; the variant then c's 2nd to 4th
    bytes[6] = 0x40 | (bytes[6]! & 0x0f)
    bytes[8] = (variant << 4) | (bytes[8]! & 0x0f)
    return format(bytes)
  }
}
