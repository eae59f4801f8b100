#!/usr/bin/env python3
"""Writes a small, valid wheel for the tests' local package index.

usage: make_wheel.py OUTDIR NAME VERSION [--requires SPEC]... [--script NAME=MODULE:FUNC]...
                     [--tag TAG] [--python-requires SPEC] [--ext SOURCE.c]

With --ext, the C source is compiled with gcc against the running interpreter's headers
into an extension module NAME._native, and the wheel is tagged for that interpreter
(cpXY-cpXY-manylinux_2_17_<arch>).

The module NAME (dashes become underscores) gets an __init__.py that records the
version, so a test can tell which wheel was installed.
"""
import argparse
import base64
import hashlib
import os
import platform
import subprocess
import sys
import sysconfig
import tempfile
import zipfile

# Fixed timestamps keep the wheel bytes, and so their hashes, the same on every run.
EPOCH = (2020, 1, 1, 0, 0, 0)


def record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def compile_extension(module, source):
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "_native" + suffix)
        subprocess.run(
            ["gcc", "-shared", "-fPIC", "-O2", "-I", sysconfig.get_paths()["include"], source, "-o", out],
            check=True,
        )
        with open(out, "rb") as f:
            return {f"{module}/_native{suffix}": f.read()}


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
    parser.add_argument("--ext", help="C source of an extension module NAME._native")
    parser.add_argument("--pth", help="a NAME.pth file with this content, installed into site-packages")
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
    if args.pth is not None:
        files[f"{module}.pth"] = (args.pth + "\n").encode()
    if args.ext:
        files.update(compile_extension(module, args.ext))
        abi = "cp%d%d" % sys.version_info[:2]
        args.tag = "%s-%s-manylinux_2_17_%s" % (abi, abi, platform.machine())
    if args.python_requires:
        metadata.append(f"Requires-Python: {args.python_requires}")
    metadata += [f"Requires-Dist: {r}" for r in args.requires]
    files[f"{dist_info}/METADATA"] = ("\n".join(metadata) + "\n").encode()
    files[f"{dist_info}/WHEEL"] = (
        f"Wheel-Version: 1.0\nGenerator: phoreus-test\nRoot-Is-Purelib: {'false' if args.ext else 'true'}\n"
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
