// Bundles the command lines (`orw`, the emulator's) into one file each, `dist/bundle/**/*.mjs`, with
// their dependencies. Started as `node dist/cli/orw.js`, orw spends most of a second resolving and
// loading a few hundred ES modules (effect's among them); bundled, it starts in half the time, which
// is what an operator waits for on every command and what the tests pay for every child process.
//
// With `--examples` (the tests' global setup), also the examples and `npm start`'s demo, into
// `dist/bundle-examples/` (never published): the tests run the examples a dozen times, and a bundle
// costs a third of the CPU of `dist/examples/*.js`. The examples import the package by its name,
// which esbuild resolves as node does, through the package's own `exports` to `dist/src/`, so `tsc`
// builds first.
import * as esbuild from "esbuild"
import * as Fs from "node:fs"
import * as Path from "node:path"

const options = {
  outbase: ".",
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
}

const examples = [
  "examples/budgets-rollout.ts",
  "examples/export-plan-apply.ts",
  "examples/migrate-team.ts",
  "examples/split-workspace.ts",
  "bin/start.ts"
]

/** Builds the examples' bundles, then removes the chunks of earlier builds (named by their content's hash). */
const bundleExamples = async () => {
  const outdir = "dist/bundle-examples"
  const { metafile } = await esbuild.build({
    ...options,
    entryPoints: examples,
    outdir,
    // the code they share in chunks, written once, which halves esbuild's work; `yaml`, which the
    // library imports dynamically, left to node: split out, esbuild's chunk of a CommonJS module
    // exports only a default, not yaml's named functions
    splitting: true,
    external: ["yaml"],
    metafile: true
  })
  const current = new Set(Object.keys(metafile.outputs).map((file) => Path.resolve(file)))
  for (const file of Fs.readdirSync(outdir, { recursive: true })) {
    const path = Path.resolve(outdir, file)
    if (!current.has(path) && Fs.statSync(path).isFile()) Fs.rmSync(path)
  }
}

await Promise.all([
  esbuild.build({ ...options, entryPoints: ["cli/orw.ts", "bin/emulator.ts"], outdir: "dist/bundle" }),
  ...(process.argv.includes("--examples") ? [bundleExamples()] : [])
])
