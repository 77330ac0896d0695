"""Portal uploads under load: N enterprises upload their filled workbooks at the same moment.

    python bench/web_upload.py [--uploads 200] [--backend sqlite|postgresql|both]

For each backend, in the same run and on the same files:
  - direct: intake called in-process (process_paths with the enterprise's claim, then delivery of the
    receipt), one file after another, on a fresh CAMPAIGN_HOME/database;
  - portal: `campaign web` started as its own process on a fresh CAMPAIGN_HOME/database; every
    enterprise signs in with its link first (not timed), then all N uploads are sent at once from a
    local asyncio client (one connection per enterprise).
Checks: every file accepted exactly once (one accepted version per enterprise, no duplicates, N
receipts in the outbox, N web.upload audit rows). Reports p50/p95 latency and the ratio of the
portal's wall time to the direct run's. Output is a markdown table for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

AS_OF = "2023-05-20"
DELIVERABLE = "task-list-2023"
ADMIN_PG = os.environ.get("CAMPAIGN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def make_config(work: Path, n: int, port: int) -> Path:
    from campaign.cli.simulate import write_synthetic_config

    config_dir = write_synthetic_config(work / "config", n, seed=1)
    path = config_dir / "campaign.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("base_url: http://127.0.0.1:8000", f"base_url: http://127.0.0.1:{port}")
    # All the bench's clients sign in from one address; the limit is per address.
    text = text.replace("signin_per_minute: 10 ", "signin_per_minute: 1000 ")
    path.write_text(text, encoding="utf-8")
    return config_dir


def make_files(config_dir: Path, out: Path) -> dict[str, Path]:
    from campaign.config.model import load_config
    from campaign.workbook.generate import write_task_list
    from tests.support.filling import fill

    config = load_config(config_dir)
    files = {}
    for e in config.enterprises:
        template = write_task_list(config, e, config.deliverable(DELIVERABLE), out / e.code)
        files[e.code] = fill(template)  # the enterprise's own template: distinct bytes per enterprise
    return files


def fresh_database(backend: str, label: str) -> str | None:
    if backend == "sqlite":
        return None
    import sqlalchemy as sa

    name = f"campaign_bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(ADMIN_PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.engine.make_url(ADMIN_PG).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str | None) -> None:
    if url is None:
        return
    import sqlalchemy as sa

    from campaign.db.session import dispose_engines

    dispose_engines()
    admin = sa.create_engine(ADMIN_PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{sa.engine.make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def use_home(home: Path, config_dir: Path, db_url: str | None) -> None:
    os.environ["CAMPAIGN_HOME"] = str(home)
    os.environ["CAMPAIGN_CONFIG_DIR"] = str(config_dir)
    if db_url:
        os.environ["CAMPAIGN_DATABASE_URL"] = db_url
    else:
        os.environ.pop("CAMPAIGN_DATABASE_URL", None)


def check(n: int, home: Path, portal: bool) -> None:
    import sqlalchemy as sa

    from campaign.db import models as m
    from campaign.db.session import session_scope

    with session_scope() as s:
        subs = s.execute(sa.select(m.Submission.enterprise_id, m.Submission.version, m.Submission.status)).all()
        uploads = s.scalar(
            sa.select(sa.func.count()).select_from(m.AuditEvent).where(m.AuditEvent.action == "web.upload")
        )
    assert len(subs) == n, f"{len(subs)} submissions for {n} files"
    assert all(v == 1 and st == "accepted" for _, v, st in subs), "a file was not accepted as the first version"
    assert len({e for e, _, _ in subs}) == n, "an enterprise got two versions"
    assert len(list((home / "outbox").glob("receipt_*.json"))) == n, "receipts missing"
    if portal:
        assert uploads == n, f"{uploads} web.upload audit rows"


def direct(files: dict[str, Path], work: Path, config_dir: Path, backend: str) -> tuple[float, list[float]]:
    from campaign.calendar.clock import resolve_as_of
    from campaign.config.model import load_config
    from campaign.config.settings import get_settings
    from campaign.db.migrate import init_database
    from campaign.intake.core import process_paths
    from notifications.channels import load_channels
    from notifications.delivery import notify_now

    home, db_url = work / f"direct-{backend}", fresh_database(backend, "direct")
    use_home(home, config_dir, db_url)
    try:
        init_database()
        config, channels, at = load_config(), load_channels(get_settings().apprise_config_path), resolve_as_of(AS_OF)
        staged = {}
        for code, f in files.items():  # a private copy each, as the portal's temporary file is
            target = home / "staged" / code / f.name
            target.parent.mkdir(parents=True)
            shutil.copy(f, target)
            staged[code] = target
        latencies = []
        start = time.perf_counter()
        for code, path in staged.items():
            t0 = time.perf_counter()
            [outcome], errors = process_paths([path], config, at, channels, move=False, claim=(code, DELIVERABLE))
            assert not errors and outcome.accepted and outcome.message_key, (errors, outcome.problems)
            notify_now([], at, channels, recorded_keys=[outcome.message_key])
            latencies.append(time.perf_counter() - t0)
        wall = time.perf_counter() - start
        check(len(files), home, portal=False)
        return wall, latencies
    finally:
        drop_database(db_url)


async def _upload_all(base: str, links: dict[str, str], files: dict[str, Path]) -> tuple[float, list[float], list[int]]:
    import httpx

    clients, tokens = {}, {}
    limits = httpx.Limits(max_connections=1)
    for code, link in links.items():  # sign-in and the CSRF token: before the clock starts
        async with httpx.AsyncClient(base_url=base, timeout=60) as signing_in:
            r = await signing_in.get(link.split(base, 1)[1], follow_redirects=True)
            assert r.status_code == 200, (code, r.status_code)
            found = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
            assert found, code
            tokens[code] = found.group(1)
            # A new connection for the upload (an idle kept-alive one may be closed by the server meanwhile).
            clients[code] = httpx.AsyncClient(base_url=base, timeout=300, limits=limits, cookies=signing_in.cookies)
    latencies: list[float] = []
    statuses: list[int] = []

    async def one(code: str) -> None:
        body = files[code].read_bytes()
        t0 = time.perf_counter()
        r = await clients[code].post(
            f"/deliverables/{DELIVERABLE}/upload",
            data={"csrf_token": tokens[code]},
            files={"file": (files[code].name, body)},
        )
        latencies.append(time.perf_counter() - t0)
        statuses.append(r.status_code)

    start = time.perf_counter()
    await asyncio.gather(*(one(code) for code in files))
    wall = time.perf_counter() - start
    for client in clients.values():
        await client.aclose()
    return wall, latencies, statuses


def portal(
    files: dict[str, Path], work: Path, config_dir: Path, backend: str, port: int
) -> tuple[float, list[float], float]:
    import httpx

    from campaign.db.migrate import init_database
    from campaign.web.links import personal_link

    home, db_url = work / f"portal-{backend}", fresh_database(backend, "portal")
    use_home(home, config_dir, db_url)
    log = open(work / f"web-{backend}.log", "wb")
    server = None
    try:
        init_database()
        links = {code: personal_link(code) for code in files}
        command = ["-m", "campaign.cli.app", "web", "--port", str(port), "--as-of", AS_OF]
        server = subprocess.Popen(
            [sys.executable, *command],
            env=os.environ.copy(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"the portal did not start; see {log.name}")
            time.sleep(0.3)
        wall, latencies, statuses = asyncio.run(_upload_all(f"http://127.0.0.1:{port}", links, files))
        assert statuses == [303] * len(files), sorted(set(statuses))
        # Receipts are delivered after each response: wait for the last one.
        t0 = time.perf_counter()
        while len(list((home / "outbox").glob("receipt_*.json"))) < len(files) and time.perf_counter() - t0 < 120:
            time.sleep(0.2)
        drained = wall + (time.perf_counter() - t0)
        check(len(files), home, portal=True)
        return wall, latencies, drained
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
        log.close()
        drop_database(db_url)


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    os.environ.setdefault("CAMPAIGN_WEB_SECRET", "bench-" + uuid.uuid4().hex + uuid.uuid4().hex)
    from campaign.runtime.stack import free_port

    work = Path(tempfile.mkdtemp(prefix="web-upload-bench-"))
    port = free_port()
    rows = []
    try:
        config_dir = make_config(work, args.uploads, port)
        t0 = time.perf_counter()
        files = make_files(config_dir, work / "files")
        print(f"generated {len(files)} workbooks in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
            d_wall, d_lat = direct(files, work, config_dir, backend)
            p_wall, p_lat, p_drained = portal(files, work, config_dir, backend, port)
            rows.append((backend, d_wall, d_lat, p_wall, p_lat, p_drained))
            print(f"{backend}: direct {d_wall:.1f}s, portal {p_wall:.1f}s", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"\n{args.uploads} uploads at once (one per enterprise), Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs\n"
    )
    # Direct intake sends each receipt before the next file; the portal answers first and sends the
    # receipt after the response. The fair ratio is therefore "last receipt sent" ÷ direct total.
    print(
        "| database | direct intake + receipt, one by one: total | direct p50 / p95 per file "
        "| portal: all responses | portal p50 / p95 latency | portal: last receipt sent "
        "| ratio (last receipt) ÷ direct | ratio (responses) ÷ direct |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for backend, d_wall, d_lat, p_wall, p_lat, p_drained in rows:
        direct_pct = f"{pct(d_lat, 50) * 1000:.0f} / {pct(d_lat, 95) * 1000:.0f} ms"
        portal_pct = f"{pct(p_lat, 50):.1f} / {pct(p_lat, 95):.1f} s"
        print(
            f"| {backend} | {d_wall:.1f} s | {direct_pct} | {p_wall:.1f} s | {portal_pct} | {p_drained:.1f} s "
            f"| {p_drained / d_wall:.2f}× | {p_wall / d_wall:.2f}× |"
        )


if __name__ == "__main__":
    main()
