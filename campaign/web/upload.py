"""Receive one uploaded file by streaming the multipart body to a temporary file, with limits.

Not `UploadFile`: Starlette spools the whole body before the handler runs, so a 2 GB upload would
be written in full before anyone could refuse it. Here every chunk is counted as it arrives and the
transfer stops at the limit, the partial file is deleted, and nothing of it reaches intake.
The CSRF field must come before the file part (the form puts it first), so a forged post is refused
before a byte of its file is written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from python_multipart.multipart import MultipartParser, parse_options_header

from campaign.intake.store import safe_name

FIELD_LIMIT = 4096  # bytes of any ordinary form field
MAX_FIELDS = 8


class UploadRefused(Exception):
    def __init__(self, reason: str, received: int = 0) -> None:
        super().__init__(reason)
        self.reason, self.received = reason, received  # reason: too_large | csrf | malformed | no_file


@dataclass
class Received:
    path: Path  # <tmpdir>/<harmless version of the sender's file name>
    name: str  # the name as the sender gave it (for messages)
    size: int

    def discard(self) -> None:
        shutil.rmtree(self.path.parent, ignore_errors=True)


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


async def receive_file(
    content_type: str,
    chunks: AsyncIterator[bytes],
    upload_dir: Path,
    limit: int,
    check_csrf: Callable[[str | None], bool],
) -> Received:
    kind, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary or len(boundary) > 200:
        raise UploadRefused("malformed")
    upload_dir.mkdir(parents=True, exist_ok=True)
    tmpdir = Path(tempfile.mkdtemp(dir=upload_dir, prefix="upload-"))
    state = _PartState(tmpdir, limit, check_csrf)
    parser = MultipartParser(boundary, state.callbacks(), max_header_count=8)
    try:
        async for chunk in chunks:
            state.received += len(chunk)
            parser.write(chunk)
            state.raise_if_refused()
        parser.finalize()
        state.raise_if_refused()
        if state.file_path is None or not state.file_done:
            raise UploadRefused("no_file", state.received)
        return Received(state.file_path, state.file_name or state.file_path.name, state.written)
    except UploadRefused:
        state.close()
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise
    except Exception as exc:  # the parser's own errors: a body that is not multipart
        state.close()
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise UploadRefused("malformed", state.received) from exc


class _PartState:
    """Callbacks for python-multipart's push parser; a refusal is recorded and raised between chunks."""

    def __init__(self, tmpdir: Path, limit: int, check_csrf: Callable[[str | None], bool]) -> None:
        self.tmpdir, self.limit, self.check_csrf = tmpdir, limit, check_csrf
        self.fields: dict[str, str] = {}
        self.received = 0
        self.written = 0
        self.refused: str | None = None
        self.file_path: Path | None = None
        self.file_name: str | None = None
        self.file_done = False
        self._fh: BinaryIO | None = None
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._field_name: str | None = None
        self._field_value = bytearray()
        self._is_file = False

    def callbacks(self) -> Any:  # python-multipart's MultipartCallbacks (a TypedDict)
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field_cb,
            "on_header_value": self._header_value_cb,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def refuse(self, reason: str) -> None:
        if self.refused is None:
            self.refused = reason
        self.close()

    def raise_if_refused(self) -> None:
        if self.refused is not None:
            raise UploadRefused(self.refused, self.received)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def _part_begin(self) -> None:
        self._headers, self._header_field, self._header_value = {}, b"", b""
        self._field_name, self._field_value, self._is_file = None, bytearray(), False

    def _header_field_cb(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _header_value_cb(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field, self._header_value = b"", b""

    def _headers_finished(self) -> None:
        if self.refused:
            return
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = _decode(params.get(b"name", b""))
        if b"filename" in params:
            if self.file_path is not None:
                return self.refuse("malformed")  # one file per upload
            if not self.check_csrf(self.fields.get("csrf_token")):
                return self.refuse("csrf")
            raw = _decode(params[b"filename"])
            # Browsers send the bare name; some old ones send a full Windows path.
            self.file_name = raw.replace("\\", "/").rsplit("/", 1)[-1][:255] or "file"
            self.file_path = self.tmpdir / safe_name(self.file_name, 120)
            fd = os.open(self.file_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            self._fh = os.fdopen(fd, "wb")
            self._is_file = True
        else:
            if len(self.fields) >= MAX_FIELDS:
                return self.refuse("malformed")
            self._field_name = name

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self.refused:
            return
        if self._is_file:
            if self._fh is None:
                return
            self.written += end - start
            if self.written > self.limit:
                return self.refuse("too_large")
            self._fh.write(data[start:end])
        elif self._field_name is not None:
            self._field_value += data[start:end]
            if len(self._field_value) > FIELD_LIMIT:
                self.refuse("malformed")

    def _part_end(self) -> None:
        if self.refused:
            return
        if self._is_file:
            if self._fh is not None:
                self._fh.flush()
                os.fsync(self._fh.fileno())
            self.close()
            self.file_done = True
        elif self._field_name is not None:
            self.fields[self._field_name] = _decode(bytes(self._field_value))
