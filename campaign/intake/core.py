"""Intake core: examine a file, record the submission version and the receipt/rejection, move the file.

Files are recorded a batch at a time (BATCH_SIZE per transaction, one durable commit), and leave the
inbox only after their batch has committed. A hostile or broken file ends in its own rejection and
never disturbs what was stored before; an unexpected error in one file sends its batch back to one
transaction per file, so it costs the others nothing. Natural keys make re-processing harmless:
the same bytes for the same enterprise and deliverable are one version (uq_submission_content), and
notification keys (receipt:<企业>:<材料>:v<版本>, rejection:<企业>:<材料>:<sha256[:12]>) are sent at most once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaign.config.model import CampaignConfig
from campaign.config.settings import get_settings
from campaign.db import models as m
from campaign.db.audit import record_audit
from campaign.db.claims import claim_inbox_files, settle_inbox_files, worker_identity
from campaign.db.session import session_scope
from campaign.half_year.store import planned_rows, progress_rows
from campaign.intake.examine import Examination, examine
from campaign.intake.store import move_unique, safe_name, sha256_of, store_content
from campaign.notices.message import ChannelNames, OutgoingMessage
from campaign.notices.render import render_message
from campaign.notices.store import record_messages
from campaign.outgoing.rules import filed_year
from campaign.outgoing.store import filed_rows
from campaign.submissions.review import return_key
from campaign.submissions.store import filed_list
from campaign.validation.filename import display_name
from campaign.validation.task_list import indicator_of, unit_for
from campaign.workbook.completion import check_against_filed, is_completion
from campaign.workbook.progress import check_rows_match
from campaign.workbook.read import DEFAULT_READER

SASAC = "sasac"
# Files recorded per transaction: one durable commit for these many receipts, and the unit two workers split by.
BATCH_SIZE = 25


@dataclass
class Outcome:
    name: str
    status: str  # accepted | rejected
    sha256: str
    enterprise: str | None
    deliverable: str | None
    version: int | None = None
    on_time: bool | None = None
    duplicate: bool = False
    items: int = 0
    problems: list[dict] = field(default_factory=list)
    message_key: str | None = None
    moved_to: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"

    def as_dict(self) -> dict:
        return asdict(self)


def _message(
    config: CampaignConfig, exam: Examination, as_of: datetime, version: int | None, on_time: bool | None
) -> OutgoingMessage:
    ent = config.enterprise(exam.identity.enterprise) if exam.identity.enterprise else None
    dlv = config.deliverable(exam.identity.deliverable) if exam.identity.deliverable else None
    common = {
        "issuer": config.campaign.issuer,
        "as_of": as_of,
        "sha256": exam.sha256,
        "original_name": display_name(exam.name),
    }
    if exam.accepted:
        assert ent is not None and dlv is not None, "accepted means identified (identify() adds E_UNIDENTIFIED)"
        core = sum(1 for i in exam.items if indicator_of(i, config.core_indicators))
        title, body = render_message(
            "receipt",
            **common,
            enterprise=ent,
            deliverable=dlv,
            version=version,
            received_at=as_of,
            on_time=on_time,
            items=len(exam.items),
            core_items=core,
        )
        key, kind = f"receipt:{ent.code}:{dlv.id}:v{version}", "receipt"
    else:
        title, body = render_message(
            "rejection",
            **common,
            enterprise=ent,
            deliverable=dlv,
            problems=exam.problems,
            subject=dlv.title if dlv else "报送文件",
            addressee=ent.name if ent else "区国资委工作人员",
        )
        key, kind = (
            f"rejection:{ent.code if ent else 'unknown'}:{dlv.id if dlv else 'unknown'}:{exam.sha256[:12]}",
            "rejection",
        )
    # An unidentified file has no enterprise to answer: SASAC staff see it and follow up.
    recipient = ent.code if ent else SASAC
    return OutgoingMessage(key, kind, recipient, title, body, ent.code if ent else None, dlv.id if dlv else None)


def _task_rows(exam: Examination, config: CampaignConfig, submission: m.Submission) -> list[dict]:
    """The list's rows as plain values for one multi-row INSERT: 30 ORM objects per file through the unit of
    work cost more than the rest of recording the file."""
    rows = []
    for item in exam.items:
        ind = indicator_of(item, config.core_indicators) if item.text("level1") == "企业效益" else None
        score = item.values.get("score")
        rows.append(
            dict(
                submission_id=submission.id,
                enterprise_id=submission.enterprise_id,
                deliverable_id=submission.deliverable_id,
                row_no=item.row,
                seq=item.text("seq"),
                level1=item.text("level1") or "",
                level2=item.text("level2"),
                core_indicator=ind.name if ind else None,
                benchmark_status=item.text("benchmark_status"),
                current_status=item.text("current_status"),
                gap=item.text("gap"),
                overall_target=item.text("overall_target"),
                annual_target_text=(item.text("annual_target") or "")[:100] or None,
                annual_target_value=item.target.value if item.target else None,
                annual_target_unit=unit_for(item, config.core_indicators) or None,
                annual_target_comparator=item.target.comparator or None if item.target else None,
                measures=item.text("measures"),
                actual_value=item.text("actual_value"),
                scoring_rule=item.text("scoring_rule"),
                score=float(score) if isinstance(score, (int, float)) else None,
                remarks=item.text("remarks"),
            )
        )
    return rows


def record(
    session: Session, config: CampaignConfig, exam: Examination, path: Path, as_of: datetime, home: Path
) -> tuple[Outcome, OutgoingMessage | None]:
    """Record one examined file in the caller's transaction: its version, rows and audit line. Returns the
    outcome and the receipt or rejection to record (None for a duplicate: its answer was recorded before)."""
    problems = [p.as_dict() for p in exam.problems]
    outcome = Outcome(
        display_name(exam.name),
        "accepted" if exam.accepted else "rejected",
        exam.sha256,
        exam.identity.enterprise,
        exam.identity.deliverable,
        problems=problems,
        items=len(exam.items),
    )
    if exam.identity.enterprise is None or exam.identity.deliverable is None:
        message = _message(config, exam, as_of, None, None)
        outcome.message_key = message.key
        return outcome, message
    ent_id = session.scalar(select(m.Enterprise.id).where(m.Enterprise.code == exam.identity.enterprise))
    dlv = session.scalars(select(m.Deliverable).where(m.Deliverable.code == exam.identity.deliverable)).one()
    existing = session.scalars(
        select(m.Submission).where(
            m.Submission.enterprise_id == ent_id,
            m.Submission.deliverable_id == dlv.id,
            m.Submission.content_hash == exam.sha256,
        )
    ).one_or_none()
    if existing is not None:
        outcome.duplicate, outcome.version, outcome.on_time, outcome.status = (
            True,
            existing.version,
            existing.on_time,
            existing.status,
        )
        if existing.status == "accepted":
            outcome.message_key = f"receipt:{exam.identity.enterprise}:{dlv.code}:v{existing.version}"
        elif existing.review == "returned":  # the same file SASAC returned: its answer is the return message
            outcome.message_key = return_key(exam.identity.enterprise, dlv.code, existing.version)
        else:
            outcome.message_key = f"rejection:{exam.identity.enterprise}:{dlv.code}:{exam.sha256[:12]}"
        return outcome, None
    if exam.progress is not None and exam.accepted:
        # The rows must still be the ones the enterprise filed in its accepted list for that year.
        assert ent_id is not None, "an identified enterprise is in the config, and the config is synced to the database"
        exam.problems += check_rows_match(exam.progress, planned_rows(session, config, ent_id, dlv.year, as_of))
        outcome.status, outcome.problems = (
            ("accepted" if exam.accepted else "rejected"),
            [p.as_dict() for p in exam.problems],
        )
        problems = outcome.problems
    dlv_config = config.deliverable(dlv.code)
    if exam.accepted and is_completion(dlv_config):
        # 完成情况 reports on the list filed for that year: its rows and targets must be the filed ones.
        assert ent_id is not None, "an identified enterprise is in the config, and the config is synced to the database"
        year = filed_year(config, dlv_config)
        filed, filed_items = filed_list(session, config, ent_id, year, as_of)
        if filed is not None:
            name = f"备案的{year}年度目标任务清单（第{filed.version}版）"
            exam.problems += check_against_filed(exam.items, filed_rows(filed_items), name)
            outcome.status, outcome.problems = (
                ("accepted" if exam.accepted else "rejected"),
                [p.as_dict() for p in exam.problems],
            )
            problems = outcome.problems
    version = (
        session.scalar(
            select(func.max(m.Submission.version)).where(
                m.Submission.enterprise_id == ent_id, m.Submission.deliverable_id == dlv.id
            )
        )
        or 0
    ) + 1
    on_time = as_of.date() <= dlv.due
    stored = None
    if exam.accepted:
        stored = store_content(home, path, exam.sha256).relative_to(home).as_posix()
    submission = m.Submission(
        enterprise_id=ent_id,
        deliverable_id=dlv.id,
        version=version,
        content_hash=exam.sha256,
        original_name=display_name(exam.name)[:255],
        stored_path=stored,
        size_bytes=exam.size,
        received_at=as_of,
        on_time=on_time,
        status=outcome.status,
        errors=problems,
        details=exam.details if outcome.status == "accepted" else {},
    )
    session.add(submission)
    session.flush()
    if exam.accepted and exam.progress is not None:
        session.add_all(progress_rows(exam.progress, submission))
    elif exam.accepted and exam.items:
        session.execute(insert(m.TaskItem), _task_rows(exam, config, submission))
    message = _message(config, exam, as_of, version, on_time)
    record_audit(
        session,
        as_of,
        "intake",
        f"submission.{outcome.status}",
        "submission",
        f"{exam.identity.enterprise}:{dlv.code}:v{version}",
        {"sha256": exam.sha256, "codes": [p["code"] for p in problems], "on_time": on_time},
    )
    outcome.version, outcome.on_time, outcome.message_key = version, on_time, message.key
    return outcome, message


def process_file(
    path: Path,
    config: CampaignConfig,
    as_of: datetime,
    channels: ChannelNames,
    claim: tuple[str, str] | None = None,
    move: bool = False,
    reader: str = DEFAULT_READER,
) -> Outcome:
    """Examine, record (one transaction), then move the file to inbox/processed or inbox/rejected.
    For a file the caller already holds (`campaign submit`, a test); the inbox goes through process_paths."""
    exam = examine(path, config, get_settings().max_upload_bytes, claim, reader)
    [(outcome, error)] = _record_batch([(path, exam)], config, as_of, channels, move)
    if error is not None:
        raise error
    assert outcome is not None
    return outcome


def _record_batch(
    batch: list[tuple[Path, Examination]], config: CampaignConfig, as_of: datetime, channels: ChannelNames, move: bool
) -> list[tuple[Outcome | None, Exception | None]]:
    """Record examined files in ONE transaction (one durable commit for the batch), then move them.

    The files leave the inbox only after their batch has committed: a crash before the commit leaves
    them all where they were and nothing recorded; a crash after it leaves files whose bytes are
    recorded, and the next run sees them as duplicates (one version, no second message). When anything
    in the batch fails — an unexpected error, or another process (a staff member's `campaign submit`)
    taking the same version number first — the batch is rolled back and each file is recorded in its
    own transaction instead, once more on a conflict: one file's trouble never costs another its record.
    Returns (outcome, None) or (None, error) per file, in order.
    """
    home = get_settings().home_dir
    results: list[tuple[Outcome | None, Exception | None]]
    try:
        with session_scope() as session:
            recorded = [record(session, config, exam, path, as_of, home) for path, exam in batch]
            record_messages(session, [message for _, message in recorded if message is not None], channels, as_of)
        results = [(outcome, None) for outcome, _ in recorded]
    except Exception as exc:  # noqa: BLE001 - rolled back as a whole; each file is tried alone below
        if len(batch) == 1 and not isinstance(exc, IntegrityError):
            raise
        results = [_record_alone(item, config, as_of, channels, home) for item in batch]
    if move:
        for (path, exam), (outcome, _) in zip(batch, results, strict=True):
            if outcome is not None:
                folder = home / "inbox" / ("processed" if outcome.accepted else "rejected")
                target = move_unique(path, folder, f"{as_of:%Y%m%d}_{exam.sha256[:12]}_{safe_name(exam.name)}")
                outcome.moved_to = target.relative_to(home).as_posix()
    return results


def _record_alone(
    item: tuple[Path, Examination], config: CampaignConfig, as_of: datetime, channels: ChannelNames, home: Path
) -> tuple[Outcome | None, Exception | None]:
    path, exam = item
    for attempt in (1, 2):
        try:
            with session_scope() as session:
                outcome, message = record(session, config, exam, path, as_of, home)
                record_messages(session, [message] if message else [], channels, as_of)
            return outcome, None
        except IntegrityError as exc:
            # The same version number or bytes were recorded by another process first: once more sees its row.
            if attempt == 2:
                return None, exc
        except Exception as exc:  # noqa: BLE001 - reported for this file alone
            return None, exc
    raise AssertionError("unreachable")


def inbox_files(home: Path) -> list[Path]:
    """Files waiting in CAMPAIGN_HOME/inbox (not its sub-folders), oldest first so versions follow arrival."""
    inbox = home / "inbox"
    if not inbox.is_dir():
        return []
    entries = [p for p in inbox.iterdir() if p.is_symlink() or p.is_file()]
    return sorted(entries, key=lambda p: (p.lstat().st_mtime, p.name.encode("utf-8", "surrogateescape")))


def inbox_claim_key(path: Path) -> str:
    """The natural key of one inbox file *version*: name, content hash and arrival time. A file
    re-dropped later (even with the same bytes) is new work; the same file seen by two workers is not."""
    stat = path.lstat()
    return f"{path.name.encode('utf-8', 'surrogateescape').hex()[:120]}:{sha256_of(path)[:16]}:{stat.st_mtime_ns}"


def process_paths(
    paths: list[Path],
    config: CampaignConfig,
    as_of: datetime,
    channels: ChannelNames,
    move: bool = True,
    claim: tuple[str, str] | None = None,
    reader: str = DEFAULT_READER,
    worker: str | None = None,
    skipped: dict[str, str] | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int, int], None] | None = None,
) -> tuple[list[Outcome], dict[str, str]]:
    """Process many files, `batch_size` at a time; an unexpected error on one is reported and the rest go on.

    Several workers may scan the same inbox: each file is claimed first (campaign.db.claims, one
    transaction per batch), so exactly one of them processes it; the others skip it, and say so in
    `skipped` ({file name: why}, e.g. which live process holds it) when the caller passes a dict. The
    claimed files are examined (no database), recorded in one transaction and moved (`_record_batch`),
    and only then are their claims marked done: a worker that dies in between leaves claims that another
    takes over, and it finds the recorded bytes as duplicates. A file that hit an unexpected error is
    released and stays in the inbox (nothing was committed for it), so the next run retries it.
    Returns (outcomes, {file name: error}).
    """
    worker = worker or worker_identity()
    max_bytes = get_settings().max_upload_bytes
    outcomes: list[Outcome] = []
    errors: dict[str, str] = {}
    for start in range(0, len(paths), batch_size):
        keys: dict[Path, str] = {}
        for path in paths[start : start + batch_size]:
            try:
                keys[path] = inbox_claim_key(path)
            except FileNotFoundError:
                continue  # another worker processed and moved it since our scan
        held = claim_inbox_files(list(keys.values()), worker)
        if skipped is not None:
            skipped.update({display_name(path.name): why for path, key in keys.items() if (why := held.get(key))})
        examined: list[tuple[Path, Examination]] = []
        failed: list[str] = []
        for path, key in keys.items():
            if key in held:
                continue
            try:
                examined.append((path, examine(path, config, max_bytes, claim, reader)))
            except Exception as exc:  # noqa: BLE001 - one file must never stop the batch
                errors[display_name(path.name)] = f"{type(exc).__name__}: {exc}"[:500]
                failed.append(key)
        done: list[str] = []
        for (path, _), (outcome, error) in zip(
            examined, _record_batch(examined, config, as_of, channels, move), strict=True
        ):
            if outcome is not None:
                outcomes.append(outcome)
                done.append(keys[path])
            else:
                errors[display_name(path.name)] = f"{type(error).__name__}: {error}"[:500]
                failed.append(keys[path])
        settle_inbox_files(done, failed, worker)
        if progress is not None:  # (files done, accepted, rejected) after each batch: the run's log shows it move
            accepted = sum(o.accepted for o in outcomes)
            progress(min(start + batch_size, len(paths)), accepted, len(outcomes) - accepted)
    return outcomes, errors
