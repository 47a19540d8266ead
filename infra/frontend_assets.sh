#!/usr/bin/env bash
# Rebuilds the checked-in front-end assets from the npm registry (docs/decisions/0008-*.md):
#   gateway/static/dkfds/   Det Fælles Designsystem (dkfds): the stylesheet, the fonts it uses
#                           (woff2 only), the icons it references and the icon sprite
#   tests/e2e/vendor/       axe-core, injected by the browser tests (tests/e2e/axe.py)
# Only `make frontend-assets` runs this; `make run` and `make test` use the checked-in copies,
# so neither needs Node. Each tarball is checked against the integrity the lock below states.
set -euo pipefail

DKFDS_VERSION=11.2.0
DKFDS_INTEGRITY="sha512-JuVf8NjEOeF+TKIhEFXa3BfZvk1ulQM8+XN+6QhgDo6kiwwvupyBY34YU4FglBeyFWHbE5mYDmnrcYTWOSKkEA=="
AXE_VERSION=4.14.1
AXE_INTEGRITY="sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="

root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fetch() { # name version integrity -> unpacked in $work/<name>/package
  local name=$1 version=$2 integrity=$3 tarball actual
  tarball=$(cd "$work" && npm pack --silent "$name@$version")
  actual="sha512-$(openssl dgst -sha512 -binary "$work/$tarball" | base64 -w0)"
  if [[ "$actual" != "$integrity" ]]; then
    echo "integrity of $name@$version is $actual, expected $integrity" >&2
    exit 1
  fi
  mkdir -p "$work/$name"
  tar -xzf "$work/$tarball" -C "$work/$name"
}

fetch dkfds "$DKFDS_VERSION" "$DKFDS_INTEGRITY"
fetch axe-core "$AXE_VERSION" "$AXE_INTEGRITY"

# -- dkfds: the default theme's stylesheet and exactly the files it references ---------------
src="$work/dkfds/package/dist"
out="$root/gateway/static/dkfds"
rm -rf "$out"
mkdir -p "$out/css" "$out/img"
# Every browser we support reads woff2: drop the eot/woff/ttf alternatives from @font-face, so
# a browser never asks for a file that is not here.
sed -E \
  -e 's#url\([^)]*\.eot\),##g' \
  -e 's#,url\([^)]*\.(woff|ttf)\) format\("[a-z ]*"\)##g' \
  -e 's#url\([^)]*\.woff\) format\("woff"\),##g' \
  -e 's#/\*\# sourceMappingURL=[^*]*\*/##' \
  "$src/css/dkfds.min.css" > "$out/css/dkfds.min.css"
grep -o 'url([^)]*)' "$out/css/dkfds.min.css" | sed -E 's#^url\(\.\./(.*)\)$#\1#' | sort -u |
  while read -r file; do
    mkdir -p "$out/$(dirname "$file")"
    cp "$src/$file" "$out/$file"
  done
cp "$src/img/all-svg-icons.svg" "$out/img/"
cp "$src/LICENSE.md" "$out/LICENSE.md"
cp "$src/fonts/IBMPlexSans/complete/woff2/license.txt" "$out/fonts/IBMPlexSans/LICENSE.txt"
echo "dkfds $DKFDS_VERSION from the npm registry; rebuilt by infra/frontend_assets.sh" > "$out/VERSION"

# -- axe-core: the single-file build -----------------------------------------------------------
vendor="$root/tests/e2e/vendor"
mkdir -p "$vendor"
cp "$work/axe-core/package/axe.min.js" "$vendor/axe.min.js"
cp "$work/axe-core/package/LICENSE" "$vendor/axe-core.LICENSE"
echo "axe-core $AXE_VERSION from the npm registry; rebuilt by infra/frontend_assets.sh" > "$vendor/VERSION"

du -sh "$out" "$vendor"
