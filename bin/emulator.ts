/**
 * Runs the Workspaces emulator until interrupted (the same command as `orw emulator`):
 *
 *   npm run emulator -- --port 8787 [--seed seed.yaml] [--state state.json] [--fault-seed 7] [--faults faults.json]
 *                       [--users 1000 --workspaces 50] [--log-limit 100000]
 *
 * It prints the base URL and the local, fake management keys it accepts.
 */
import * as Command from "@effect/cli/Command"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { command } from "../cli/internal/emulatorCommand.js"
import { version } from "../src/internal/version.js"

const cli = Command.run(command, { name: "openrouter-workspaces-emulator", version })

cli(process.argv).pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain)
