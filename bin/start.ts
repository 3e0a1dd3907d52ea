/**
 * `npm start`: says what is coming at once, then loads and runs the demo (`bin/demo.ts`), whose
 * modules take a few seconds to load. npm runs it with `node --import tsx`, which prints this line
 * in about half the time the `tsx` command takes (it starts a second node process).
 */
console.log(
  "npm start: a whole migration from a manifest against an embedded emulator of the Workspaces API " +
    "(no key, no network). Loading..."
)
await import("./demo.js")
