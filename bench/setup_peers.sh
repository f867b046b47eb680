#!/usr/bin/env bash
# Create bench/.venv with the peer simulators used by bench/compare.py:
# NumPy, Brian2 (runtime + cpp_standalone, which compiles with the system g++;
# Cython is installed so runtime mode can use the cython code-generation target)
# and NEST (PyPI package `nest-simulator`, a manylinux wheel for CPython 3.11).
#
# Usage: bash bench/setup_peers.sh            (idempotent; re-run to upgrade)
#        PYTHON=python3.11 bash bench/setup_peers.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"

command -v g++ >/dev/null || { echo "g++ is required for Brian2 cython/cpp_standalone" >&2; exit 1; }

[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$here/requirements-peers.txt"

"$venv/bin/python" - <<'PY'
import importlib.metadata as md
for pkg in ("numpy", "brian2", "cython", "nest-simulator"):
    print(f"{pkg:15s} {md.version(pkg)}")
PY
