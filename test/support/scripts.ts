import { execFile } from "node:child_process"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

/** The repository's root: scripts run there, so their default data paths resolve. */
export const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")

/**
 * Where `bin/bundle.mjs` puts each script's bundle: the command lines' as `orw` runs once installed,
 * the examples' and the demo's for the tests (`--examples`).
 */
const bundles = new Map([
  ["cli/orw.ts", "bundle"],
  ["bin/emulator.ts", "bundle"],
  ["examples/budgets-rollout.ts", "bundle-examples"],
  ["examples/export-plan-apply.ts", "bundle-examples"],
  ["examples/migrate-team.ts", "bundle-examples"],
  ["examples/split-workspace.ts", "bundle-examples"],
  ["bin/start.ts", "bundle-examples"]
])

/**
 * How a script runs: from its bundle (`"bundle"`, the default), one file that starts in a third of
 * the CPU, or from its build in `dist/` (`"build"`), as the README runs an example
 * (`node dist/examples/migrate-team.js`: node resolves the package's name through its `exports`
 * and loads a few hundred modules). A script without a bundle runs from its build. Both are built by
 * the global setup.
 */
export type From = "bundle" | "build"

/** The `node` command line of a script, e.g. `examples/migrate-team.ts`. */
export const nodeArgs = (script: string, from: From = "bundle"): [string, ...Array<string>] => {
  const bundle = from === "bundle" ? bundles.get(script) : undefined
  return [
    bundle === undefined
      ? Path.join(root, "dist", script.replace(/\.ts$/, ".js"))
      : Path.join(root, "dist", bundle, script.replace(/\.ts$/, ".mjs"))
  ]
}

/**
 * This process's environment without the variables that point a script at a real organization, so
 * a test decides what its child sees.
 */
export const environment: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([name]) => !["OPENROUTER_API_KEY", "OPENROUTER_BASE_URL", "OPENROUTER_DEFAULT_WORKSPACE"].includes(name)
  )
)

export interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs a script of the repository with plain `node` (see `From`) and collects its output and exit code. */
export const runScript = (script: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv, from: From = "bundle") =>
  new Promise<Run>((resolve) => {
    execFile(
      process.execPath,
      [...nodeArgs(script, from), ...args],
      { cwd: root, timeout: 120_000, env },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr })
    )
  })
