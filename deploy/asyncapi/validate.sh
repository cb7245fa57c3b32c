#!/usr/bin/env bash
# Validates an AsyncAPI document (default docs/asyncapi.json) with the official @asyncapi/parser.
# Installs the pinned parser (package-lock.json) into deploy/asyncapi/node_modules on first use.
# Exit 0: valid; 1: errors (one JSON line each on stdout); 3: node/npm missing or the install failed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
document="$(realpath "${1:-$here/../../docs/asyncapi.json}")"
command -v node >/dev/null && command -v npm >/dev/null || { echo "node and npm are needed" >&2; exit 3; }
if [ ! -d "$here/node_modules/@asyncapi/parser" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >&2) || { echo "npm ci failed" >&2; exit 3; }
fi
cd "$here" && exec node validate.mjs "$document"
