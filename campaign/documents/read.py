"""Read a returned .docx into paragraph texts and its identification. Call only after the package checks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RawDocument:
    paragraphs: list[str]  # body paragraphs, then table cell paragraphs
    meta: dict[str, str] | None


def read_document(path: Path) -> RawDocument:
    from docx import Document

    doc = Document(str(path))
    paragraphs = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                paragraphs.extend(p.text for p in cell.paragraphs)
    props = doc.core_properties
    meta = None
    if props.identifier and "/" in props.identifier:
        code, deliverable = props.identifier.split("/", 1)
        meta = {
            "enterprise_code": code.strip(),
            "deliverable_id": deliverable.strip(),
            "template_version": (props.version or "").strip(),
        }
    return RawDocument(paragraphs, meta)
