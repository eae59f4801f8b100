"""A PEP 517 frontend of one call: the build_wheel hook of the backend a project names, run
by the python of the environment that holds that backend (a venv of requirements-build.lock),
with no isolation, no index and nothing installed: what `python -m build --wheel
--no-isolation` does, without pip's start-up or its hook subprocess.

usage: build_wheel.py SOURCE_DIR WHEEL_DIR BACKEND [BACKEND_PATH ...]
BACKEND is "module" or "module:object"; BACKEND_PATH entries (pyproject's backend-path,
already checked to lie inside SOURCE_DIR) go first on sys.path, as PEP 517 says.
"""
import importlib
import os
import sys


def backend_hooks(backend, backend_path, source):
    module_name, _, attributes = backend.partition(":")
    sys.path[:0] = [os.path.join(source, path) for path in backend_path]
    hooks = importlib.import_module(module_name)
    for attribute in filter(None, attributes.split(".")):
        hooks = getattr(hooks, attribute)
    return hooks


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    source, wheel_dir, backend = os.path.abspath(argv[1]), os.path.abspath(argv[2]), argv[3]
    os.makedirs(wheel_dir, exist_ok=True)
    # The backend runs in the source tree, which is not itself on the path (PEP 517).
    os.chdir(source)
    hooks = backend_hooks(backend, argv[4:], source)
    hooks.build_wheel(wheel_dir, {}, None)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
