#!/usr/bin/env bash
# Set up everything Labelwise needs on a fresh Debian machine: system packages (PostgreSQL server
# binaries for the test suite), a virtualenv in .venv and the package with its test extras.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_TESTS=${WITH_TESTS:-1}
PY=${PYTHON:-python3}

need_apt=()
if [ "$WITH_TESTS" = 1 ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need_apt+=(postgresql)
fi
# The browser tests drive Debian's Chromium (Playwright's own browser download cannot work here).
if [ "$WITH_TESTS" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  need_apt+=(chromium fonts-dejavu-core)
fi
if ! "$PY" -c "import venv, ensurepip" >/dev/null 2>&1; then
  need_apt+=(python3-venv)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing system packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  # Debian starts a cluster of its own on install; the tests start their own, so stop it.
  $SUDO service postgresql stop >/dev/null 2>&1 || true
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
  .venv/bin/pip install -q --upgrade pip
fi
stamp=.venv/.labelwise-installed
want="$(sha1sum pyproject.toml | cut -c1-40)-$WITH_TESTS"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  if [ "$WITH_TESTS" = 1 ]; then
    .venv/bin/pip install -q -e ".[test]"
  else
    .venv/bin/pip install -q -e .
  fi
  echo "$want" > "$stamp"
fi
