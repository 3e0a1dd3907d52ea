// Writes `src/internal/version.ts` from package.json's version, the one place the version is written.
// `npm version <new>` runs it (the `version` script) after the bump, so both land in its commit; a
// hand edit of package.json needs `node bin/version.mjs`. With `--check` (in `npm run lint`) it only
// compares the two, and fails saying so when they differ.
import { readFileSync, writeFileSync } from "node:fs"

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
const file = new URL("../src/internal/version.ts", import.meta.url)
const text =
  "// Written by bin/version.mjs from package.json's version (`npm version` runs it): do not edit.\n" +
  `export const version = ${JSON.stringify(version)}\n`

if (!process.argv.includes("--check")) {
  writeFileSync(file, text)
} else if (readFileSync(file, "utf8") !== text) {
  console.error(
    `src/internal/version.ts does not hold package.json's version ${version}: run \`node bin/version.mjs\` ` +
      "(npm version runs it)"
  )
  process.exit(1)
}
