#!/usr/bin/env bash
# Checks action.yml and the workflows (.github/workflows/ and the ready-to-copy docs/workflows/)
# with real tools: GitHub's action and workflow schemas (check-jsonschema's vendored copies),
# actionlint (with shellcheck for run: scripts) and zizmor, offline. The tools run from a private
# virtual environment installed with `pip install --require-hashes` from tools/lint/requirements.lock
# (Python 3.11) and cached under node_modules/.cache/, keyed by the lock's hash.
# Prints one line per check; exits non-zero when any check has a finding.
set -euo pipefail
cd "$(dirname "$0")/.."

lock=tools/lint/requirements.lock

# Python 3.11: pyenv's, else python3.11 on PATH (actions/setup-python on GitHub).
python=""
for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.11.*/bin/python3.11 "$(command -v python3.11 || true)"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
    python="$candidate"
    break
  fi
done
if [ -z "$python" ]; then
  echo "FAIL setup: Python 3.11 is missing: install it with pyenv or actions/setup-python" >&2
  exit 1
fi

# The virtual environment belongs to one lock and one interpreter.
key="$( { cat "$lock"; "$python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)"
cache=node_modules/.cache/phoreus-check-workflows
venv="$cache/venv-$key"
if [ ! -f "$venv/.installed" ]; then
  rm -rf "$venv"
  mkdir -p "$cache"
  log="$(mktemp)"
  if ! { "$python" -m venv "$venv" \
         && PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install --require-hashes --only-binary=:all: -r "$lock"; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -rf "$venv" "$log"
    echo "FAIL setup: could not install the checkers from $lock" >&2
    exit 1
  fi
  rm -f "$log"
  touch "$venv/.installed"
  # Environments of older locks are of no further use.
  find "$cache" -mindepth 1 -maxdepth 1 -name 'venv-*' ! -path "$venv" -exec rm -rf {} +
fi
# On PATH too: actionlint runs shellcheck from there.
export PATH="$PWD/$venv/bin:$PATH"

shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml docs/workflows/*.yml docs/workflows/*.yaml)
shopt -u nullglob
if [ "${#workflows[@]}" -eq 0 ]; then
  echo "FAIL setup: no workflow found under .github/workflows/ or docs/workflows/" >&2
  exit 1
fi

failed=0
# run NAME COMMAND...: runs a checker, shows its output only when it fails.
run() {
  local name="$1" out status=0
  shift
  out="$("$@" 2>&1)" || status=$?
  if [ "$status" -eq 0 ]; then
    echo "ok   $name"
  else
    printf '%s\n' "$out"
    echo "FAIL $name (exit $status)"
    failed=$((failed + 1))
  fi
}

run "action.yml against GitHub's action schema (check-jsonschema $(check-jsonschema --version | awk '{print $NF}'))" \
  check-jsonschema --builtin-schema vendor.github-actions action.yml
run "${#workflows[@]} workflows against GitHub's workflow schema (check-jsonschema)" \
  check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}"
run "${#workflows[@]} workflows with actionlint $(actionlint -version | head -n 1 | awk '{print $NF}') and shellcheck" \
  actionlint -no-color "${workflows[@]}"
# Files, not directories: zizmor collects only .github/workflows/ from a directory, never docs/workflows/.
# --strict-collection: a file that does not parse fails instead of being skipped with a warning.
run "action.yml and ${#workflows[@]} workflows with zizmor $(zizmor --version | awk '{print $NF}') (offline)" \
  zizmor --offline --strict-collection --no-progress --color never --config .github/zizmor.yml action.yml "${workflows[@]}"

if [ "$failed" -gt 0 ]; then
  echo "check-workflows: $failed check(s) failed"
  exit 1
fi
echo "check-workflows: all checks passed"
