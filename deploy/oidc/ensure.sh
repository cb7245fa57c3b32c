#!/usr/bin/env bash
# Installs the development OpenID Connect issuer's packages (deploy/oidc/package-lock.json, exactly)
# when node and npm are on the machine; says so and does nothing otherwise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "[oidc] node/npm not installed: the development sign-in issuer will not run (office keys still work)" >&2
  exit 0
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
