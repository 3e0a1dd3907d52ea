#!/usr/bin/env bash
# Installs the packed package into a fresh project as a consumer would, with only the documented
# peers (effect, @effect/platform, @effect/platform-node, at the versions of package-lock.json) and
# typescript: not the optional yaml. Then runs main.mjs over HTTP against the emulator and
# typechecks main.ts with NodeNext and with Bundler resolution, skipLibCheck: false.
#
# The caller builds first (npm run build): the tarball is packed with --ignore-scripts, so
# `prepack` does not build a second time.
set -euo pipefail

started=$SECONDS
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [[ ! -f "$root/dist/src/index.js" || ! -f "$root/dist/emulator/index.d.ts" ]]; then
  echo "consumer: dist/ is missing: run npm run build first" >&2
  exit 1
fi

# The version package-lock.json pins for a package.
locked() {
  node -e '
    const lock = require(process.argv[1])
    const entry = lock.packages["node_modules/" + process.argv[2]]
    if (!entry) { console.error("consumer: " + process.argv[2] + " is not in package-lock.json"); process.exit(1) }
    console.log(entry.version)
  ' "$root/package-lock.json" "$1"
}
peers=(
  "effect@$(locked effect)"
  "@effect/platform@$(locked @effect/platform)"
  "@effect/platform-node@$(locked @effect/platform-node)"
  "typescript@$(locked typescript)"
)

tarball="$(cd "$root" && npm pack --ignore-scripts --pack-destination "$work" --json | node -e '
  let text = ""
  process.stdin.on("data", (chunk) => (text += chunk)).on("end", () => console.log(JSON.parse(text)[0].filename))
')"
echo "consumer: packed $tarball ok"

app="$work/app"
mkdir "$app"
echo '{"type":"module","private":true}' >"$app/package.json"
cp "$here/main.mjs" "$here/main.ts" "$here/tsconfig.nodenext.json" "$here/tsconfig.bundler.json" "$app/"

# npm does not install an optional peer (yaml) on its own: no flag is needed to keep it out.
(cd "$app" && npm install --no-audit --no-fund --prefer-offline --loglevel=error "${peers[@]}" "$work/$tarball" >/dev/null)
echo "consumer: installed ${peers[*]} and the tarball ok"

if (cd "$app" && node --input-type=module -e 'await import("yaml")' 2>/dev/null); then
  echo "consumer: yaml got installed, but it is an optional peer that must not be needed" >&2
  exit 1
fi
echo "consumer: yaml is not installed ok"

(cd "$app" && timeout 60 node main.mjs)

for config in tsconfig.nodenext.json tsconfig.bundler.json; do
  (cd "$app" && ./node_modules/.bin/tsc -p "$config")
  echo "consumer: tsc -p $config ok"
done

echo "consumer: all ok in $((SECONDS - started)) s"
