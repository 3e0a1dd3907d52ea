import { Layer } from "effect"
import { Emulator } from "../../emulator/index.js"
import { RetryPolicy } from "../../src/index.js"

/** Backoff short enough for tests, same rules as the default. */
export const fastRetry = RetryPolicy.make({ baseDelay: "5 millis", maxDelay: "50 millis", jitter: false })

/**
 * An emulator on 127.0.0.1 and a client pointed at it with its admin management key; both are
 * in the layer's output so a test can read the request log next to the calls.
 */
export const emulatorWithClient = (emulator: Emulator.EmulatorOptions = {}, client: Emulator.ClientOptions = {}) =>
  Emulator.layerWorkspaces({ ...emulator, client: { retry: fastRetry, ...client } }).pipe(Layer.orDie)
