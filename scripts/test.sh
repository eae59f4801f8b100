#!/usr/bin/env bash
# The test command (`npm test`), complete on a fresh Debian or Ubuntu machine with Node 20+ and
# Python 3.10 and 3.11: installs the system tools the tests run for real (apt-get, as root or
# through sudo) and node_modules (npm ci), then runs the typecheck, the lint and the whole vitest
# suite, prints the passed, failed and skipped counts, and fails if any test failed or was skipped.
# `scripts/test.sh pypi` (npm run test:pypi) runs, on the same machine set-up, only the tests
# that need the public package index (test/pypi).
set -euo pipefail
suite="${1:-all}"
cd "$(dirname "$0")/.."

export PIP_DISABLE_PIP_VERSION_CHECK=1

# Each program the tests run, and the Debian/Ubuntu package that provides it.
declare -A PACKAGE_OF=(
  [rpmbuild]=rpm [rpm]=rpm [rpm2cpio]=rpm2cpio [cpio]=cpio [createrepo_c]=createrepo-c
  [gcc]=gcc [readelf]=binutils [unshare]=util-linux [setpriv]=util-linux [luac5.3]=lua5.3 [zstd]=zstd [xz]=xz-utils
  [rpmsign]=rpm [rpmkeys]=rpm [gpg]=gnupg [gpgconf]=gnupg [gpgv]=gpgv
)
missing=()
for program in "${!PACKAGE_OF[@]}"; do
  command -v "$program" >/dev/null || missing+=("${PACKAGE_OF[$program]}")
done
[ -f /usr/share/lmod/lmod/init/bash ] || missing+=(lmod)
# createrepo_c's own reader of repositories, which the publish tests list a repository with.
/usr/bin/python3 -c 'import createrepo_c' 2>/dev/null || missing+=(python3-createrepo-c)
# GNU time measures the audit's peak memory (the shell's own `time` cannot).
[ -x /usr/bin/time ] || missing+=(time)
if [ "${#missing[@]}" -gt 0 ]; then
  mapfile -t packages < <(printf '%s\n' "${missing[@]}" | sort -u)
  echo "Installing ${packages[*]} with apt-get"
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "installing ${packages[*]} needs root or sudo" >&2; exit 1; }
    as_root=(sudo)
  fi
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# The interpreters the tests build for: pyenv here, actions/setup-python on GitHub.
for minor in 3.10 3.11; do
  if ! ls "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$minor".*/bin/python"$minor" >/dev/null 2>&1 \
     && ! ls "${RUNNER_TOOL_CACHE:-/nonexistent}"/Python/"$minor".*/x64/bin/python"$minor" >/dev/null 2>&1; then
    echo "Python $minor is missing: install it with \`pyenv install $minor\` (actions/setup-python on GitHub)" >&2
    exit 1
  fi
done

# node_modules, installed afresh when missing or older than the lock.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

config=()
if [ "$suite" = pypi ]; then
  config=(--config vitest.pypi.config.ts)
else
  npm run typecheck
  npm run lint
  scripts/check-workflows.sh
fi

report="$(mktemp --suffix=.json -t vitest-report.XXXXXX)"
trap 'rm -f "$report"' EXIT
status=0
npx vitest run "${config[@]}" --reporter=default --reporter=json --outputFile.json="$report" || status=$?
node scripts/test-counts.mjs "$report" || status=1
exit "$status"
