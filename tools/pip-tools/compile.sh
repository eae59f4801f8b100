#!/usr/bin/env bash
# Regenerates requirements-3.X.lock for every Python minor the drift check
# supports, each compiled by that interpreter's own pip-compile.
set -euo pipefail
# Only PyPI, whatever pip configuration this machine has.
export PIP_CONFIG_FILE=/dev/null
unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL
here="$(cd "$(dirname "$0")" && pwd)"
root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
for minor in 3.9 3.10 3.11 3.12 3.13; do
  python="$(ls -d "$root"/versions/"$minor".*/bin/python"$minor" | sort -V | tail -1)"
  work="$(mktemp -d)"
  "$python" -m venv "$work/venv"
  "$work/venv/bin/pip" install --quiet pip-tools==7.6.2
  cp "$here/requirements.in" "$work/requirements.in"
  (cd "$work" && \
    "$work/venv/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras \
      --no-emit-index-url --no-emit-find-links --output-file "requirements-$minor.lock" requirements.in)
  cp "$work/requirements-$minor.lock" "$here/requirements-$minor.lock"
  rm -rf "$work"
done
