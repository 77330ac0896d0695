"""The SASAC console's matrix at province scale: 1,000 enterprises × 14 deliverables.

    python bench/console_matrix.py [--enterprises 1000] [--runs 7]

On a fresh CAMPAIGN_HOME (SQLite) with N synthetic enterprises and, as of 2025-02-01, a realistic mix
of versions (1–3 per enterprise and open deliverable: accepted, late, rejected, returned by review,
filed, nothing) and some waivers, in the same run:
  - baseline: the bare SQL the matrix needs (active enterprises, deliverables, every version received
    by the moment, the waivers in force), fetched into Python tuples and nothing else;
  - build: campaign.web.console.build_matrix (the states, filters, completeness and timeliness);
  - page: GET /staff through the ASGI app with a signed-in viewer (build + Jinja2 HTML of N×14 cells).
Reports medians and the ratios; the issue's target is the page under one second.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

AS_OF = "2025-02-01"
PASSWORD = "Bench-Matrix-2025"


def seed_database(n: int) -> int:
    """Versions for every enterprise and open deliverable (bulk Core inserts); returns how many."""
    import sqlalchemy as sa

    from campaign.calendar.clock import resolve_as_of
    from campaign.db import models as m
    from campaign.db.session import session_scope
    from campaign.staff.store import add_user

    at = resolve_as_of(AS_OF)
    rng = random.Random(7)
    with session_scope() as s:
        enterprises = s.execute(sa.select(m.Enterprise.id, m.Enterprise.code)).all()
        deliverables = s.execute(
            sa.select(m.Deliverable.id, m.Deliverable.opens_on, m.Deliverable.due).where(
                m.Deliverable.opens_on <= at.date()
            )
        ).all()
        rows, waivers = [], []
        for ent_id, _code in enterprises:
            for dlv_id, opens, due in deliverables:
                roll = rng.random()
                if roll < 0.1:
                    continue  # nothing filed
                if roll < 0.13:
                    waivers.append(
                        {
                            "enterprise_id": ent_id,
                            "deliverable_id": dlv_id,
                            "reason": "重组",
                            "granted_by": "bench",
                            "granted_at": at - timedelta(days=30),
                        }
                    )
                    continue
                versions = rng.choice((1, 1, 1, 2, 2, 3))
                for v in range(1, versions + 1):
                    last = v == versions
                    status = "accepted" if last and rng.random() < 0.9 else "rejected"
                    day = min(opens + timedelta(days=rng.randint(1, 40) + v), at.date() - timedelta(days=1))
                    received = at.replace(year=day.year, month=day.month, day=day.day)
                    review = None
                    if status == "accepted" and rng.random() < 0.3:
                        review = rng.choice(("filed", "filed", "returned"))
                    rows.append(
                        {
                            "enterprise_id": ent_id,
                            "deliverable_id": dlv_id,
                            "version": v,
                            "content_hash": f"{ent_id:06d}{dlv_id:04d}{v:02d}".ljust(64, "0"),
                            "original_name": "bench.xlsx",
                            "stored_path": None,
                            "size_bytes": 20_000,
                            "received_at": received,
                            "on_time": day <= due,
                            "status": "rejected" if review == "returned" else status,
                            "errors": [{"code": "E_BENCH", "message": "示例问题", "hint": "示例"}]
                            if status == "rejected" or review == "returned"
                            else [],
                            "details": {},
                            "review": review,
                            "reviewed_by": "staff:bench" if review else None,
                            "reviewed_at": received + timedelta(days=2) if review else None,
                            "review_reason": "示例理由" if review == "returned" else None,
                        }
                    )
        s.execute(sa.insert(m.Submission), rows)
        if waivers:
            s.execute(sa.insert(m.Waiver), waivers)
        add_user(s, "viewer", "基准测试", "查看", PASSWORD, by="bench", at=at)
    return len(rows)


def bare_sql(at) -> int:
    """The rows the matrix is made of, fetched and nothing more: the same statements, no Python rules."""
    import sqlalchemy as sa

    from campaign.db import models as m
    from campaign.db.session import session_scope

    S = m.Submission
    with session_scope() as s:
        ents = s.execute(sa.select(m.Enterprise.id, m.Enterprise.code, m.Enterprise.name)).all()
        dlvs = s.execute(sa.select(m.Deliverable.id, m.Deliverable.code, m.Deliverable.due)).all()
        subs = s.execute(
            sa.select(
                S.id,
                S.enterprise_id,
                S.deliverable_id,
                S.version,
                S.status,
                S.on_time,
                S.received_at,
                sa.case((S.status == "rejected", S.errors), else_=sa.null()),
                S.review,
                S.reviewed_at,
            )
            .where(S.received_at <= at)
            .order_by(S.version)
        ).all()
        waived = s.execute(sa.select(m.Waiver.enterprise_id, m.Waiver.deliverable_id)).all()
        targets = s.execute(
            sa.select(m.Enterprise.code, S.details)
            .join(m.Enterprise, m.Enterprise.id == S.enterprise_id)
            .join(m.Deliverable, m.Deliverable.id == S.deliverable_id)
            .where(m.Deliverable.kind == "targets", S.status == "accepted", S.received_at <= at)
        ).all()
    return len(ents) + len(dlvs) + len(subs) + len(waived) + len(targets)


def timed(fn, runs: int) -> float:
    fn()  # warm: imports, template compilation, SQLite page cache
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--enterprises", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    work = Path(tempfile.mkdtemp(prefix="bench-matrix-"))
    from campaign.cli.simulate import write_synthetic_config

    config_dir = write_synthetic_config(work / "config", args.enterprises, seed=1)
    os.environ.update(
        CAMPAIGN_HOME=str(work / "home"), CAMPAIGN_CONFIG_DIR=str(config_dir), CAMPAIGN_WEB_SECRET="b" * 48
    )
    os.environ.pop("CAMPAIGN_DATABASE_URL", None)
    import re

    from fastapi.testclient import TestClient

    from campaign.calendar.clock import resolve_as_of
    from campaign.config.model import load_config
    from campaign.db.migrate import init_database
    from campaign.db.session import session_scope
    from campaign.web.app import create_app
    from campaign.web.console import MatrixFilters, build_matrix

    init_database()
    versions = seed_database(args.enterprises)
    at, config = resolve_as_of(AS_OF), load_config()
    client = TestClient(create_app(as_of=at), base_url="http://127.0.0.1:8000")
    form = client.get("/staff/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    client.post("/staff/login", data={"username": "viewer", "password": PASSWORD, "csrf_token": token})
    page = client.get("/staff")
    cells = page.text.count('<td class="cell s-')
    assert page.status_code == 200 and cells == args.enterprises * len(config.deliverables), cells

    def build() -> None:
        with session_scope() as s:
            build_matrix(s, config, at, MatrixFilters())

    base = timed(lambda: bare_sql(at), args.runs)
    built = timed(build, args.runs)
    served = timed(lambda: client.get("/staff"), args.runs)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{args.enterprises} enterprises × {len(config.deliverables)} deliverables = {cells} cells, "
        f"{versions} versions, "
        f"page {len(page.content) / 1e6:.1f} MB"
    )
    print("| step | median (s) | × bare SQL |")
    print("|---|---:|---:|")
    for label, value in (("bare SQL (baseline)", base), ("build_matrix", built), ("GET /staff (build + HTML)", served)):
        print(f"| {label} | {value:.3f} | {value / base:.1f}x |")


if __name__ == "__main__":
    main()
