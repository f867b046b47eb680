#!/usr/bin/env bash
# Statistics against theory: the quick built-in validation suite in release mode
# (see docs/VALIDATION.md for the rules and the full table).
set -euo pipefail
cargo build --release -p lifsim-cli
./target/release/lifsim validate --quick
