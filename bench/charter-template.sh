#!/usr/bin/env bash
# The baseline: only what the charter's §8 SPEC template does, as written there — a venv
# in %build, pip upgraded from the network, the lock installed with --require-hashes,
# the project installed with `pip install .` (when it is one: a lock alone installs only the
# lock), the venv copied into the buildroot.
# usage: charter-template.sh PROJECT_DIR TOOL VERSION PYTHON X.Y OUT_DIR
set -euo pipefail
project="$1" tool="$2" version="$3" python="$4" pyver="$5" out="$6"
top="$(mktemp -d)"
trap 'rm -rf "$top"' EXIT
mkdir -p "$top/SOURCES" "$top/SPECS"
tar -C "$(dirname "$project")" -czf "$top/SOURCES/$tool-$version.tar.gz" \
  --transform "s,^$(basename "$project"),$tool-$version," "$(basename "$project")"
cat > "$top/SPECS/$tool.spec" <<SPEC
%global tool $tool
%global pyver $pyver
%global debug_package %{nil}

Name:           phoreus-%{tool}-$version
Version:        $version
Release:        1%{?dist}
Summary:        Bioinformatics tool %{tool} packaged for Phoreus
License:        MIT
Source0:        %{tool}-%{version}.tar.gz

Requires:       phoreus
Requires:       phoreus-python-%{pyver}

%global phoreus_prefix /usr/local/phoreus/%{tool}/%{version}

%description
Hermetically packaged Python application stack for %{tool},
including fully frozen dependency graph.

%prep
%autosetup -n %{tool}-%{version}

%build
$python -m venv venv
source venv/bin/activate
pip install --upgrade pip
pip install --require-hashes -r requirements.lock
$(if [ -e "$project/pyproject.toml" ] || [ -e "$project/setup.py" ]; then echo 'pip install .'; fi)

%install
rm -rf %{buildroot}
mkdir -p %{buildroot}%{phoreus_prefix}
cp -a venv %{buildroot}%{phoreus_prefix}/

%files
%{phoreus_prefix}/
SPEC
rpmbuild -bb --nodeps --quiet --define "_topdir $top" --define "dist .el9" \
  --define "_binary_payload w9.zstdio" --define "__os_install_post %{nil}" \
  --define "_build_id_links none" --define "_buildshell /bin/bash" "$top/SPECS/$tool.spec" >/dev/null
mkdir -p "$out"
cp "$top"/RPMS/*/*.rpm "$out/"
