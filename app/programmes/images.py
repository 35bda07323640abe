"""Programme images on disk: recognised by their content, stored under random names.

Files live in ``UPLOAD_FOLDER/programmes`` (``instance/uploads`` unless configured),
and are served by `main.programme_image`. Several web nodes need that folder on a
shared volume. A file a change adds or drops is deleted when that change's
transaction ends: the new one if it is rolled back, the old one once it commits.
"""

import os
import re
import secrets
from pathlib import Path

from flask import current_app

from app.core.transaction import after_commit, after_rollback

MAX_IMAGE_BYTES = 2 * 1024 * 1024

#: A stored name: random URL-safe characters and the extension we chose ourselves.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}\.(?:png|jpg|webp)$")


def sniff(data: bytes) -> str | None:
    """The file extension for PNG, JPEG or WebP data, from its first bytes (else None)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def folder() -> Path:
    base = current_app.config.get("UPLOAD_FOLDER") or os.path.join(
        current_app.instance_path, "uploads"
    )
    return Path(base) / "programmes"


def save(data: bytes, extension: str) -> str:
    """Write the image under a new random name and return that name."""
    name = f"{secrets.token_urlsafe(18)}.{extension}"
    directory = folder()
    directory.mkdir(parents=True, exist_ok=True)
    partial = directory / f".{name}.part"
    partial.write_bytes(data)
    partial.replace(directory / name)  # readers never see half a file
    return name


def delete(name: str | None) -> None:
    if name and NAME_PATTERN.match(name):
        (folder() / name).unlink(missing_ok=True)


# Files follow the transaction ----------------------------------------------------------


def delete_after_commit(name: str | None) -> None:
    """Delete this image once the change that stops using it is committed."""
    if name:
        after_commit(lambda: delete(name))


def delete_after_rollback(name: str | None) -> None:
    """Delete this image (just saved) if the change that uses it is rolled back."""
    if name:
        after_rollback(lambda: delete(name))
