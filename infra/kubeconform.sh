#!/usr/bin/env bash
# kubeconform, the Kubernetes manifest validator the tests use on infra/k8s/ (no cluster
# needed). Built from the Go module proxy with the machine's Go; idempotent: installs only when
# missing, then prints the executable's path. Its schemas come from PyPI's kubernetes-validate
# (tests/ops/test_deployment_files.py; why: docs/decisions/0009-supervision-and-deployment-files.md).
set -euo pipefail

KUBECONFORM_VERSION="${KUBECONFORM_VERSION:-v0.8.0}"
root="$(cd "$(dirname "$0")/.." && pwd)"
bin_dir="${SB_VAR_DIR:-$root/var}/tools/bin"
path="$bin_dir/kubeconform"
# `go install` builds report their version as "development": a stamp says which one it is.
stamp="$bin_dir/kubeconform.version"

if [[ ! -x "$path" ]] || [[ "$(cat "$stamp" 2>/dev/null)" != "$KUBECONFORM_VERSION" ]]; then
  if ! command -v go >/dev/null; then
    echo "kubeconform.sh: needs Go (the go command) to build kubeconform" >&2
    exit 1
  fi
  echo "kubeconform.sh: building kubeconform $KUBECONFORM_VERSION from the Go module proxy" >&2
  mkdir -p "$bin_dir"
  GOBIN="$bin_dir" GOFLAGS=-mod=mod go install \
    "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION" >&2
  echo "$KUBECONFORM_VERSION" >"$stamp"
fi
echo "$path"
