"""File handling for intake: hashing, the content-addressed store, moving inbox files out of the way."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def content_path(home: Path, sha256: str) -> Path:
    return home / "files" / "sha256" / sha256[:2] / sha256[2:4] / sha256


def store_content(home: Path, source: Path, sha256: str) -> Path:
    """Copy into files/sha256/ab/cd/<hash>; a hash already stored is never rewritten."""
    target = content_path(home, sha256)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            shutil.copyfileobj(src, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())
        if sha256_of(Path(tmp)) != sha256:
            raise OSError(f"content of {source.name!r} changed while it was being stored")
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)  # atomic: readers see the whole file or none
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


_UNSAFE = re.compile(r"[^\w.\-\u4e00-\u9fff]+")


def safe_name(name: str, limit: int = 80) -> str:
    """A harmless file name derived from anything (undecodable bytes, paths, control characters)."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = _UNSAFE.sub("_", text.replace("\\", "_").replace("/", "_")).lstrip(".") or "file"
    return text[-limit:]


def move_unique(source: Path, directory: Path, name: str) -> Path:
    """Move `source` into `directory` under `name`, adding -1, -2, … rather than ever overwriting."""
    directory.mkdir(parents=True, exist_ok=True)
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    for n in range(10_000):
        candidate = (
            directory / (f"{stem}-{n}.{ext}" if n else name) if ext else directory / (f"{stem}-{n}" if n else name)
        )
        try:
            os.link(source, candidate, follow_symlinks=False)  # fails if the name exists: no overwrite race
        except FileExistsError:
            continue
        except OSError:
            # Filesystems without hard links: fall back to an exclusive create + copy.
            try:
                with candidate.open("xb") as out, source.open("rb") as src:
                    shutil.copyfileobj(src, out, CHUNK)
            except FileExistsError:
                continue
        source.unlink()
        return candidate
    raise OSError(f"no free name for {name} in {directory}")
