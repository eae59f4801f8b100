#!/usr/bin/env python3
"""Writes a small sdist whose in-tree PEP 517 backend needs nothing from any index.

usage: make_sdist.py OUTDIR NAME VERSION [--platform]

The backend builds a pure py3-none-any wheel; with --platform it tags the wheel for this
interpreter and machine (cpXY-cpXY-linux_<arch>), as an sdist with compiled code would.
"""
import argparse
import io
import os
import tarfile

BACKEND = '''
import base64, hashlib, os, platform, sys, zipfile

NAME, VERSION, PLATFORM = {name!r}, {version!r}, {platform!r}


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    module = NAME.replace("-", "_")
    info = f"{{module}}-{{VERSION}}.dist-info"
    abi = "cp%d%d" % sys.version_info[:2]
    tag = f"{{abi}}-{{abi}}-linux_{{platform.machine()}}" if PLATFORM else "py3-none-any"
    files = {{
        f"{{module}}/__init__.py": f'__version__ = "{{VERSION}}"\\n'.encode(),
        f"{{info}}/METADATA": f"Metadata-Version: 2.1\\nName: {{NAME}}\\nVersion: {{VERSION}}\\n".encode(),
        f"{{info}}/WHEEL": f"Wheel-Version: 1.0\\nGenerator: sdist-fixture\\nRoot-Is-Purelib: {{'false' if PLATFORM else 'true'}}\\nTag: {{tag}}\\n".encode(),
    }}
    rows = [f"{{p}},sha256={{base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()}},{{len(d)}}" for p, d in files.items()]
    files[f"{{info}}/RECORD"] = ("\\n".join(rows + [f"{{info}}/RECORD,,"]) + "\\n").encode()
    wheel = f"{{module}}-{{VERSION}}-{{tag}}.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w") as z:
        for path, data in files.items():
            z.writestr(zipfile.ZipInfo(path, (2020, 1, 1, 0, 0, 0)), data)
    return wheel
'''


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir")
    parser.add_argument("name")
    parser.add_argument("version")
    parser.add_argument("--platform", action="store_true")
    args = parser.parse_args()
    root = f"{args.name.replace('-', '_')}-{args.version}"
    files = {
        "pyproject.toml": '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n',
        "backend.py": BACKEND.format(name=args.name, version=args.version, platform=args.platform),
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {args.name}\nVersion: {args.version}\n",
    }
    os.makedirs(args.outdir, exist_ok=True)
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
