#!/usr/bin/env bash
# Install the pinned npm packages and build the browser bundle, idempotently.
#
#   bash web/frontend/build.sh        (scripts/bootstrap calls it)
#
# - `npm ci` (exactly package-lock.json, from the npm registry only, no install scripts)
#   when node_modules is missing or the lockfile, package.json or node's version changed
#   since the last install (stamp: node_modules/.samband-installed);
# - `npm run build` (esbuild: src/index.js → web/static/build/samband.js, ES module,
#   minified, with a source map) when the sources or the install changed (stamp:
#   web/static/build/.samband-built) or the bundle is missing.
set -euo pipefail
cd "$(dirname "$0")"

command -v node >/dev/null 2>&1 || { echo "web/frontend needs node (>= 20.19) and npm" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "web/frontend needs npm" >&2; exit 1; }

install_stamp=node_modules/.samband-installed
want_install=$( { node --version; sha256sum package.json package-lock.json; } | sha256sum | cut -d' ' -f1)
if [ ! -d node_modules ] || [ ! -f "$install_stamp" ] || [ "$(cat "$install_stamp")" != "$want_install" ]; then
  # --ignore-scripts: no package needs one (esbuild finds its binary in the platform
  # package npm installs as an optional dependency), and none should run.
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  echo "$want_install" > "$install_stamp"
fi

out=../static/build
build_stamp="$out/.samband-built"
want_build=$( { cat "$install_stamp"; find src -type f -name '*.js' -print0 | sort -z | xargs -0 sha256sum; } | sha256sum | cut -d' ' -f1)
if [ ! -f "$out/samband.js" ] || [ ! -f "$build_stamp" ] || [ "$(cat "$build_stamp")" != "$want_build" ]; then
  npm run --silent build
  echo "$want_build" > "$build_stamp"
fi
