#!/usr/bin/env bash
# The chart's offline validators, installed into .state/tools (once; `make deps` and the chart test call it):
#   helm          helm.sh/helm/v3 (Go module proxy, `go install`)
#   kubeconform   github.com/yannh/kubeconform (the same)
#   k8s-schemas/  Kubernetes' own JSON schemas (standalone, strict) for one Kubernetes version, from the
#                 PyPI wheel of `kubernetes-validate`, which ships them (nothing fetched at validation time)
# CRD schemas for Strimzi and CloudNativePG are in deploy/helm/crd-schemas/ (see its README).
# Exit 3 (and say why) when the Go toolchain is missing: the chart test then skips.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
tools=${TOOLS_DIR:-$root/.state/tools}
helm_version=v3.22.0
kubeconform_version=v0.8.0
k8s_validate_version=1.37.0
k8s_version=${K8S_SCHEMA_VERSION:-1.34.0}
python=${PYTHON:-$root/.venv/bin/python}

log() { echo "[helm-tools] $*" >&2; }
mkdir -p "$tools"

if [ ! -x "$tools/helm" ] || [ ! -x "$tools/kubeconform" ]; then
  command -v go >/dev/null || { log "the Go toolchain is missing: cannot build helm and kubeconform"; exit 3; }
  if [ ! -x "$tools/kubeconform" ]; then
    log "building kubeconform $kubeconform_version"
    (cd /tmp && GOBIN="$tools" GOFLAGS=-buildvcs=false go install "github.com/yannh/kubeconform/cmd/kubeconform@$kubeconform_version")
  fi
  if [ ! -x "$tools/helm" ]; then
    log "building helm $helm_version (a few minutes)"
    (cd /tmp && GOBIN="$tools" GOFLAGS=-buildvcs=false go install "helm.sh/helm/v3/cmd/helm@$helm_version")
  fi
fi

schemas="$tools/k8s-schemas/v$k8s_version"
if [ ! -f "$schemas/.complete" ]; then
  log "unpacking Kubernetes $k8s_version schemas from kubernetes-validate $k8s_validate_version"
  wheels=$(mktemp -d)
  trap 'rm -rf "$wheels"' EXIT
  "$python" -m pip download --quiet --no-deps "kubernetes-validate==$k8s_validate_version" -d "$wheels"
  rm -rf "$schemas"
  mkdir -p "$schemas"
  "$python" - "$wheels"/kubernetes_validate-*.whl "$schemas" "$k8s_version" <<'PY'
import sys, zipfile
wheel, out, version = sys.argv[1:]
prefix = f"kubernetes_validate/kubernetes-json-schema/v{version}-local-strict/"
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if n.startswith(prefix) and n.endswith(".json")]
    if not names:
        sys.exit(f"no schemas for Kubernetes {version} in {wheel}")
    for name in names:
        # Their references name the package's own loader path; point them at the unpacked file.
        text = z.read(name).decode().replace('"/api/_definitions.json', f'"file://{out}/_definitions.json')
        with open(f"{out}/{name[len(prefix):]}", "w") as f:
            f.write(text)
PY
  touch "$schemas/.complete"
fi
echo "$tools"
