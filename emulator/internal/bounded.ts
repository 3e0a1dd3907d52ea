/**
 * An append-only list that keeps only its last `limit` items, for the request log and the history
 * of an emulator that runs for days. A push is O(1) amortized: dropped items are only skipped at
 * first, and cut off the array in one splice once as many have piled up as the limit (at least 1024).
 *
 * @internal
 */
export class Bounded<A> {
  private items: Array<A> = []
  /** The index in `items` of the oldest item kept. */
  private start = 0

  /** `limit`: a non-negative integer, or `Infinity` to keep everything. */
  constructor(readonly limit: number) {}

  push(item: A): void {
    this.items.push(item)
    if (this.items.length - this.start > this.limit) {
      this.start++
      if (this.start >= Math.max(this.limit, 1024)) {
        this.items.splice(0, this.start)
        this.start = 0
      }
    }
  }

  /** The items kept, oldest first, as a new array. */
  toArray(): Array<A> {
    return this.items.slice(this.start)
  }

  get length(): number {
    return this.items.length - this.start
  }

  clear(): void {
    this.items = []
    this.start = 0
  }
}

/**
 * Whether a limit is one `Bounded` takes: a non-negative integer, or `Infinity`.
 *
 * @internal
 */
export const isLimit = (limit: number): boolean => limit === Infinity || (Number.isSafeInteger(limit) && limit >= 0)
