#!/usr/bin/env python3
"""Writes a small sdist built by a PEP 517 backend that needs nothing but the standard library.

usage: make_sdist.py OUTDIR NAME VERSION [--platform] [--backend-from PACKAGE] [--fail LINE]...
       make_sdist.py OUTDIR NAME VERSION --backend-wheel

By default the backend is in the sdist's own tree (backend-path), so the build needs nothing
from any index. With --backend-from PACKAGE, [build-system] requires PACKAGE and names its
module as the backend: pip installs it (from the index, or from a build lock). With
--backend-wheel, the script writes that backend package instead: a wheel NAME-VERSION whose
module is the backend, and whose built wheels say "Generator: NAME (VERSION)".

The backend builds a pure py3-none-any wheel; with --platform it tags the wheel for this
interpreter and machine (cpXY-cpXY-linux_<arch>), as an sdist with compiled code would. With
--fail, it prints each LINE to stderr and fails, as a broken build does.
"""
import argparse
import base64
import hashlib
import io
import os
import tarfile
import zipfile

BACKEND = '''
import base64, hashlib, os, platform, sys, zipfile

GENERATOR, PLATFORM, FAIL = {generator!r}, {platform!r}, {fail!r}


def _pkg_info():
    with open("PKG-INFO") as f:
        fields = dict(line.split(": ", 1) for line in f.read().splitlines() if ": " in line)
    return fields["Name"], fields["Version"]


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    # Metadata without a build: how pip-compile locks an sdist whose build then fails.
    name, version = _pkg_info()
    info = f"{{name.replace('-', '_')}}-{{version}}.dist-info"
    os.makedirs(os.path.join(metadata_directory, info))
    with open(os.path.join(metadata_directory, info, "METADATA"), "w") as f:
        f.write(f"Metadata-Version: 2.1\\nName: {{name}}\\nVersion: {{version}}\\n")
    return info


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    if FAIL:
        for line in FAIL:
            print(line, file=sys.stderr)
        raise SystemExit(1)
    name, version = _pkg_info()
    module = name.replace("-", "_")
    info = f"{{module}}-{{version}}.dist-info"
    abi = "cp%d%d" % sys.version_info[:2]
    tag = f"{{abi}}-{{abi}}-linux_{{platform.machine()}}" if PLATFORM else "py3-none-any"
    files = {{
        f"{{module}}/__init__.py": f'__version__ = "{{version}}"\\n'.encode(),
        f"{{info}}/METADATA": f"Metadata-Version: 2.1\\nName: {{name}}\\nVersion: {{version}}\\n".encode(),
        f"{{info}}/WHEEL": f"Wheel-Version: 1.0\\nGenerator: {{GENERATOR}}\\nRoot-Is-Purelib: {{'false' if PLATFORM else 'true'}}\\nTag: {{tag}}\\n".encode(),
    }}
    rows = [f"{{p}},sha256={{base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()}},{{len(d)}}" for p, d in files.items()]
    files[f"{{info}}/RECORD"] = ("\\n".join(rows + [f"{{info}}/RECORD,,"]) + "\\n").encode()
    wheel = f"{{module}}-{{version}}-{{tag}}.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w") as z:
        for path, data in files.items():
            z.writestr(zipfile.ZipInfo(path, (2020, 1, 1, 0, 0, 0)), data)
    return wheel
'''

EPOCH = (2020, 1, 1, 0, 0, 0)


def record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def backend_wheel(outdir, name, version):
    module = name.replace("-", "_")
    info = f"{module}-{version}.dist-info"
    files = {
        f"{module}.py": BACKEND.format(generator=f"{name} ({version})", platform=False, fail=[]).encode(),
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: phoreus-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    rows = [record_line(p, d) for p, d in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(rows) + "\n").encode()
    path = os.path.join(outdir, f"{module}-{version}-py3-none-any.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for p, d in files.items():
            z.writestr(zipfile.ZipInfo(p, EPOCH), d)
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir")
    parser.add_argument("name")
    parser.add_argument("version")
    parser.add_argument("--platform", action="store_true")
    parser.add_argument("--backend-from")
    parser.add_argument("--backend-wheel", action="store_true")
    parser.add_argument("--fail", action="append", default=[])
    args = parser.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    if args.backend_wheel:
        print(backend_wheel(args.outdir, args.name, args.version))
        return
    root = f"{args.name.replace('-', '_')}-{args.version}"
    files = {"PKG-INFO": f"Metadata-Version: 2.1\nName: {args.name}\nVersion: {args.version}\n"}
    if args.backend_from:
        backend = args.backend_from.replace("-", "_")
        files["pyproject.toml"] = f'[build-system]\nrequires = ["{args.backend_from}"]\nbuild-backend = "{backend}"\n'
    else:
        files["pyproject.toml"] = '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
        files["backend.py"] = BACKEND.format(generator="sdist-fixture", platform=args.platform, fail=args.fail)
    path = os.path.join(args.outdir, f"{root}.tar.gz")
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(files):
            data = files[name].encode()
            info = tarfile.TarInfo(f"{root}/{name}")
            info.size, info.mtime, info.mode = len(data), 1577836800, 0o644
            tar.addfile(info, io.BytesIO(data))
    print(path)


if __name__ == "__main__":
    main()
