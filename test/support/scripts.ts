import { execFile } from "node:child_process"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

/** The repository's root: scripts run there, so their default data paths resolve. */
export const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")

/** The command lines, which run from their bundles as `orw` does once installed (`bin/bundle.mjs`). */
const bundled = new Set(["cli/orw.ts", "bin/emulator.ts"])

/**
 * `examples/migrate-team.ts` as the `node` command line of its build in `dist/`, and `cli/orw.ts`
 * as that of its bundle in `dist/bundle/` (both built by the global setup).
 */
export const nodeArgs = (script: string): [string, ...Array<string>] => [
  bundled.has(script)
    ? Path.join(root, "dist", "bundle", script.replace(/\.ts$/, ".mjs"))
    : Path.join(root, "dist", script.replace(/\.ts$/, ".js"))
]

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

/** Runs a script of the repository from `dist/` with plain `node` and collects its output and exit code. */
export const runScript = (script: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv) =>
  new Promise<Run>((resolve) => {
    execFile(
      process.execPath,
      [...nodeArgs(script), ...args],
      { cwd: root, timeout: 120_000, env },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr })
    )
  })
