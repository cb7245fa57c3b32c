#!/usr/bin/env bash
# Make sure a TrueType font with Chinese glyphs is installed (Debian's `fonts-wqy-microhei`, ~5 MB),
# so the projection's PDF reports embed it and read the same on every reader; print its path.
# Without it the reports still hold their Chinese text, named in Adobe's standard CID fonts, which
# readers with Asian fonts show (services/projection/reports/pdf.py).
#
# Installs with apt-get only when the font is missing; needs root and apt-get for that.
# Exit codes: 0 ready (path printed), 1 missing and cannot be installed here.
set -euo pipefail

FONT=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc

if [[ -f "$FONT" ]]; then
    echo "$FONT"
    exit 0
fi
if [[ "$(id -u)" != "0" ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "fonts: $FONT missing and this is not root on Debian/apt; install 'fonts-wqy-microhei'" \
        "(or set PROJECTION_REPORT_FONT to a TrueType CJK font)" >&2
    exit 1
fi
log=$(mktemp /tmp/fonts-apt.XXXXXX.log)
echo "fonts: installing fonts-wqy-microhei with apt-get" >&2
if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-wqy-microhei \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-wqy-microhei; }; } >"$log" 2>&1; then
    echo "fonts: apt-get failed; its output:" >&2
    tail -n 20 "$log" >&2
    exit 1
fi
rm -f "$log"
[[ -f "$FONT" ]] || { echo "fonts: apt-get finished but $FONT is still missing" >&2; exit 1; }
echo "$FONT"
