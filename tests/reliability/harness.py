"""Fault injection for the `campaign` commands: start the real command as a subprocess, SIGKILL it at a
seeded point, and look at what it left behind (processes, files, rows, deliveries at a real receiver).

* Kill points are either a seeded delay after the start or a named point in the work (k files moved out
  of the inbox, k messages received, the assessment paused for review, ...), polled every 10 ms. A
  command that ends before its point is recorded as such: the fault was not injected in that trial.
* Every process the command starts inherits a marker in its environment; after the kill, any process
  still carrying it was left behind (an orphaned Prefect server, a worker). Those are counted, then
  ended (they are ours).
* Messages go to a local HTTP receiver through Apprise's own `json://` plugin, one URL per recipient,
  so every delivery is counted where it lands: the outbox channel overwrites a file named after the key
  and could not show a message delivered twice. The sender names each message by its key in an
  `Idempotency-Key` header; the receiver keeps the first copy of a key, as services that honour the
  header do, and counts every further copy (a send in flight when its sender was killed goes again).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
import yaml

MARKER = "CAMPAIGN_RELIABILITY_TRIAL"
# The console script an operator runs (installed next to this interpreter by `pip install -e .`).
CAMPAIGN = str(Path(sys.executable).with_name("campaign"))
POLL = 0.01


class Receiver:
    """A local channel: records every message Apprise POSTs to it (path, title, body, Idempotency-Key)."""

    def __init__(self) -> None:
        received: list[tuple[str, str, str, str]] = []
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                key = self.headers.get("Idempotency-Key") or ""
                with lock:
                    received.append((self.path, str(payload.get("title", "")), str(payload.get("message", "")), key))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.received, self._lock = received, lock
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def apprise_yaml(self, path: Path, trial: str, recipients: list[str]) -> Path:
        """A channel file sending each recipient to its own path under this trial's prefix."""
        url = f"json://127.0.0.1:{self.port}/{trial}"
        data = {
            "default": [f"{url}/default"],
            "recipients": {r: [f"{url}/{r}"] for r in recipients},
            # One attempt per run: the receiver always answers, and a retry would only hide a bug here.
            "delivery": {"attempts_per_run": 1, "backoff_seconds": 0, "max_attempts": 10},
        }
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return path

    def for_trial(self, trial: str) -> list[tuple[str, str, str, str]]:
        """(recipient, title, body, idempotency key) of every copy this trial's channels received."""
        prefix = f"/{trial}/"
        with self._lock:
            return [(p[len(prefix) :], t, b, k) for p, t, b, k in self.received if p.startswith(prefix)]

    def count(self, trial: str) -> int:
        return len(self.for_trial(trial))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class KillPoint:
    """Where a trial kills the command: `label` for the record, `reached` polled while it runs."""

    label: str
    reached: Callable[[float, psutil.Process], bool]  # (seconds since start, the command) -> kill now?


def after(seconds: float) -> KillPoint:
    return KillPoint(f"{seconds:.2f} s after start", lambda elapsed, proc: elapsed >= seconds)


def when(label: str, condition: Callable[[], bool]) -> KillPoint:
    return KillPoint(label, lambda elapsed, proc: condition())


def child_running(label: str, word: str, then: float = 0.0) -> KillPoint:
    """`then` seconds after a child process whose command line contains `word` (e.g. the command's own
    Prefect server, "uvicorn") is first seen."""
    seen: list[float] = []

    def reached(elapsed: float, proc: psutil.Process) -> bool:
        if not seen:
            try:
                if any(word in " ".join(c.cmdline()) for c in proc.children(recursive=True)):
                    seen.append(elapsed)
            except psutil.Error:
                return False
        return bool(seen) and elapsed - seen[0] >= then

    return KillPoint(f"{then:.2f} s after its {label} started", reached)


@dataclass
class Run:
    argv: list[str]
    returncode: int | None
    killed: bool  # SIGKILL was sent while the command still ran
    point: str
    elapsed: float  # seconds from start to the kill or the exit
    peak_rss_mb: float  # the command and its children, sampled every ~50 ms
    leftover: list[str] = field(default_factory=list)  # command lines of processes it left behind
    stdout: str = ""
    stderr: str = ""


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def marked_processes(marker: str) -> list[psutil.Process]:
    """Live processes (not zombies) whose environment carries this run's marker."""
    found = []
    for p in psutil.process_iter(["pid"]):
        if p.pid == os.getpid():
            continue
        try:
            if p.status() == psutil.STATUS_ZOMBIE:
                continue
            if p.environ().get(MARKER) == marker:
                found.append(p)
        except psutil.Error:  # gone meanwhile, or another user's
            continue
    return found


