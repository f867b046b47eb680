"""Shared fixtures: the `lifsim` command built from the same checkout, matplotlib off-screen."""

import os
import pathlib
import shutil

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def lifsim_cli() -> str:
    """Path of the `lifsim` binary: $LIFSIM_CLI, else target/release/lifsim of this checkout."""
    path = os.environ.get("LIFSIM_CLI") or str(ROOT / "target" / "release" / "lifsim")
    if not os.access(path, os.X_OK):
        found = shutil.which("lifsim")
        if found is None:
            pytest.skip("the lifsim command is not built (cargo build --release -p lifsim-cli)")
        path = found
    return path


@pytest.fixture(autouse=True)
def _agg_backend(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
