#!/usr/bin/env bash
# Create .venv with Python >= 3.12 and install the simulator.
#   ./setup.sh          the simulator, its command line (ptce) and dashboard, with the
#                       dashboard's front-end files installed locally (needs npm)
#   ./setup.sh --dev    the same, plus the test and lint tools
set -euo pipefail
cd "$(dirname "$0")"

extras=""
for arg in "$@"; do
  case "$arg" in
    --dev) extras="[dev]" ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (expected --dev)" >&2; exit 2 ;;
  esac
done

find_python() {
  local candidates=(python3.14 python3.13 python3.12 python3)
  for c in "${candidates[@]}"; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$c"; return 0
    fi
  done
  # pyenv installs that are not the global version
  for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3; do
    if [ -x "$p" ]; then echo "$p"; return 0; fi
  done
  return 1
}

if [ ! -x .venv/bin/python ]; then
  py=$(find_python) || { echo "setup.sh: Python 3.12 or newer is needed (Mesa 3.5 requires it); none found" >&2; exit 1; }
  echo "setup.sh: creating .venv with $py ($("$py" --version))"
  "$py" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".${extras}"
# the dashboard's front-end files, from the npm registry, so it works with no internet
# (idempotent: packages already in place are skipped); required for the tests (--dev)
if [ -n "$extras" ]; then
  .venv/bin/python -m dashboards.assets
elif ! .venv/bin/python -m dashboards.assets; then
  echo "setup.sh: the dashboard's front-end files could not be installed (needs npm);" \
       "everything else is ready. Install npm and re-run ./setup.sh to use 'ptce dashboard'." >&2
fi
echo "setup.sh: ready; run .venv/bin/ptce --help"
