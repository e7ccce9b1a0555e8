#!/bin/sh
# deps.sh: make sure the build's four system dependencies are here; install what is missing.
#   pkg-config, libpng (dev), Check (dev), gnuplot (for the line plots)
# On Debian/Ubuntu it runs apt-get (through sudo when not root). Elsewhere, or without the
# rights, it prints the exact command and stops.
missing=""
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
if command -v pkg-config >/dev/null 2>&1; then
    pkg-config --exists libpng || missing="$missing libpng-dev"
    pkg-config --exists check || missing="$missing check"
else
    missing="$missing libpng-dev check"
fi
command -v gnuplot >/dev/null 2>&1 || missing="$missing gnuplot-nox"
[ -z "$missing" ] && exit 0

echo "deps: missing:$missing"
if ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: this is not a Debian/Ubuntu system; install the equivalents of:$missing" >&2
    exit 1
fi
if [ "$(id -u)" = 0 ]; then sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"
else
    echo "deps: run this, then make again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "deps: installing with apt-get:$missing"
$sudo apt-get update -qq || { echo "deps: apt-get update failed" >&2; exit 1; }
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq$missing || {
    echo "deps: apt-get install failed; try: sudo apt-get install -y$missing" >&2; exit 1; }
