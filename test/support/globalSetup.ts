/**
 * Builds `dist/` and the bundles (`npm run build` does both, the examples' bundles aside) before the
 * tests: the example scripts, the demo and the command lines run from them with plain `node`
 * (compiling them with tsx in every child process costs seconds of CPU each). The `tsc` build is
 * incremental, so when `npm run check` has just built, it only checks that nothing changed since.
 */
import { execFileSync } from "node:child_process"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

export default function setup() {
  const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")
  // `--build` first compares the sources' times with the build info's and stops there when nothing
  // changed (under a second); `-p` would parse and bind all 800 files again to find that out (6 s)
  execFileSync(Path.join(root, "node_modules", ".bin", "tsc"), ["--build", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit"
  })
  // the bundles of the command lines, the examples and the demo (a few seconds of esbuild's CPU, which
  // has no incremental mode to skip it; the example runs it saves cost more than that)
  execFileSync(process.execPath, [Path.join(root, "bin", "bundle.mjs"), "--examples"], { cwd: root, stdio: "inherit" })
}
