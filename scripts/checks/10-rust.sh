#!/usr/bin/env bash
# Rust: formatting, lints as errors, and every unit, integration and doc test of the workspace.
set -euo pipefail
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
