#!/usr/bin/env python3
"""Makes a virtual environment built at one path correct for the path it is installed at.

usage: relocate.py VENV BUILT FINAL PYTHON_HOME PYVER
       relocate.py --bytecode ROOT VENV

VENV is where the environment is now (inside the buildroot), BUILT the path it was
created at (its files name it), FINAL the path it is installed at. PYTHON_HOME is the
target interpreter's home on installed systems and PYVER its X.Y.

It rewrites shebangs (pip's '''exec' form for long paths becomes a plain shebang when
the final path is short enough), activate scripts and every other text file naming
BUILT; points pyvenv.cfg and the bin/python* links at the target interpreter; updates
the RECORD rows of the files it changed, so RECORD stays true; and fails, naming the
files, if BUILT is left anywhere, or sits inside a binary file it cannot rewrite.
Bytecode a wheel ships is listed in its RECORD; any other .pyc is a build-time byproduct
and is removed, since bytecode is compiled afterwards for the installed path.

--bytecode compiles every .py of the venv's site-packages (VENV inside the buildroot ROOT)
for the path it is installed at, with unchecked-hash invalidation (the bytes depend on the
source only, never on a time), on every core; then brings the RECORD rows of the
wheel-shipped .pyc files up to date with what was compiled.

Runs in the RPM's %install with the build interpreter; standard library only.
"""
import base64
import concurrent.futures
import hashlib
import os
import py_compile
import re
import sys

# Linux's limit on a shebang line, which pip also uses to choose the '''exec' form.
SHEBANG_MAX = 127
EXEC_FORM = re.compile(rb"\A#!/bin/sh\n'''exec' (\"?)(?P<python>[^\n\"]+)\1 \"\$0\" \"\$@\"\n' '''\n")


