#!/usr/bin/env bash
# wrk, Debian's C HTTP load generator, for `make bench` (the load must not come from Python,
# or the client eats the servers' cores). Idempotent: installs only when missing, then
# prints the executable's path.
set -euo pipefail

path="${SB_WRK:-/usr/bin/wrk}"
if [[ ! -x "$path" ]]; then
  echo "wrk.sh: installing Debian's wrk package" >&2
  if [[ $(id -u) -ne 0 ]]; then
    echo "wrk.sh: need root for apt-get (or set SB_WRK to an installed wrk)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends wrk >&2
fi
echo "$path"
