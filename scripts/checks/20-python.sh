#!/usr/bin/env bash
# Python: a fresh virtual environment, the `lifsim` wheel built by maturin and installed into
# it, then the pytest suite (compared against the `lifsim` command of this checkout) and the
# tutorial notebook, executed end to end. Needs python3 (3.9+), pip and the Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")/../.."
python="${PYTHON:-python3}"
venv=target/py-venv
wheels=target/wheels

rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  "maturin>=1.9.4,<2" pytest numpy pandas matplotlib nbclient nbformat ipykernel \
  "dask[distributed]" tqdm pyarrow

cargo build --release --quiet -p lifsim-cli
rm -f "$wheels"/lifsim-*.whl
"$venv/bin/maturin" build --release --quiet -m crates/lifsim-py/Cargo.toml -i "$venv/bin/python" --out "$wheels"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheels"/lifsim-*.whl

# Run from outside the source tree so that the installed wheel, not python/lifsim, is tested.
export LIFSIM_CLI="$PWD/target/release/lifsim" MPLBACKEND=Agg
(cd "$venv" && bin/python -m pytest -q -p no:cacheprovider "$OLDPWD/crates/lifsim-py/tests")
"$venv/bin/python" - examples/tutorial.ipynb <<'PY'
import sys, time
import nbclient, nbformat

path = sys.argv[1]
notebook = nbformat.read(path, as_version=4)
started = time.monotonic()
nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                        resources={"metadata": {"path": "examples"}}).execute()
print(f"{path}: {len(notebook.cells)} cells executed in {time.monotonic() - started:.1f} s")
PY
