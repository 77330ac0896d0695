"""Read a returned .docx into paragraph texts and its identification. Call only after the package checks.

The main part is streamed through expat (the package checks already refused DTDs and entities), one
paragraph per <w:p> in document order, wherever it stands: the body, tables, content controls
(<w:sdt>) and text boxes (<w:txbxContent>) alike, so text hidden in a text box or a content control
counts against the 字数 limit like any other. A text box is stored twice by Word (the drawing and a
VML fallback inside <mc:Fallback>); only the first is read, so nothing is counted twice.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_FALLBACK = "http://schemas.openxmlformats.org/markup-compatibility/2006 Fallback"
DC_IDENTIFIER = "http://purl.org/dc/elements/1.1/ identifier"
CP_VERSION = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties version"
DOCUMENT_PART = "word/document.xml"
CORE_PART = "docProps/core.xml"
# Text kept for the rules; beyond it a hostile document's text is only counted (its length alone is the problem).
MAX_KEPT_CHARS = 500_000
CHUNK = 64 * 1024


@dataclass(frozen=True)
class RawDocument:
    paragraphs: list[str]  # every paragraph in document order (body, tables, content controls, text boxes)
    meta: dict[str, str] | None
    unkept_chars: int = 0  # non-space characters beyond MAX_KEPT_CHARS, counted but not kept


class _Body:
    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self.open: list[tuple[int, list[str]]] = []  # (index in paragraphs, its text pieces), innermost last
        self.in_text = False
        self.skip_depth = 0  # inside <mc:Fallback>
        self.kept = 0
        self.unkept = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self.skip_depth:
            self.skip_depth += 1
            return
        if tag == MC_FALLBACK:
            self.skip_depth = 1
        elif tag == W + " p":
            self.paragraphs.append("")
            self.open.append((len(self.paragraphs) - 1, []))
        elif tag == W + " t":
            self.in_text = True
        elif self.open and tag == W + " tab":
            self._add("\t")
        elif self.open and tag in (W + " br", W + " cr"):
            self._add("\n")

    def end(self, tag: str) -> None:
        if self.skip_depth:
            self.skip_depth -= 1
            return
        if tag == W + " t":
            self.in_text = False
        elif tag == W + " p" and self.open:
            index, pieces = self.open.pop()
            self.paragraphs[index] = "".join(pieces)

    def text(self, data: str) -> None:
        if self.in_text and self.open and not self.skip_depth:
            self._add(data)

    def _add(self, data: str) -> None:
        if self.kept + len(data) <= MAX_KEPT_CHARS:
            self.kept += len(data)
            self.open[-1][1].append(data)
        else:
            self.unkept += sum(1 for ch in data if not ch.isspace())


def _stream(zf: zipfile.ZipFile, name: str, parser) -> None:
    with zf.open(name) as fh:
        while chunk := fh.read(CHUNK):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _parser():
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    return parser


def _core_properties(zf: zipfile.ZipFile) -> dict[str, str]:
    found: dict[str, str] = {}
    current: list[str | None] = [None]
    parser = _parser()

    def start(tag: str, attrs: dict[str, str]) -> None:
        current[0] = tag if tag in (DC_IDENTIFIER, CP_VERSION) else None

    def text(data: str) -> None:
        if current[0] is not None and len(found.get(current[0], "")) < 200:
            found[current[0]] = found.get(current[0], "") + data

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda tag: current.__setitem__(0, None)
    parser.CharacterDataHandler = text
    _stream(zf, CORE_PART, parser)
    return found


def read_document(path: Path) -> RawDocument:
    body = _Body()
    parser = _parser()
    parser.StartElementHandler = body.start
    parser.EndElementHandler = body.end
    parser.CharacterDataHandler = body.text
    with zipfile.ZipFile(path) as zf:
        _stream(zf, DOCUMENT_PART, parser)
        props = _core_properties(zf) if CORE_PART in zf.namelist() else {}
    identifier = props.get(DC_IDENTIFIER, "")
    meta = None
    if "/" in identifier:
        code, deliverable = identifier.split("/", 1)
        meta = {
            "enterprise_code": code.strip(),
            "deliverable_id": deliverable.strip(),
            "template_version": props.get(CP_VERSION, "").strip(),
        }
    return RawDocument(body.paragraphs, meta, unkept_chars=body.unkept)
