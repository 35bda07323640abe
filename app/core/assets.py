"""Static files as a service worker keeps them for offline use: one version for a
set of files, which changes whenever any of them does (a new deploy), so that the
worker's cache is named by it and an old one is never served."""

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import current_app


def files_version(filenames: tuple[str, ...]) -> str:
    """A short hash of these static files' contents. Read again only when a file's
    size or modification time changes."""
    folder = Path(current_app.static_folder)
    stamps = tuple(
        (name, stat.st_size, stat.st_mtime_ns)
        for name, stat in ((name, (folder / name).stat()) for name in filenames)
    )
    return _hash(folder, stamps)


@lru_cache(maxsize=8)
def _hash(folder: Path, stamps: tuple) -> str:
    digest = hashlib.sha256()
    for name, *_ in stamps:
        digest.update(name.encode())
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()[:16]
