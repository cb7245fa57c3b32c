#!/usr/bin/env bash
# Checks the machine has what the system needs (Python >= 3.11, Java 17, Maven) and, where it can
# (root with apt-get), installs what is missing. Prints what it does; changes nothing otherwise.
set -euo pipefail

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[prereqs] installing $* with apt-get" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "[prereqs] missing: $* (install it, or run as root on Debian/Ubuntu)" >&2
    exit 1
  fi
}

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "[prereqs] $python is missing or older than 3.11; set PYTHON=/path/to/python3.11+" >&2
  exit 1
fi
if ! java -version 2>&1 | grep -qE 'version "(1[7-9]|2[0-9])'; then apt_install openjdk-17-jre-headless; fi
command -v mvn >/dev/null || apt_install maven
# The projection's PDF reports embed a Chinese TrueType font when one is installed (optional: without
# it they name Adobe's CID fonts instead), so a missing font only warns.
"$(dirname "$0")/fonts/ensure.sh" >/dev/null || echo "[prereqs] no CJK TrueType font: PDF reports will name CID fonts instead" >&2
