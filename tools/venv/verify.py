"""Checks a private virtual environment kept in a cache against the wheels it was made from.

usage: python -I -S -B verify.py VENV PYTHON WHEEL...

The wheels are files whose sha256 the lock allows (the caller checked them). The venv passes
when it is exactly what installing some of them gives, and nothing else Python would run:

- pyvenv.cfg names PYTHON's directory as home and keeps system site-packages out;
- bin/python* lead to PYTHON; lib64, if present, is the link to lib that venv makes;
- every distribution in site-packages is one of the wheels, file for file, byte for byte;
- no other file is there: no stray .pth or sitecustomize, no bytecode (the venv is
  installed with --no-compile and used with PYTHONDONTWRITEBYTECODE), no symlink.

Exit status 0 when it passes; 1 with one line saying why, on stdout, when it does not.
Standard library only, run with -I -S -B: nothing of the venv under test is imported.
"""
import hashlib
import os
import re
import sys
import zipfile

# Files pip writes into a dist-info directory at install time, which no wheel carries as such.
GENERATED = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


def generated(path):
    """A dist-info file pip rewrites or adds when it installs (RECORD is rewritten)."""
    parts = path.split("/")
    return len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] in GENERATED


def fail(reason):
    print(reason)
    sys.exit(1)


def digest(data):
    return hashlib.sha256(data).hexdigest()


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_files(path):
    """The files a wheel installs into site-packages, by relative path, with their sha256."""
    files = {}
    with zipfile.ZipFile(path) as wheel:
        for info in wheel.infolist():
            if info.is_dir():
                continue
            name = info.filename
            data_dir = re.match(r"^[^/]+\.data/(purelib|platlib)/(.+)$", name)
            if data_dir:
                name = data_dir.group(2)
            elif re.match(r"^[^/]+\.data/", name):
                continue  # scripts, headers, data: installed outside site-packages, never imported
            files[name] = digest(wheel.read(info))
    return files


def dist_info(files):
    """(canonical name, version) of the wheel's .dist-info directory."""
    for name in files:
        m = re.match(r"^([^/]+)-([^/-]+)\.dist-info/METADATA$", name)
        if m:
            return canonical(m.group(1)), m.group(2), m.group(0).split("/")[0]
    return None


def check_config(venv, python):
    cfg = {}
    try:
        with open(os.path.join(venv, "pyvenv.cfg"), encoding="utf-8") as f:
            for line in f:
                if "=" in line:
                    key, value = line.split("=", 1)
                    cfg[key.strip().lower()] = value.strip()
    except OSError:
        fail("pyvenv.cfg is missing")
    if os.path.realpath(cfg.get("home", "")) != os.path.realpath(os.path.dirname(python)):
        fail("pyvenv.cfg names another interpreter's home")
    if cfg.get("include-system-site-packages", "").lower() != "false":
        fail("pyvenv.cfg lets system site-packages in")
    bin_dir = os.path.join(venv, "bin")
    if not os.path.islink(os.path.join(bin_dir, "python")):
        fail("bin/python is not the link venv makes")
    for entry in os.listdir(bin_dir):
        path = os.path.join(bin_dir, entry)
        if re.match(r"^python(\d(\.\d+)?)?$", entry) and os.path.realpath(path) != os.path.realpath(python):
            fail(f"bin/{entry} does not lead to {python}")
    lib64 = os.path.join(venv, "lib64")
    if os.path.lexists(lib64) and not (os.path.islink(lib64) and os.readlink(lib64) == "lib"):
        fail("lib64 is not the link to lib that venv makes")
    lib = os.path.join(venv, "lib")
    versions = os.listdir(lib)
    if len(versions) != 1 or not re.match(r"^python\d+\.\d+$", versions[0]):
        fail("lib holds more than the interpreter's own directory")
    if os.listdir(os.path.join(lib, versions[0])) != ["site-packages"]:
        fail(f"lib/{versions[0]} holds more than site-packages")
    return os.path.join(lib, versions[0], "site-packages")


def installed_files(site):
    files = {}
    for root, dirs, names in os.walk(site):
        for d in dirs:
            if d == "__pycache__" or os.path.islink(os.path.join(root, d)):
                fail(f"{os.path.relpath(os.path.join(root, d), site)} is bytecode or a link, which no install here makes")
        for n in names:
            path = os.path.join(root, n)
            rel = os.path.relpath(path, site)
            if os.path.islink(path) or not os.path.isfile(path):
                fail(f"{rel} is not a regular file")
            with open(path, "rb") as f:
                files[rel] = digest(f.read())
    return files


def main(venv, python, wheels):
    site = check_config(venv, python)
    present = installed_files(site)
    candidates = {}
    for wheel in wheels:
        files = wheel_files(wheel)
        info = dist_info(files)
        if info:
            candidates.setdefault((info[0], info[1]), []).append((info[2], files))
    accounted = set()
    for entry in sorted(os.listdir(site)):
        m = re.match(r"^(.+)-([^-]+)\.dist-info$", entry)
        if not m:
            continue
        key = (canonical(m.group(1)), m.group(2))
        match = next(
            (files for dist_dir, files in candidates.get(key, []) if dist_dir == entry and all(present.get(p) == h for p, h in files.items() if not generated(p))),
            None,
        )
        if match is None:
            fail(f"{entry} is not, byte for byte, one of the locked wheels")
        accounted.update(p for p in match if not generated(p))
        accounted.update(f"{entry}/{g}" for g in GENERATED if f"{entry}/{g}" in present)
    stray = sorted(set(present) - accounted)
    if stray:
        fail(f"{stray[0]} comes from no locked wheel")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        fail("usage: verify.py VENV PYTHON WHEEL...")
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
