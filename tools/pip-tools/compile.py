"""pip-compile, taking each file's sha256 from the package index when the index publishes it.

usage: python compile.py [pip-compile options] [sources]

pip-tools hashes a pinned version's files with the digests of PyPI's JSON API where there is
one, and otherwise downloads every file (every platform's wheel) to hash it. Every simple
index publishes the same digests in its project pages (PEP 503 "#sha256=" fragments, PEP 691
"hashes"): those are taken as pip-tools takes PyPI's, and only a file published without a
sha256 is downloaded and hashed. Everything else is pip-compile itself, unchanged.
"""
import re
import runpy
import sys

from piptools.repositories.pypi import PyPIRepository

SHA256 = re.compile(r"^[0-9a-f]{64}$")
_download_and_hash = PyPIRepository._get_file_hash


def _get_file_hash(self, link):
    published = getattr(link, "_hashes", None) or {}
    digest = published.get("sha256") or (link.hash if link.hash_name == "sha256" else None)
    if digest and SHA256.match(digest.lower()):
        return "sha256:" + digest.lower()
    return _download_and_hash(self, link)


PyPIRepository._get_file_hash = _get_file_hash
sys.argv[0] = "pip-compile"
runpy.run_module("piptools", run_name="__main__")
