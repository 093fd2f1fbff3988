#!/usr/bin/env bash
# The DAG logic tests (test/dags): installs their Debian packages when missing, then runs pytest on /usr/bin/python3.
# No bytecode or pytest cache is written, so the deployed DAG folder stays .py only.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
bash tools/ci/python-deps.sh
PYTHONDONTWRITEBYTECODE=1 exec /usr/bin/python3 -m pytest -q -p no:cacheprovider test/dags "$@"
