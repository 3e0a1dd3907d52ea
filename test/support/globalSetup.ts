/**
 * Builds `dist/` (and the command lines' bundles, `npm run build` does both) before the tests: the example scripts, the demo and the emulator's command line run
 * from it with plain `node` (compiling them with tsx in every child process costs seconds of CPU
 * each). The build is incremental, so when `npm run check` has just built, this only checks.
 */
import { execFileSync } from "node:child_process"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

export default function setup() {
  const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")
  execFileSync(Path.join(root, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit"
  })
  // the command lines' bundles (under a second; esbuild has no incremental mode to skip it)
  execFileSync(process.execPath, [Path.join(root, "bin", "bundle.mjs")], { cwd: root, stdio: "inherit" })
}
