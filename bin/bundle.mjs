// Bundles the command lines (`orw`, the emulator's) into one file each, `dist/bundle/**/*.mjs`, with
// their dependencies. Started as `node dist/cli/orw.js`, orw spends most of a second resolving and
// loading a few hundred ES modules (effect's among them); bundled, it starts in half the time, which
// is what an operator waits for on every command and what the tests pay for every child process.
import * as esbuild from "esbuild"

await esbuild.build({
  entryPoints: ["cli/orw.ts", "bin/emulator.ts"],
  outbase: ".",
  outdir: "dist/bundle",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // some CommonJS dependencies require node's built-ins, which an ES module bundle must provide
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"
  },
  logLevel: "warning"
})
