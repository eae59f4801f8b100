#!/usr/bin/env python3
"""Writes a small, valid wheel for the tests' local package index.

usage: make_wheel.py OUTDIR NAME VERSION [--requires SPEC]... [--script NAME=MODULE:FUNC]...
                     [--tag TAG] [--python-requires SPEC]

The module NAME (dashes become underscores) gets an __init__.py that records the
version, so a test can tell which wheel was installed.
"""
import argparse
import base64
import hashlib
import os
import zipfile

# Fixed timestamps keep the wheel bytes, and so their hashes, the same on every run.
EPOCH = (2020, 1, 1, 0, 0, 0)


def record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir")
    parser.add_argument("name")
    parser.add_argument("version")
    parser.add_argument("--requires", action="append", default=[])
    parser.add_argument("--script", action="append", default=[])
    parser.add_argument("--tag", default="py3-none-any")
    parser.add_argument("--python-requires")
    parser.add_argument("--payload", default="", help="extra text in the module, to change the wheel's hash")
    args = parser.parse_args()

    module = args.name.replace("-", "_").lower()
    dist = args.name.replace("-", "_")
    dist_info = f"{dist}-{args.version}.dist-info"
    files = {
        f"{module}/__init__.py": f'__version__ = "{args.version}"\n{args.payload}\n'.encode(),
    }
    metadata = [
        "Metadata-Version: 2.1",
        f"Name: {args.name}",
        f"Version: {args.version}",
        f"Summary: test package {args.name}",
    ]
    if args.python_requires:
        metadata.append(f"Requires-Python: {args.python_requires}")
    metadata += [f"Requires-Dist: {r}" for r in args.requires]
    files[f"{dist_info}/METADATA"] = ("\n".join(metadata) + "\n").encode()
    files[f"{dist_info}/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: phoreus-test\nRoot-Is-Purelib: true\n"
        f"Tag: {args.tag}\n"
    ).encode()
    if args.script:
        lines = ["[console_scripts]"] + [s.replace("=", " = ", 1) for s in args.script]
        files[f"{dist_info}/entry_points.txt"] = ("\n".join(lines) + "\n").encode()
    record = [record_line(p, d) for p, d in files.items()] + [f"{dist_info}/RECORD,,"]
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()

    os.makedirs(args.outdir, exist_ok=True)
    path = os.path.join(args.outdir, f"{dist}-{args.version}-{args.tag}.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, EPOCH)
            info.external_attr = 0o644 << 16
            wheel.writestr(info, files[name])
    print(path)


if __name__ == "__main__":
    main()
