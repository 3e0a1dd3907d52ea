/**
 * `npm run bench:first-output`: how long `orw` and `npm start` take to print their first line on
 * this machine (issue 12's goal: within 1 s), from the process's start to the first byte on its
 * standard output. Each command runs `runs` times after one warm-up run (which fills the file cache);
 * the median is reported, and the script exits with 1 when one is over the goal. It needs the built
 * `dist/` (`npm run build`).
 *
 *   npm run bench:first-output [-- --runs 7]
 */
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"

const at = process.argv.indexOf("--runs")
const runs = at < 0 ? 7 : Number(process.argv[at + 1])
const goalMs = 1000

const orw = "dist/bundle/cli/orw.mjs"
if (!existsSync(orw)) {
  console.error(`${orw} is missing: run npm run build first`)
  process.exit(1)
}

const commands: ReadonlyArray<readonly [string, string, ReadonlyArray<string>]> = [
  ["orw --help", process.execPath, [orw, "--help"]],
  ["orw export --emulator", process.execPath, [orw, "export", "--emulator"]],
  ["npm start", "npm", ["start", "--silent"]]
]

/** Milliseconds from spawning the command to its first byte of standard output; the process is then stopped. */
const firstOutput = (command: string, args: ReadonlyArray<string>) =>
  new Promise<number>((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command, [...args], {
      stdio: ["ignore", "pipe", "ignore"],
      env: { ...process.env, NO_COLOR: "1" }
    })
    child.stdout.once("data", () => {
      resolve(performance.now() - started)
      child.kill()
    })
    child.once("exit", (code) =>
      reject(new Error(`${command} ${args.join(" ")} exited with ${code} before any output`))
    )
    child.once("error", reject)
  })

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

let missed = false
console.log(`| command | first output, ms (median of ${runs}) | goal |`)
console.log("|---|---:|---:|")
for (const [name, command, args] of commands) {
  await firstOutput(command, args)
  const times: Array<number> = []
  for (let i = 0; i < runs; i++) times.push(await firstOutput(command, args))
  const measured = median(times)
  if (measured > goalMs) missed = true
  console.log(`| ${name} | ${measured.toFixed(0)} | ≤ ${goalMs} ${measured > goalMs ? "MISSED" : "met"} |`)
}
process.exit(missed ? 1 : 0)
