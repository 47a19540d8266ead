#!/usr/bin/env bash
# Debian's Chromium for the browser tests (tests/e2e/test_browser.py drives it with
# Playwright's Python client; Playwright's own browser download is not used and cannot work
# here). Idempotent: installs only when missing, then prints the executable's path.
set -euo pipefail

path="${SB_CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$path" ]]; then
  echo "chromium.sh: installing Debian's chromium package" >&2
  if [[ $(id -u) -ne 0 ]]; then
    echo "chromium.sh: need root for apt-get (or set SB_CHROMIUM to an installed Chromium)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
fi
echo "$path"