def run_command(
    argv: list[str],
    env: dict[str, str],
    kill: KillPoint | None = None,
    during: Callable[[], None] | None = None,
    timeout: float = 300.0,
    grace: float = 1.0,
) -> Run:
    """Run `campaign ARGV…`; SIGKILL it (the command's process only, as the OOM killer or a lost
    container would) when `kill` is reached. `during` is called on every poll (a person acting while the
    command runs, e.g. the reviewer). Afterwards any process still carrying the run's marker is recorded
    as left behind and ended."""
    marker = uuid.uuid4().hex
    cmd = [CAMPAIGN, *argv]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env={**env, MARKER: marker}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watched = psutil.Process(proc.pid)
    out: dict[str, str] = {}
    readers = [
        threading.Thread(target=lambda: out.__setitem__("stdout", proc.stdout.read() if proc.stdout else "")),
        threading.Thread(target=lambda: out.__setitem__("stderr", proc.stderr.read() if proc.stderr else "")),
    ]
    for t in readers:
        t.start()
    peak, last_sample, killed, point = 0, 0.0, False, "ran to the end"
    while proc.poll() is None:
        elapsed = time.monotonic() - started
        if elapsed - last_sample >= 0.05:
            peak, last_sample = max(peak, _tree_rss(watched)), elapsed
        if during is not None:
            during()
        if kill is not None and kill.reached(elapsed, watched):
            try:
                proc.send_signal(signal.SIGKILL)
                killed, point = True, kill.label
            except ProcessLookupError:
                pass
            break
        if elapsed > timeout:
            proc.kill()
            raise AssertionError(f"campaign {' '.join(argv)} did not finish within {timeout:.0f} s")
        time.sleep(POLL)
    elapsed = time.monotonic() - started
    if kill is not None and not killed:
        point = f"ended before the kill point ({kill.label})"
    proc.wait()
    time.sleep(grace)  # children of a killed command notice it (or not) within this
    leftover = []
    for p in marked_processes(marker):
        try:
            leftover.append(" ".join(p.cmdline())[:200])
            p.kill()
        except psutil.Error:
            pass
    # Only now: a process left behind holds the command's stdout/stderr open, and the readers wait for EOF.
    for t in readers:
        t.join(30)
    return Run(
        argv,
        proc.returncode,
        killed,
        point,
        round(elapsed, 2),
        round(peak / 2**20, 1),
        leftover,
        out.get("stdout", ""),
        out.get("stderr", ""),
    )


# -- what a trial left: read straight from the trial's SQLite file ------------------------------------


def query(home: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Read the trial's database while (or after) a command writes it (WAL: readers never block it)."""
    db = home / "campaign.db"
    if not db.exists():
        return []
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []
        raise
    finally:
        conn.close()


@dataclass
class Deliveries:
    recorded: int  # notification rows
    once: int  # delivered exactly once
    duplicated: list[str]  # keys delivered more than once (copies without a key, or under different keys)
    resent: int  # further copies under a key already received: dropped by a receiver honouring the key
    failed: int  # marked failed (visible), never delivered
    unknown: int  # marked outcome unknown (visible: SASAC's digest lists it), never received
    cancelled: int  # marked cancelled (no longer due), never delivered
    undelivered: dict[str, str]  # key -> status, neither delivered nor visibly failed
    unmatched: int  # received messages that match no recorded row

    @property
    def lost(self) -> int:
        return len(self.undelivered)


def deliveries(home: Path, received: list[tuple[str, str, str, str]], since_id: int = 0) -> Deliveries:
    """Match what the receiver got to the notification rows: by recipient, title and the stored body (which
    the sender extends with the enterprise's personal link); the copy's Idempotency-Key must name that row."""
    rows = query(home, "SELECT id, key, recipient, title, body, status FROM notification WHERE id > ?", (since_id,))
    by_head: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for _id, key, recipient, title, body, _status in rows:
        by_head.setdefault((recipient, title), []).append((key, body.rstrip("\n")))
    counts: Counter[str] = Counter()
    seen: set[str] = set()
    unmatched = resent = 0
    for recipient, title, body, idempotency_key in received:
        keys = [k for k, b in by_head.get((recipient, title), []) if body.startswith(b)]
        if len(keys) != 1 or idempotency_key not in ("", keys[0]):
            unmatched += 1
        elif idempotency_key and idempotency_key in seen:
            resent += 1
        else:
            seen.add(idempotency_key)
            counts[keys[0]] += 1
    once = failed = unknown = cancelled = 0
    dup: list[str] = []
    undelivered: dict[str, str] = {}
    for _id, key, _r, _t, _b, status in rows:
        n = counts[key]
        if n == 1:
            once += 1
        elif n > 1:
            dup.append(key)
        elif status == "failed":
            failed += 1
        elif status == "unknown":
            unknown += 1
        elif status == "cancelled":
            cancelled += 1
        else:
            undelivered[key] = status
    return Deliveries(len(rows), once, dup, resent, failed, unknown, cancelled, undelivered, unmatched)


def seeded(kind: str, seed: int) -> random.Random:
    return random.Random(f"reliability:{kind}:{seed}")
