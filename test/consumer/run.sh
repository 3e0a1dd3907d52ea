#!/usr/bin/env bash
# Installs the packed package into a fresh project as a consumer would, with only the documented
# peers (effect, @effect/platform, and @effect/platform-node for the emulator, at the versions of
# package-lock.json) and typescript, and without the optional dependencies (not yaml, not @effect/cli).
# Then installs it globally as an operator would and runs orw --help. Then runs main.mjs over HTTP against the emulator and
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

# The lean install: --omit=optional leaves out what only orw and YAML need (@effect/cli, yaml); the
# emulator's @effect/platform-node is named here, as its peers list says a consumer does.
(cd "$app" && npm install --no-audit --no-fund --prefer-offline --loglevel=error --omit=optional "${peers[@]}" "$work/$tarball" >/dev/null)
echo "consumer: installed ${peers[*]} and the tarball ok"

if (cd "$app" && node --input-type=module -e 'await import("yaml")' 2>/dev/null); then
  echo "consumer: yaml got installed, but it is an optional peer that must not be needed" >&2
  exit 1
fi
if (cd "$app" && node --input-type=module -e 'await import("@effect/cli")' 2>/dev/null); then
  echo "consumer: @effect/cli got installed with --omit=optional" >&2
  exit 1
fi
echo "consumer: yaml is not installed ok"

# The library's own entry needs only effect and @effect/platform.
lean="$work/lean"
mkdir "$lean"
echo '{"type":"module","private":true}' >"$lean/package.json"
(cd "$lean" && npm install --no-audit --no-fund --prefer-offline --loglevel=error --omit=optional "${peers[0]}" "${peers[1]}" "$work/$tarball" >/dev/null)
(cd "$lean" && node --input-type=module -e '
  const { Workspaces, Plan, Manifest } = await import("effect-openrouter-workspaces")
  if (!Workspaces.layer || !Plan.make || !Manifest.parse) process.exit(1)
')
echo "consumer: the library entry loads with only effect and @effect/platform ok"

(cd "$app" && timeout 60 node main.mjs)

for config in tsconfig.nodenext.json tsconfig.bundler.json; do
  (cd "$app" && ./node_modules/.bin/tsc -p "$config")
  echo "consumer: tsc -p $config ok"
done

# orw as an operator installs it: npm install -g of the tarball (into a prefix of its own), then orw --help.
global="$work/global"
npm install --global --prefix "$global" --no-audit --no-fund --prefer-offline --loglevel=error "$work/$tarball" >/dev/null
help="$("$global/bin/orw" --help)"
if [[ "$help" != *"Manage OpenRouter workspaces from a manifest"* ]]; then
  echo "consumer: orw --help after npm install -g printed: $help" >&2
  exit 1
fi
echo "consumer: npm install -g, then orw --help ok"

echo "consumer: all ok in $((SECONDS - started)) s"