def record_hash(data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


def rewrite_script(data, built, final):
    """Shebang first: a pip exec-form launcher becomes a plain shebang when it fits."""
    m = EXEC_FORM.match(data)
    if m:
        python = m.group("python").replace(built, final)
        if len(b"#!" + python) <= SHEBANG_MAX and b" " not in python:
            return b"#!" + python + b"\n" + data[m.end():]
    return data.replace(built, final)


def relocate_files(venv, built, final):
    changed = []
    unrewritable = []
    for root, dirs, files in os.walk(venv):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            if os.path.islink(path):
                continue
            with open(path, "rb") as f:
                data = f.read()
            if built not in data:
                continue
            if b"\0" in data:
                unrewritable.append(path)
                continue
            new = rewrite_script(data, built, final)
            mode = os.stat(path).st_mode
            with open(path, "wb") as f:
                f.write(new)
            os.chmod(path, mode)
            changed.append(path)
    return changed, unrewritable


def relocate_links(venv, built, final, python_home, pyver):
    interpreter = os.path.join(python_home, "bin", "python" + pyver)
    for root, dirs, files in os.walk(venv):
        for name in dirs + files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                continue
            target = os.readlink(path)
            if not os.path.isabs(target):
                continue
            if target.startswith(built.decode()):
                new = final.decode() + target[len(built.decode()):]
            elif os.path.basename(root) == "bin" and re.match(r"python[0-9.]*$", name):
                new = interpreter
            else:
                continue
            os.unlink(path)
            os.symlink(new, path)


def rewrite_pyvenv_cfg(venv, final, python_home, pyver):
    path = os.path.join(venv, "pyvenv.cfg")
    interpreter = os.path.join(python_home, "bin", "python" + pyver)
    values = {
        "home": os.path.join(python_home, "bin"),
        "executable": interpreter,
        "command": "%s -m venv %s" % (interpreter, final.decode()),
        "include-system-site-packages": "false",
    }
    lines = []
    seen = set()
    with open(path) as f:
        for line in f:
            key = line.split("=", 1)[0].strip()
            if key in values:
                lines.append("%s = %s\n" % (key, values[key]))
                seen.add(key)
            else:
                lines.append(line)
    for key in ("home", "include-system-site-packages", "executable", "command"):
        if key not in seen:
            lines.append("%s = %s\n" % (key, values[key]))
    with open(path, "w") as f:
        f.writelines(lines)


def recorded_files(venv):
    """Every (RECORD path, row index, file path, fields) of every RECORD in the venv."""
    for root, dirs, files in os.walk(venv):
        for name in dirs:
            if not name.endswith(".dist-info"):
                continue
            record = os.path.join(root, name, "RECORD")
            if not os.path.isfile(record):
                continue
            with open(record, newline="") as f:
                rows = f.read().splitlines()
            for index, row in enumerate(rows):
                fields = row.rsplit(",", 2)
                if len(fields) == 3:
                    yield record, index, os.path.realpath(os.path.join(root, fields[0].strip('"'))), fields


def refresh_records(venv, wanted):
    """RECORD rows hold each file's hash and size: refresh the rows of the files `wanted` picks."""
    updates = {}
    for record, index, path, fields in recorded_files(venv):
        if wanted(path) and os.path.isfile(path):
            with open(path, "rb") as f:
                data = f.read()
            updates.setdefault(record, {})[index] = "%s,%s,%d" % (fields[0], record_hash(data), len(data))
    for record, rows in updates.items():
        with open(record, newline="") as f:
            lines = f.read().splitlines()
        for index, row in rows.items():
            lines[index] = row
        with open(record, "w", newline="") as f:
            f.write("\n".join(lines) + "\n")


def drop_unrecorded_bytecode(venv):
    recorded = {path for _, _, path, _ in recorded_files(venv)}
    for root, dirs, files in os.walk(venv):
        for name in files:
            path = os.path.join(root, name)
            if name.endswith(".pyc") and os.path.realpath(path) not in recorded:
                os.unlink(path)


def leftovers(venv, built):
    found = []
    for root, dirs, files in os.walk(venv):
        for name in dirs + files:
            path = os.path.join(root, name)
            if os.path.islink(path):
                if built.decode() in os.readlink(path):
                    found.append(path)
            elif os.path.isfile(path):
                with open(path, "rb") as f:
                    if built in f.read():
                        found.append(path)
    return found


def compile_files(root, paths):
    """Compiles each file as its installed path names it; the first failure, as one line, or None."""
    for path in paths:
        try:
            py_compile.compile(path, dfile="/" + os.path.relpath(path, root), doraise=True,
                               invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        except py_compile.PyCompileError as error:
            return "%s: %s" % (os.path.relpath(path, root), str(error.msg).strip().splitlines()[-1])
    return None


def compile_tree(root, tree):
    """Every .py under tree, like compileall -j0 but in a few large batches: one task per file costs more than it compiles."""
    sys.pycache_prefix = None  # bytecode goes next to its source, whatever the environment says
    paths = []
    for parent, dirs, files in os.walk(tree):
        dirs.sort()
        paths.extend(os.path.join(parent, name) for name in sorted(files) if name.endswith(".py"))
    batches = max(1, (os.cpu_count() or 1) * 4)
    with concurrent.futures.ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        failures = [f for f in pool.map(compile_files, [root] * batches, [paths[i::batches] for i in range(batches)]) if f]
    for failure in failures:
        sys.stderr.write("relocate.py: cannot compile %s\n" % failure)
    return 1 if failures else 0


def main(argv):
    if len(argv) == 4 and argv[1] == "--bytecode":
        root, venv = argv[2], argv[3]
        site = os.path.join(venv, "lib", "python%d.%d" % sys.version_info[:2], "site-packages")
        if compile_tree(root, site) != 0:
            return 1
        refresh_records(venv, lambda path: path.endswith(".pyc"))
        return 0
    if len(argv) != 6:
        sys.stderr.write(__doc__)
        return 2
    venv, built, final, python_home, pyver = argv[1:]
    built_b, final_b = built.rstrip("/").encode(), final.rstrip("/").encode()
    drop_unrecorded_bytecode(venv)
    changed, unrewritable = relocate_files(venv, built_b, final_b)
    relocate_links(venv, built_b, final_b, python_home, pyver)
    rewrite_pyvenv_cfg(venv, final_b, python_home, pyver)
    rewritten = {os.path.realpath(p) for p in changed}
    refresh_records(venv, lambda path: path in rewritten)
    left = sorted(set(leftovers(venv, built_b)) | set(unrewritable))
    if left:
        for path in left:
            sys.stderr.write("relocate.py: %s still names the build path %s\n" % (os.path.relpath(path, venv), built))
        return 1
    print("relocated %d files from %s to %s" % (len(changed), built, final))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
