#!/usr/bin/env bash
# Make sure a headless Chromium and its matching chromedriver are installed (Debian packages
# `chromium` and `chromium-driver`, plus `fonts-liberation` so pages render readable text without the
# recommended packages); print the chromium path on stdout. Nothing else is downloaded:
# the browser tests drive this Chromium, never a browser fetched by a test tool.
#
# Installs with apt-get only when /usr/bin/chromium (or /usr/bin/chromedriver) is missing; needs root
# and apt-get for that. Exit codes: 0 ready (path printed), 1 missing and cannot be installed here.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
DRIVER=/usr/bin/chromedriver

if [[ -x "$CHROMIUM" && -x "$DRIVER" ]]; then
    echo "$CHROMIUM"
    exit 0
fi

if [[ "$(id -u)" != "0" ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium: $CHROMIUM or $DRIVER missing and this is not root on Debian/apt; install the" \
        "'chromium' and 'chromium-driver' packages" >&2
    exit 1
fi

log=$(mktemp /tmp/chromium-apt.XXXXXX.log)
export DEBIAN_FRONTEND=noninteractive
packages=(chromium chromium-driver fonts-liberation)
echo "chromium: installing ${packages[*]} with apt-get" >&2
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${packages[@]}"; } >"$log" 2>&1; then
    echo "chromium: apt-get failed; its output:" >&2
    tail -n 30 "$log" >&2
    exit 1
fi
rm -f "$log"

if [[ ! -x "$CHROMIUM" || ! -x "$DRIVER" ]]; then
    echo "chromium: apt-get finished but $CHROMIUM or $DRIVER is still missing" >&2
    exit 1
fi
echo "$CHROMIUM"
