"""Coverage-guided fuzzing (atheris / libFuzzer) of intake's parsing entry points, bounded by --runs.

    pip install -e '.[fuzz]'
    python -m tests.fuzz.atheris_intake --runs 20000

Each input is a recipe applied to a valid, filled workbook or document: the whole file as raw bytes, one
member replaced by the input's bytes, one member added under a chosen name, or the file's bytes with a
stretch overwritten. The result goes through `examine` (package scan, reader, signature, identification,
rules) exactly as intake runs it. A finding is any exception escaping `examine`, an examination that
neither accepts nor gives a reason, or a reason not in Chinese: the fuzzer stops and writes the input
(crash-*) to the working directory. Instrumented: campaign.validation, campaign.intake,
campaign.documents, campaign.workbook.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import tempfile
import zipfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["campaign"]):
    from campaign.config.model import load_config
    from campaign.intake.examine import examine

CJK = re.compile(r"[\u4e00-\u9fff]")
NAMES = ["xl/worksheets/sheet1.xml", "xl/stuff.dat", "word/document.xml", "_rels/.rels", "[Content_Types].xml"]
STATS = {"runs": 0, "accepted": 0, "rejected": 0}


def _seeds(folder: Path) -> dict[str, bytes]:
    from docx import Document

    from campaign.documents.generate import write_document
    from campaign.workbook.generate import write_task_list
    from tests.support.filling import fill, fill_attachment1

    config = load_config()
    xlsx = write_task_list(config, config.enterprise("DDK002"), config.deliverable("task-list-2023"), folder)
    docx = write_document(config.enterprise("DDK002"), config.deliverable("targets-2023"), folder)
    doc = Document(str(docx))
    fill_attachment1(doc)
    doc.save(str(docx))
    return {"xlsx": fill(xlsx, folder / "filled.xlsx").read_bytes(), "docx": docx.read_bytes()}


def _rezip(original: bytes, name: str, content: bytes, replace: bool) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        members = src.namelist()
        target = members[hash(name) % len(members)] if replace else name
        for info in src.infolist():
            dst.writestr(info.filename, content if info.filename == target else src.read(info))
        if target not in members:
            dst.writestr(target, content)
    return out.getvalue()


def make_harness(seeds: dict[str, bytes], work: Path):
    config = load_config()

    def one_input(data: bytes) -> None:
        fdp = atheris.FuzzedDataProvider(data)
        kind = "xlsx" if fdp.ConsumeBool() else "docx"
        recipe = fdp.ConsumeIntInRange(0, 3)
        seed = seeds[kind]
        if recipe == 0:
            body = fdp.ConsumeBytes(fdp.remaining_bytes())
        elif recipe in (1, 2):
            name = NAMES[fdp.ConsumeIntInRange(0, len(NAMES) - 1)]
            body = _rezip(seed, name, fdp.ConsumeBytes(fdp.remaining_bytes()), replace=recipe == 1)
        else:
            at = fdp.ConsumeIntInRange(0, len(seed) - 1)
            patch = fdp.ConsumeBytes(fdp.remaining_bytes())
            body = seed[:at] + patch + seed[at + len(patch) :]
        deliverable = "task-list-2023" if kind == "xlsx" else "targets-2023"
        path = work / f"DDK002_{deliverable}.{kind}"
        path.write_bytes(body)
        exam = examine(path, config, 20 * 1024 * 1024, ("DDK002", deliverable))
        STATS["runs"] += 1
        STATS["accepted" if exam.accepted else "rejected"] += 1
        if not exam.accepted and not exam.problems:
            raise AssertionError("rejected without a reason")
        for found in exam.problems:
            if not (CJK.search(found.message) and CJK.search(found.hint)):
                raise AssertionError(f"reason not in Chinese: {found}")
        if STATS["runs"] % 500 == 0:  # libFuzzer ends the process itself: the tally is printed as it goes
            print(f"atheris intake: {STATS}", file=sys.stderr)

    return one_input


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=2_000, help="inputs to try (libFuzzer -runs)")
    parser.add_argument("--seed", type=int, default=1, help="libFuzzer -seed (same seed, same inputs)")
    parser.add_argument("--max-len", type=int, default=4_096, help="libFuzzer -max_len (bytes of one recipe)")
    args = parser.parse_args()
    os.environ.setdefault("CAMPAIGN_WEB_SECRET", "atheris-fuzz-secret-" + "0" * 32)
    work = Path(tempfile.mkdtemp(prefix="atheris-intake-"))
    os.environ.setdefault("CAMPAIGN_HOME", str(work / "home"))
    seeds = _seeds(work / "seeds")
    corpus = work / "corpus"
    corpus.mkdir()
    # Seed recipes: every recipe on both kinds, with a small body, so the fuzzer starts from near-valid files.
    for flag in (0, 1):
        for recipe in range(4):
            (corpus / f"{flag}-{recipe}").write_bytes(bytes([flag, recipe, 0, 0, 0, 0]) + b"<x/>")
    # -len_control=0: recipes may carry bodies up to --max-len at once (libFuzzer would otherwise grow them slowly).
    libfuzzer = [sys.argv[0], f"-runs={args.runs}", f"-seed={args.seed}", f"-max_len={args.max_len}", "-len_control=0"]
    libfuzzer.append(str(corpus))
    atheris.Setup(libfuzzer, make_harness(seeds, work / "input"))
    (work / "input").mkdir()
    atheris.Fuzz()


if __name__ == "__main__":
    main()
