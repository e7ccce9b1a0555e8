#!/bin/sh
# fetch.sh: get Multi30k (task 1, raw) German-English into datasets/multi30k/.
# Introduced in issue 6 (data pipeline).
#
#   sh datasets/multi30k/fetch.sh                          download from the official repository
#   sh datasets/multi30k/fetch.sh --from ../shared/datasets/multi30k    copy from a local mirror
#   sh datasets/multi30k/fetch.sh --dest DIR ...           unpack into DIR instead
#
# Each .gz is checked against its SHA-256 below before anything is unpacked, and every file
# appears under its final name only when it is complete (written to a temporary name in the
# same folder, then renamed). A downloaded .gz is kept, so a second run needs no network.
# Exit status 0, 1 on any failure (one line on stderr), 2 on bad usage.
set -u

URL=https://raw.githubusercontent.com/multi30k/dataset/master/data/task1/raw
here=$(cd "$(dirname "$0")" && pwd)
dest=$here
from=""

say_error() { echo "fetch.sh: $*" >&2; exit 1; }
usage() { echo "usage: fetch.sh [--from MIRROR_DIR] [--dest DIR]" >&2; exit 2; }

while [ $# -gt 0 ]; do
    case "$1" in
        --from) [ $# -ge 2 ] || usage; from=$2; shift 2 ;;
        --dest) [ $# -ge 2 ] || usage; dest=$2; shift 2 ;;
        -h|--help) echo "usage: fetch.sh [--from MIRROR_DIR] [--dest DIR]"; exit 0 ;;
        *) usage ;;
    esac
done

if [ -n "$from" ] && [ ! -d "$from" ]; then say_error "mirror folder $from does not exist"; fi
mkdir -p "$dest" 2>/dev/null || say_error "cannot create folder $dest"
[ -w "$dest" ] || say_error "folder $dest is not writable"

if command -v sha256sum >/dev/null 2>&1; then sha256() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
else say_error "neither sha256sum nor shasum is installed"; fi
command -v gzip >/dev/null 2>&1 || say_error "gzip is not installed"

download() {  # URL FILE
    if command -v curl >/dev/null 2>&1; then curl -fsSL --retry 2 -o "$2" "$1"
    elif command -v wget >/dev/null 2>&1; then wget -q -O "$2" "$1"
    else say_error "neither curl nor wget is installed (or use --from DIR)"; fi
}

tmp_files=""
cleanup() { for f in $tmp_files; do rm -f "$f"; done; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# name, SHA-256 of name.gz, expected number of lines
for entry in \
    "train.de 726e39b2fa9eb9ffb6dc763fb35a179f80fae06ffc5d28b6ace5faa883de28a6 29000" \
    "train.en d79cfa999dd4c51d2cb42499b6796d5a882c3a8a961923c25a898c90f8bbd56f 29000" \
    "val.de f0cba2f995189cf5770f29a8a9a537a3ad3f51657ad873405082ff6863a5e75a 1014" \
    "val.en 14f7d25ddd868909a9213e361768460edcacdd6ab9d1e77b92560dc10c10dc28 1014" \
    "test_2016_flickr.de 9204244e408ccb38d2a55cfcd344df15005fc42a07a6e55ca6c52b6ababb8cc8 1000" \
    "test_2016_flickr.en 611d361c6334bc7246101d48097c13cf5c4413c5befc793cc629934359d532d9 1000"
do
    set -- $entry
    name=$1 sum=$2 lines=$3
    gz=""
    if [ -n "$from" ]; then
        gz="$from/$name.gz"
        [ -f "$gz" ] || say_error "$gz is missing in the mirror"
        got=$(sha256 "$gz")
        [ "$got" = "$sum" ] || say_error "$gz: SHA-256 is $got, expected $sum"
    else
        gz="$dest/$name.gz"
        if [ ! -f "$gz" ] || [ "$(sha256 "$gz")" != "$sum" ]; then
            part="$dest/.$name.gz.tmp-$$"
            tmp_files="$tmp_files $part"
            download "$URL/$name.gz" "$part" || say_error "download of $URL/$name.gz failed"
            got=$(sha256 "$part")
            [ "$got" = "$sum" ] || say_error "$URL/$name.gz: SHA-256 is $got, expected $sum"
            mv -f "$part" "$gz" || say_error "cannot rename into $gz"
        fi
    fi
    part="$dest/.$name.tmp-$$"
    tmp_files="$tmp_files $part"
    gzip -dc "$gz" > "$part" 2>/dev/null || say_error "$gz: cannot unpack (corrupt, or disk full)"
    n=$(wc -l < "$part" | tr -d ' ')
    [ "$n" = "$lines" ] || say_error "$gz: unpacked to $n lines, expected $lines"
    mv -f "$part" "$dest/$name" || say_error "cannot rename into $dest/$name"
done
echo "fetch.sh: Multi30k train/val/test_2016_flickr (de, en) ready in $dest"
