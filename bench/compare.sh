#!/bin/sh
# bench/compare.sh: `make bench-compare`. Runs bench/compare.py (bin/bench and PyTorch, row by
# row) when a Python with PyTorch is available; otherwise says so and exits 0 (skipping is
# not a failure: PyTorch is optional in unrolled). Arguments go to compare.py, e.g.
#     sh bench/compare.sh --threads 1 --quick
# PYTHON=/path/to/python3 picks the interpreter; by default the first of python3 and
# /usr/bin/python3 that can import torch (Debian's python3-torch lives in the system Python).
set -e
for py in ${PYTHON:-python3 /usr/bin/python3}; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import torch' >/dev/null 2>&1; then
        exec "$py" "$(dirname "$0")/compare.py" --python "$py" "$@"
    fi
done
echo "bench-compare: PyTorch is not installed (Debian: apt-get install python3-torch);"
echo "bench-compare: skipping the comparison. bin/bench alone still runs: make bench"
exit 0
