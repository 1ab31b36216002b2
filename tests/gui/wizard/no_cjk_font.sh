#!/bin/sh
# Runs a GUI scenario with a fontconfig that has no CJK font (DejaVu only), so the
# Chinese can only be drawn as boxes; prints the scenario's exit code as exit=N.
# Usage: no_cjk_font.sh TEST_BINARY OUT_DIR
d=$(mktemp -d)
printf '<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>%s/cache</cachedir></fontconfig>\n' "$d" > "$d/fonts.conf"
FONTCONFIG_FILE=$d/fonts.conf "$1" --scenario troubleshoot --out "$2"
rc=$?
rm -rf "$d"
echo "exit=$rc"
