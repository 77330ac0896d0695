"""One day's intake at 1,000 enterprises on PostgreSQL and the Prefect server, with 1, 2 and 3 workers,
each worker in its own network namespace (a separate test host on this machine).

    sudo python bench/workers.py                                 # 1,000 enterprises, 1 2 3 workers
    sudo python bench/workers.py --enterprises 50 --workers 1 2  # a quick run while developing
    sudo python bench/workers.py --no-notice --files 2000        # skip the (untimed) deployment notice, cap the files
    sudo python bench/workers.py --out results.jsonl             # also append the results as JSON lines

Needs root (ip netns), iproute2 and PostgreSQL on 127.0.0.1:5432 with trust auth for postgres
(CAMPAIGN_TEST_POSTGRES_URL overrides the admin URL). PostgreSQL's own configuration is not touched.

What it sets up, and always tears down (also on an error, Ctrl-C or SIGTERM):

- network namespaces w1..w3, each with a veth pair vw<i> (host, 10.14.<i>.1/24) / vw<i>-ns (namespace,
  10.14.<i>.2/24) and its loopback up. Nothing leaves the machine.
- a TCP relay in this process (asyncio, in a thread) on 10.14.<i>.1:5432 -> 127.0.0.1:5432, so the
  workers reach PostgreSQL as "another host" while PostgreSQL sees loopback connections (it listens on
  127.0.0.1 only and trusts loopback only), and one on 10.14.<i>.1:<port> -> the Prefect API on
  127.0.0.1:<port>. The relay counts connections, bytes and HTTP requests per namespace: the Prefect
  API calls made by each worker and its flow runs.
- fresh PostgreSQL databases named after the run (Prefect's, a template business database, one per
  round), dropped at the end; a temporary directory for the homes and the files.
- `prefect server start` on PostgreSQL, the process pool campaign-pool, every deployment of
  prefect.yaml (`prefect deploy --all`, as `campaign serve` does) and one more, `intake-shared-inbox`:
  the `intake` deployment of prefect.yaml without its concurrency limit of one (see below).

The workload: the deployment window's filings at N enterprises (each enterprise's first file for
each deliverable due 2023-05-22 that it files in May: ~4 per enterprise), built once before timing
as the simulation builds them (campaign.simulation), then per round copied into a fresh
CAMPAIGN_HOME/inbox with a fresh business database (a copy of the template, which holds the schema,
the config and, unless --no-notice, the deployment phase's notices and 3 templates per enterprise:
that notice runs once through the pool with one worker and is timed separately; it is one flow run
and cannot be spread).

Per round with K workers: K `prefect worker start --pool campaign-pool --limit 1` processes, the i-th
in namespace w<i> (`ip netns exec`), all sharing the same CAMPAIGN_HOME directory (namespaces isolate
the network only), the business database and the Prefect API through their 10.14.<i>.1 relays.
Then K runs of `intake/intake-shared-inbox` are submitted through the Prefect API; each worker takes
one. They share one inbox: every file is claimed (campaign.db.claims: a row per file, a transaction per
batch of 25 files, campaign.intake.core.BATCH_SIZE) and each run delivers the receipts (notification
claims, SKIP LOCKED). Timed from the submission until all K runs are Completed.

Reported per round: wall time, files/s, speed-up against the 1-worker round of the same run, the
time each run took to be picked up, its take-inbox-files and notify-all task time, how the files and
messages were split between the runs, machine CPU utilisation and CPU seconds by process group
(PostgreSQL, Prefect server, workers with their flow runs, this bench and its relay, anything else),
PostgreSQL sessions, active time, transactions and the peak of connections and of lock waits
(pg_stat_database, pg_stat_activity sampled each second), Prefect API requests, and where each flow run's
main thread spends its time (PostgreSQL, Prefect API, Python) from 30 s of `py-spy record` started
45 s into the round (when py-spy is on PATH or next to this interpreter). Correctness is checked
and the round fails if any is off: every run Completed, the inbox empty, each file claimed and done
exactly once, one submission per file (version 1 only), one receipt or rejection per file, each sent
in exactly one attempt, and one outbox file per message.

Why `intake-shared-inbox`: prefect.yaml gives every deployment `concurrency_limit: 1` (ENQUEUE), so K
runs of `intake` run one after another whatever the number of workers; the bench measures what the
row claims allow when that limit is lifted for intake.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

ADMIN = os.environ.get("CAMPAIGN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
POOL = "campaign-pool"
DEPLOYMENT = "intake-shared-inbox"
NOTICE_AS_OF = "2023-05-12"
INTAKE_AS_OF = "2023-05-31"  # after every filing day of the files taken: each file as it was filed
WINDOW_DUE = date(2023, 5, 22)  # the four deliverables of the deployment phase
MAX_WORKERS = 3
HTTP_REQUEST = re.compile(rb"(?:GET|POST|PATCH|PUT|DELETE) /api/")


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


# -- network namespaces ------------------------------------------------------------------------------


def _ip(*args: str, check: bool = True) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")


def host_address(i: int) -> str:
    return f"10.14.{i}.1"


@contextlib.contextmanager
def namespaces(count: int) -> Iterator[None]:
    """w1..w<count>, each a veth pair to the host; removed on the way out whatever happened."""
    existing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout.split()
    taken = [f"w{i}" for i in range(1, count + 1) if f"w{i}" in existing]
    if taken:  # not ours: refuse rather than delete another run's namespaces
        raise RuntimeError(f"network namespaces already exist: {taken} (ip netns del them if they are leftovers)")
    made: list[int] = []
    try:
        for i in range(1, count + 1):
            ns, host_if, ns_if = f"w{i}", f"vw{i}", f"vw{i}-ns"
            _ip("netns", "add", ns)
            made.append(i)
            _ip("link", "add", host_if, "type", "veth", "peer", "name", ns_if)
            _ip("link", "set", ns_if, "netns", ns)
            _ip("addr", "add", f"{host_address(i)}/24", "dev", host_if)
            _ip("link", "set", host_if, "up")
            _ip("netns", "exec", ns, "ip", "addr", "add", f"10.14.{i}.2/24", "dev", ns_if)
            _ip("netns", "exec", ns, "ip", "link", "set", ns_if, "up")
            _ip("netns", "exec", ns, "ip", "link", "set", "lo", "up")
        yield
    finally:
        for i in made:
            _ip("link", "del", f"vw{i}", check=False)  # deletes the peer in the namespace too
            _ip("netns", "del", f"w{i}", check=False)


# -- TCP relay ---------------------------------------------------------------------------------------


@dataclass
class Link:
    connections: int = 0
    up: int = 0  # bytes from the namespace
    down: int = 0
    requests: int = 0  # HTTP requests (the Prefect API relay only)


class Relay:
    """host:port -> 127.0.0.1:target for each namespace, in an event loop on a thread of its own."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.links: dict[tuple[str, int], Link] = {}
        self._servers: list[asyncio.base_events.Server] = []
        self._thread = threading.Thread(target=self.loop.run_forever, name="relay", daemon=True)
        self._thread.start()

    def add(self, host: str, port: int, target: int, count_http: bool = False) -> None:
        link = self.links.setdefault((host, port), Link())

        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, upward: bool) -> None:
            try:
                while data := await reader.read(65536):
                    if upward:
                        link.up += len(data)
                        if count_http:
                            link.requests += len(HTTP_REQUEST.findall(data))
                    else:
                        link.down += len(data)
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                writer.close()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            link.connections += 1
            try:
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target)
            except OSError:
                writer.close()
                return
            await asyncio.gather(pipe(reader, up_writer, True), pipe(up_reader, writer, False))

        async def listen() -> None:
            self._servers.append(await asyncio.start_server(handle, host, port, reuse_address=True))

        asyncio.run_coroutine_threadsafe(listen(), self.loop).result(10)

    def snapshot(self) -> dict[tuple[str, int], Link]:
        return {key: Link(**vars(link)) for key, link in self.links.items()}

    def close(self) -> None:
        async def stop() -> None:
            for server in self._servers:
                server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


# -- processes ---------------------------------------------------------------------------------------


@dataclass
class Child:
    label: str
    proc: subprocess.Popen
    log: Any


def spawn(cmd: list[str], env: dict[str, str], label: str, logs: Path, netns: str | None = None) -> Child:
    from campaign.runtime.lifeline import wrap

    if netns:
        cmd = ["ip", "netns", "exec", netns, *cmd]  # ip execs the command in place: the lifeline still holds
    log = open(logs / f"{label}.log", "ab")
    # wrap(): a SIGKILLed bench takes the server and workers with it (the kernel does it, not us).
    proc = subprocess.Popen(
        wrap(cmd),
        env=env,
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    return Child(label, proc, log)


def stop(children: list[Child], first: int = signal.SIGINT, grace: float = 20.0) -> None:
    """A Prefect worker stops on SIGINT (then SIGKILL); flow runs it started are collected and killed too."""
    import psutil

    tree: list[psutil.Process] = []
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            tree += psutil.Process(child.proc.pid).children(recursive=True)
    for child in children:
        if child.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.proc.pid, first)
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.proc.pid, signal.SIGKILL)
            child.proc.wait(10)
    alive = [p for p in tree if p.is_running()]
    for proc in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(alive, timeout=10)
    for child in children:
        child.log.close()


def tree_pids(pid: int) -> set[int]:
    import psutil

    try:
        root = psutil.Process(pid)
        return {pid, *(p.pid for p in root.children(recursive=True))}
    except psutil.NoSuchProcess:
        return set()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- PostgreSQL --------------------------------------------------------------------------------------


class Postgres:
    def __init__(self, run: str) -> None:
        import sqlalchemy as sa

        self.sa = sa
        self.admin = sa.create_engine(ADMIN, isolation_level="AUTOCOMMIT", pool_size=1)
        self.run = run
        self.created: list[str] = []

    def url(self, name: str, host: str = "127.0.0.1", driver: str = "psycopg") -> str:
        url = self.sa.engine.make_url(ADMIN).set(drivername=f"postgresql+{driver}", host=host, database=name)
        return url.render_as_string(hide_password=False)

    def create(self, name: str, template: str | None = None) -> str:
        sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        for attempt in range(20):  # a template may still have a connection closing
            try:
                with self.admin.connect() as c:
                    c.execute(self.sa.text(sql))
                break
            except self.sa.exc.OperationalError:
                if attempt == 19:
                    raise
                time.sleep(0.5)
        self.created.append(name)
        return name

    def query(self, sql: str, **params: Any) -> list[Any]:
        with self.admin.connect() as c:
            return list(c.execute(self.sa.text(sql), params))

    def drop_all(self) -> None:
        for name in reversed(self.created):
            with contextlib.suppress(Exception), self.admin.connect() as c:
                c.execute(self.sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()

    def database_stats(self, name: str) -> dict[str, float]:
        rows = self.query(
            "SELECT xact_commit + xact_rollback, tup_inserted + tup_updated + tup_deleted, tup_returned + tup_fetched,"
            " sessions, active_time, idle_in_transaction_time FROM pg_stat_database WHERE datname = :name",
            name=name,
        )
        keys = ("transactions", "rows_written", "rows_read", "sessions", "active_ms", "idle_in_transaction_ms")
        return dict(zip(keys, (float(v or 0) for v in rows[0]), strict=True)) if rows else {}


# -- sampling during a round -------------------------------------------------------------------------


def _cpu_jiffies() -> tuple[int, int]:
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]  # total, idle + iowait


@dataclass
class Sampler:
    """CPU seconds by process group (sampled each second) and pg_stat_activity of the two databases."""

    pg: Postgres
    databases: dict[str, str]  # label -> database name
    groups: Callable[[], dict[str, set[int]]]
    cpu: Counter = field(default_factory=Counter)
    seen: dict[int, float] = field(default_factory=dict)
    pg_samples: int = 0
    active: Counter = field(default_factory=Counter)
    peak_connections: Counter = field(default_factory=Counter)
    lock_waits: Counter = field(default_factory=Counter)
    peak_lock_waits: Counter = field(default_factory=Counter)
    _start: tuple[int, int] = (0, 0)
    _t0: float = 0.0

    def start(self) -> None:
        import psutil

        for proc in psutil.process_iter(["cpu_times"]):
            times = proc.info["cpu_times"]
            if times is not None:
                self.seen[proc.pid] = times.user + times.system
        self._start, self._t0 = _cpu_jiffies(), time.monotonic()

    def sample(self) -> None:
        import psutil

        groups = self.groups()
        for proc in psutil.process_iter(["name", "cpu_times"]):
            times = proc.info["cpu_times"]
            if times is None:
                continue
            now = times.user + times.system
            # A process born during the round: all of its CPU time belongs to the round.
            delta, self.seen[proc.pid] = now - self.seen.get(proc.pid, 0.0), now
            label = "postgres" if proc.info["name"] == "postgres" else "other"
            for name, pids in groups.items():
                if proc.pid in pids:
                    label = name
            self.cpu[label] += max(delta, 0.0)
        names = {v: k for k, v in self.databases.items()}
        rows = self.pg.query(
            "SELECT datname, count(*), count(*) FILTER (WHERE state = 'active'),"
            " count(*) FILTER (WHERE wait_event_type = 'Lock') FROM pg_stat_activity"
            " WHERE datname = ANY(:names) AND pid <> pg_backend_pid() GROUP BY datname",
            names=list(names),
        )
        self.pg_samples += 1
        for datname, connections, active, locks in rows:
            label = names[datname]
            self.active[label] += active
            self.lock_waits[label] += locks
            self.peak_connections[label] = max(self.peak_connections[label], connections)
            self.peak_lock_waits[label] = max(self.peak_lock_waits[label], locks)

    def result(self) -> dict[str, Any]:
        total, idle = _cpu_jiffies()
        busy = (total - self._start[0]) - (idle - self._start[1])
        n = max(self.pg_samples, 1)
        return {
            "machine_cpu_pct": round(100 * busy / max(total - self._start[0], 1), 1),
            "cpu_s": {k: round(v, 1) for k, v in self.cpu.most_common()},
            "pg_mean_active": {k: round(v / n, 2) for k, v in self.active.items()},
            "pg_peak_connections": dict(self.peak_connections),
            "pg_mean_lock_waits": {k: round(v / n, 2) for k, v in self.lock_waits.items()},
            "pg_peak_lock_waits": dict(self.peak_lock_waits),
        }


def py_spy() -> str | None:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return found if Path(found).is_file() else None


def where_time_goes(folder: Path) -> dict[str, dict[str, float]]:
    """Share of the main thread's samples (py-spy raw stacks) waiting on PostgreSQL, on the Prefect API, or
    running Python: what a flow run is waiting for, if anything."""
    shares: dict[str, dict[str, float]] = {}
    for path in sorted(folder.glob("flowrun-*.txt")):
        pid = path.stem.rsplit("-", 1)[1]
        counts: Counter = Counter()
        for line in path.read_text(errors="replace").splitlines():
            stack, _, n = line.rpartition(" ")
            if not stack.startswith(f"thread ({pid})") or not n.isdigit():
                continue  # the main thread only: Prefect's helper threads idle by design
            if "psycopg" in stack:
                kind = "PostgreSQL"
            elif "httpx" in stack or "httpcore" in stack or "prefect/client" in stack:
                kind = "Prefect API"
            elif "sleep" in stack or "wait (threading" in stack:
                kind = "waiting (other)"
            else:
                kind = "Python (CPU)"
            counts[kind] += int(n)
        total = sum(counts.values())
        if total:
            shares[path.stem] = {k: round(100 * v / total, 1) for k, v in counts.most_common()}
    return shares


def _build_part(job: tuple[list[Any], int, Path]) -> list[str]:
    """Build some of the files (in a forked process), as the simulation builds them; their names."""
    from campaign.config.model import load_config
    from campaign.simulation.data import enterprise_rows
    from campaign.simulation.files import build_file

    actions, seed, root = job
    config = load_config()
    years = sorted(config.final_review.years)
    rows_of: dict[str, Any] = {}
    names = []
    for a in actions:
        enterprise = config.enterprise(a.enterprise)
        if a.enterprise not in rows_of:
            rows_of[a.enterprise] = enterprise_rows(config, enterprise, seed, years)
        faulty = a.variant == "faulty"
        d = config.deliverable(a.deliverable)
        path = build_file(config, enterprise, d, rows_of[a.enterprise], faulty, root / "template-home", root / "files")
        if path is not None:
            names.append(path.name)
    return names


# -- the bench ---------------------------------------------------------------------------------------


@dataclass
class Bench:
    enterprises: int
    worker_counts: list[int]
    seed: int
    with_notice: bool
    max_files: int | None
    root: Path
    port: int
    deployment: str = DEPLOYMENT
    run: str = field(default_factory=lambda: f"cw{uuid.uuid4().hex[:8]}")
    children: list[Child] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.logs = self.root / "logs"
        self.logs.mkdir(parents=True)
        self.pg = Postgres(self.run)
        self.relay: Relay | None = None
        self.secret = secrets.token_urlsafe(48)  # the one signing key of builder and workers (CAMPAIGN_WEB_SECRET)

    # environment ---------------------------------------------------------------------------------
    def base_env(self) -> dict[str, str]:
        env = dict(os.environ)
        for key in [k for k in env if k.startswith(("PREFECT_", "CAMPAIGN_"))]:
            del env[key]  # nothing of the caller's Prefect profile or campaign home leaks into the run
        env.update(
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            CAMPAIGN_CONFIG_DIR=str(self.root / "config"),
            CAMPAIGN_WEB_SECRET=self.secret,
            CAMPAIGN_REPO=str(REPO),  # prefect.yaml's pull step on the workers
            PYTHONUNBUFFERED="1",
        )
        return env

    def worker_env(self, i: int, database: str, home: Path) -> dict[str, str]:
        env = self.base_env()
        env.update(
            PREFECT_API_URL=f"http://{host_address(i)}:{self.port}/api",
            PREFECT_HOME=str(self.root / f"prefect-w{i}"),
            # Poll every second instead of every 10: pick-up latency would otherwise dominate small rounds.
            PREFECT_WORKER_QUERY_SECONDS="1",
            CAMPAIGN_DATABASE_URL=self.pg.url(database, host=host_address(i)),
            CAMPAIGN_HOME=str(home),
        )
        return env

    def local_env(self) -> dict[str, str]:
        env = self.base_env()
        env.update(PREFECT_API_URL=f"http://127.0.0.1:{self.port}/api", PREFECT_HOME=str(self.root / "prefect-cli"))
        return env

    # set-up --------------------------------------------------------------------------------------
    def prepare(self) -> dict[str, Any]:
        """Config, template database and the files: before the server, so none of it is timed."""
        from campaign.cli.simulate import write_synthetic_config

        write_synthetic_config(self.root / "config", self.enterprises, self.seed)
        os.environ.update({k: v for k, v in self.base_env().items() if k.startswith("CAMPAIGN_")})
        self.template = self.pg.create(f"{self.run}_template")
        self.pg.create(f"{self.run}_prefect")
        os.environ["CAMPAIGN_DATABASE_URL"] = self.pg.url(self.template)
        os.environ["CAMPAIGN_HOME"] = str(self.root / "template-home")
        (self.root / "template-home").mkdir()
        from campaign.db.migrate import init_database
        from campaign.db.session import engine_for

        init_database()
        engine_for(os.environ["CAMPAIGN_DATABASE_URL"]).dispose()  # a template must have no connections
        return self.build_files()

    def build_files(self) -> dict[str, Any]:
        from campaign.config.model import load_config
        from campaign.simulation.behaviour import plan_actions

        config = load_config()
        window = {d.id for d in config.deliverables if d.due == WINDOW_DUE}
        actions = [
            a
            for a in plan_actions(config, self.seed)
            if a.deliverable in window and a.version == 1 and a.day <= date.fromisoformat(INTAKE_AS_OF)
        ]
        actions = actions[: self.max_files] if self.max_files else actions
        out = self.root / "files"
        started = time.perf_counter()
        # Not timed, but minutes at 1,000 enterprises: one forked builder per core (no thread runs yet).
        cores = os.cpu_count() or 1
        with ProcessPoolExecutor(cores, mp_context=multiprocessing.get_context("fork")) as pool:
            parts = pool.map(_build_part, [(actions[i::cores], self.seed, self.root) for i in range(cores)])
            by_stem = {name.rsplit(".", 1)[0]: name for part in parts for name in part}
        # Arrival order = filing order (intake takes the inbox oldest first).
        stems = dict.fromkeys(f"{a.enterprise}_{a.deliverable}" for a in actions)
        built = [out / by_stem[stem] for stem in stems if stem in by_stem]
        for n, path in enumerate(built):
            at = 1_700_000_000_000_000_000 + n * 1_000_000
            os.utime(path, ns=(at, at))
        self.files = built
        return {
            "files": len(built),
            "faulty": sum(a.variant == "faulty" for a in actions),
            "mb": round(sum(p.stat().st_size for p in built) / 2**20, 1),
            "build_s": round(time.perf_counter() - started, 1),
        }

    def start_server(self) -> dict[str, Any]:
        env = self.base_env()
        env.update(
            PREFECT_HOME=str(self.root / "prefect-server"),
            PREFECT_API_DATABASE_CONNECTION_URL=self.pg.url(f"{self.run}_prefect", driver="asyncpg"),
        )
        started = time.perf_counter()
        cmd = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(self.port)]
        self.server = spawn(cmd, env, "server", self.logs)
        self.children.append(self.server)
        import urllib.request

        deadline = time.monotonic() + 300
        while True:
            if self.server.proc.poll() is not None:
                raise RuntimeError(f"Prefect server exited; see {self.logs / 'server.log'}")
            with contextlib.suppress(OSError, ValueError):
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/health", timeout=2) as resp:
                    if json.loads(resp.read() or b"false") is True:
                        break
            if time.monotonic() > deadline:
                raise RuntimeError("Prefect server not healthy within 300 s")
            time.sleep(0.5)
        healthy = time.perf_counter() - started
        self.cli(["work-pool", "create", POOL, "--type", "process"])
        self.cli(["--no-prompt", "deploy", "--all"])  # every deployment of prefect.yaml, as `campaign serve`
        self.cli(["--no-prompt", "deploy", "--all", "--prefect-file", str(self.bench_prefect_file())])
        return {"server_healthy_s": round(healthy, 1), "deployed_s": round(time.perf_counter() - started, 1)}

    def bench_prefect_file(self) -> Path:
        """prefect.yaml's intake deployment, renamed and without its concurrency limit of one."""
        import yaml

        spec = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
        intake = next(d for d in spec["deployments"] if d["name"] == "intake")
        intake = {**intake, "name": DEPLOYMENT}
        intake.pop("concurrency_limit", None)
        spec.pop("definitions", None)
        spec["deployments"] = [intake]
        path = self.root / "prefect-bench.yaml"
        path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    def cli(self, args: list[str]) -> None:
        cmd = [sys.executable, "-m", "prefect", *args]
        done = subprocess.run(cmd, env=self.local_env(), cwd=REPO, capture_output=True, text=True)
        with open(self.logs / "cli.log", "a", encoding="utf-8") as log:
            log.write(f"$ prefect {' '.join(args)}\n{done.stdout}{done.stderr}\n")
        if done.returncode != 0:
            raise RuntimeError(f"prefect {' '.join(args)} failed: {(done.stdout + done.stderr)[-2000:]}")

    def start_relay(self) -> None:
        self.relay = Relay()
        for i in range(1, MAX_WORKERS + 1):
            self.relay.add(host_address(i), 5432, 5432)
            self.relay.add(host_address(i), self.port, self.port, count_http=True)

    # workers and runs ----------------------------------------------------------------------------
    def start_workers(self, k: int, database: str, home: Path, tag: str) -> list[Child]:
        workers = []
        for i in range(1, k + 1):
            cmd = [sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL, "--limit", "1"]
            cmd += ["--name", f"{tag}-w{i}"]
            workers.append(spawn(cmd, self.worker_env(i, database, home), f"{tag}-w{i}", self.logs, netns=f"w{i}"))
        self.children += workers
        with self.client() as client:
            deadline = time.monotonic() + 180
            while True:
                online = {w.name for w in client.read_workers_for_work_pool(POOL) if str(w.status).endswith("ONLINE")}
                if all(f"{tag}-w{i}" in online for i in range(1, k + 1)):
                    break
                if time.monotonic() > deadline or any(w.proc.poll() is not None for w in workers):
                    raise RuntimeError(f"workers {tag} not online; see {self.logs}")
                time.sleep(0.5)
        return workers

    def stop_workers(self, workers: list[Child]) -> None:
        stop(workers)
        self.children = [c for c in self.children if c not in workers]

    @contextlib.contextmanager
    def client(self) -> Iterator[Any]:
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            yield client

    def run_flows(
        self,
        deployment: str,
        k: int,
        parameters: dict[str, Any],
        sampler: Sampler | None = None,
        spy: Path | None = None,
    ) -> dict[str, Any]:
        """Submit k runs of the deployment and wait until all are final. Returns wall time and per-run facts."""
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

        with self.client() as client:
            dep = client.read_deployment_by_name(deployment)
            t0 = time.perf_counter()
            ids = [client.create_flow_run_from_deployment(dep.id, parameters=parameters).id for _ in range(k)]
            last_sample, spied = 0.0, spy is None
            spies: list[subprocess.Popen] = []
            while True:
                runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)))
                if len(runs) == k and all(r.state is not None and r.state.is_final() for r in runs):
                    break
                now = time.perf_counter()
                if sampler is not None and now - last_sample >= 1.0:
                    sampler.sample()
                    last_sample = now
                if not spied and now - t0 >= 45 and spy is not None:  # the runs are past their start-up
                    spies = self.spy(spy)
                    spied = True
                time.sleep(0.25)
            wall = time.perf_counter() - t0
            for proc in spies:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(60)
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            per_run = []
            for r in sorted(runs, key=lambda r: r.start_time or r.created):
                tasks: Counter = Counter()
                count = 0
                from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterFlowRunId

                for t in client.read_task_runs(
                    task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=[r.id]))
                ):
                    tasks[t.task_key.rsplit("-", 1)[0] if t.task_key else t.name] += t.total_run_time.total_seconds()
                    count += 1
                per_run.append(
                    {
                        "state": r.state.type.value if r.state else None,
                        "picked_up_s": round((r.start_time - r.created).total_seconds(), 1)
                        if r.start_time and r.created
                        else None,
                        "run_s": round(r.total_run_time.total_seconds(), 1),
                        "task_runs": count,
                        "task_s": {name: round(s, 1) for name, s in tasks.most_common(4)},
                    }
                )
        return {"wall_s": round(wall, 1), "runs": per_run}

    def spy(self, folder: Path, seconds: int = 30) -> list[subprocess.Popen]:
        """Start sampling every flow run (the workers' python children) and the server with py-spy."""
        import psutil

        binary = py_spy()
        if binary is None:
            return []
        folder.mkdir(parents=True, exist_ok=True)
        targets = [(f"server-{self.server.proc.pid}", self.server.proc.pid)]
        for child in self.children:
            if child is self.server or child.proc.poll() is not None:
                continue
            for proc in psutil.Process(child.proc.pid).children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    if "prefect.engine" in " ".join(proc.cmdline()):
                        targets.append((f"flowrun-{child.label}-{proc.pid}", proc.pid))
        spies = []
        for label, pid in targets:
            cmd = [binary, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "20", "--format", "raw"]
            cmd += ["--idle", "--threads", "--nonblocking", "--output", str(folder / f"{label}.txt")]
            spies.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        return spies

    def notice(self) -> dict[str, Any]:
        """The deployment phase once, with one worker, into the template database (timed on its own)."""
        workers = self.start_workers(1, self.template, self.root / "template-home", "notice")
        try:
            result = self.run_flows("deployment-phase/deployment-phase", 1, {"as_of": NOTICE_AS_OF})
        finally:
            self.stop_workers(workers)
        if result["runs"][0]["state"] != "COMPLETED":
            raise RuntimeError(f"deployment phase ended {result['runs'][0]['state']}; see {self.logs}")
        return result

    def round(self, k: int) -> dict[str, Any]:
        tag = f"k{k}"
        database = self.pg.create(f"{self.run}_{tag}", template=self.template)
        home = self.root / tag / "home"
        shutil.copytree(self.root / "template-home", home, ignore=shutil.ignore_patterns("outbox", "inbox"))
        inbox = home / "inbox"
        inbox.mkdir()
        for path in self.files:
            shutil.copy2(path, inbox / path.name)  # copy2 keeps the arrival order (mtime)
        workers = self.start_workers(k, database, home, tag)
        try:
            assert self.relay is not None
            relay_before = self.relay.snapshot()
            prefect_before = self.pg.database_stats(f"{self.run}_prefect")

            def groups() -> dict[str, set[int]]:
                found = {"prefect server": tree_pids(self.server.proc.pid), "bench + relay": {os.getpid()}}
                found["workers + flow runs"] = set().union(*(tree_pids(w.proc.pid) for w in workers))
                return found

            sampler = Sampler(self.pg, {"business": database, "prefect": f"{self.run}_prefect"}, groups)
            sampler.start()
            cpu0 = time.process_time()
            flows = self.run_flows(
                f"intake/{self.deployment}", k, {"as_of": INTAKE_AS_OF}, sampler, spy=self.root / tag / "py-spy"
            )
            bench_cpu = time.process_time() - cpu0
            time.sleep(1.5)  # PostgreSQL publishes a backend's counters at most once a second
            relay_after = self.relay.snapshot()
            prefect_after = self.pg.database_stats(f"{self.run}_prefect")
        finally:
            self.stop_workers(workers)
        result: dict[str, Any] = {"workers": k, **flows, "files": len(self.files)}
        result["files_per_s"] = round(len(self.files) / flows["wall_s"], 1)
        result.update(sampler.result())
        result["bench_process_cpu_s"] = round(bench_cpu, 1)
        result["pg_business"] = self.pg.database_stats(database)
        result["pg_prefect"] = {k2: round(v - prefect_before.get(k2, 0.0), 1) for k2, v in prefect_after.items()}
        api, pg_bytes = [], []
        for i in range(1, k + 1):
            a, b = relay_after[(host_address(i), self.port)], relay_before[(host_address(i), self.port)]
            api.append(a.requests - b.requests)
            p, q = relay_after[(host_address(i), 5432)], relay_before[(host_address(i), 5432)]
            pg_bytes.append(
                {"connections": p.connections - q.connections, "mb": round((p.up + p.down - q.up - q.down) / 2**20, 1)}
            )
        result["api_requests"] = api
        result["pg_relay"] = pg_bytes
        result["check"] = self.check(database, home)
        result["flow_run_main_thread_pct"] = where_time_goes(self.root / tag / "py-spy")
        return result

    def check(self, database: str, home: Path) -> dict[str, Any]:
        """Each file exactly once, each message exactly once; raises if not."""
        import sqlalchemy as sa

        engine = sa.create_engine(self.pg.url(database))
        try:
            with engine.connect() as c:

                def one(sql: str) -> Any:
                    return c.execute(sa.text(sql)).one()

                claims_done, claims_open = one(
                    "SELECT count(*) FILTER (WHERE status = 'done'), count(*) FILTER (WHERE status <> 'done')"
                    " FROM work_claim WHERE kind = 'inbox'"
                )
                submissions, distinct, max_version = one(
                    "SELECT count(*), count(DISTINCT (enterprise_id, deliverable_id, content_hash)),"
                    " coalesce(max(version), 0) FROM submission"
                )
                messages, distinct_keys, attempts, sent = one(
                    "SELECT count(*), count(DISTINCT key), coalesce(sum(attempts), 0),"
                    " count(*) FILTER (WHERE status = 'sent') FROM notification WHERE kind IN ('receipt', 'rejection')"
                )
                files_by_run = [
                    n
                    for (n,) in c.execute(
                        sa.text(
                            "SELECT count(*) FROM work_claim WHERE kind = 'inbox'"
                            " GROUP BY split_part(claimed_by, ':', 2) ORDER BY 1 DESC"
                        )
                    )
                ]
                sent_by_run = [
                    n
                    for (n,) in c.execute(
                        sa.text(
                            "SELECT count(*) FROM notification WHERE kind IN ('receipt', 'rejection')"
                            " GROUP BY split_part(claimed_by, ':', 2) ORDER BY 1 DESC"
                        )
                    )
                ]
        finally:
            engine.dispose()
        left = sum(1 for p in (home / "inbox").iterdir() if p.is_file())
        moved = sum(1 for folder in ("processed", "rejected") for _ in (home / "inbox" / folder).glob("*"))
        outbox = sum(1 for p in (home / "outbox").glob("*.json") if p.name.startswith(("receipt", "rejection")))
        n = len(self.files)
        facts = {
            "left_in_inbox": left,
            "moved": moved,
            "claims_done": claims_done,
            "claims_open": claims_open,
            "submissions": submissions,
            "max_version": max_version,
            "messages": messages,
            "sent": sent,
            "send_attempts": attempts,
            "outbox_files": outbox,
            "files_by_run": files_by_run,
            "sent_by_run": sent_by_run,
        }
        wrong = {
            "inbox not empty": left != 0,
            "moved != files": moved != n,
            "claims done != files": claims_done != n or claims_open != 0,
            "submissions != files or a file recorded twice": submissions != n or distinct != n or max_version != 1,
            "messages != files or a key twice": messages != n or distinct_keys != n,
            "a message not sent, or sent in more than one attempt": sent != n or attempts != n,
            "outbox files != messages": outbox != n,
        }
        facts["ok"] = not any(wrong.values())
        facts["wrong"] = [what for what, bad in wrong.items() if bad]
        return facts

    def close(self) -> None:
        stop(self.children, first=signal.SIGINT)
        self.children.clear()
        if self.relay is not None:
            self.relay.close()
        self.pg.drop_all()


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    import prefect

    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": sys.version.split()[0],
        "prefect": prefect.__version__,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def print_table(rounds: list[dict[str, Any]]) -> None:
    base = rounds[0]["wall_s"] if rounds and rounds[0]["workers"] == 1 else None
    print(
        "\n| workers | wall s | files/s | speed-up | machine CPU % "
        "| CPU s: flow runs / postgres / server / bench / other "
        "| PG business: mean active, peak conn | API requests | correct |"
    )
    print("|---:|---:|---:|---:|---:|---|---|---|---|")
    for r in rounds:
        cpu = r["cpu_s"]
        speed = f"{base / r['wall_s']:.2f}x" if base else "-"
        print(
            f"| {r['workers']} | {r['wall_s']} | {r['files_per_s']} | {speed} | {r['machine_cpu_pct']} | "
            f"{cpu.get('workers + flow runs', 0)} / {cpu.get('postgres', 0)} / {cpu.get('prefect server', 0)} / "
            f"{cpu.get('bench + relay', 0)} / {cpu.get('other', 0)} | "
            f"{r['pg_mean_active'].get('business', 0)}, {r['pg_peak_connections'].get('business', 0)} | "
            f"{sum(r['api_requests'])} | {'yes' if r['check']['ok'] else 'NO: ' + ', '.join(r['check']['wrong'])} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3], choices=range(1, MAX_WORKERS + 1))
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--files", type=int, help="take at most this many of the window's files")
    parser.add_argument("--no-notice", action="store_true", help="skip the deployment phase in the template database")
    parser.add_argument("--out", help="append the results as one JSON line to this file")
    parser.add_argument(
        "--deployment",
        default=DEPLOYMENT,
        help="the intake deployment the rounds run (intake = prefect.yaml's, with its concurrency limit of one)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, py-spy samples)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (ip netns)")
    # SIGTERM (and a closed terminal) unwinds like Ctrl-C, so the finally below tears everything down.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGHUP, signal.default_int_handler)
    root = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    port = free_port()
    # This process talks to the server too (submits, polls): Prefect reads its settings once, at import,
    # and without an API URL it would start an ephemeral server of its own.
    for key in [k for k in os.environ if k.startswith("PREFECT_")]:
        del os.environ[key]
    os.environ.update(
        PREFECT_API_URL=f"http://127.0.0.1:{port}/api",
        PREFECT_HOME=str(root / "prefect-cli"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    report: dict[str, Any] = {
        "enterprises": args.enterprises,
        "deployment": f"intake/{args.deployment}",
        "machine": machine(),
        "command": " ".join(sys.argv),
    }
    say(f"{report['machine']}; work directory {root}")
    bench = Bench(
        args.enterprises, args.workers, args.seed, not args.no_notice, args.files, root, port, args.deployment
    )
    rounds: list[dict[str, Any]] = []
    try:
        with namespaces(MAX_WORKERS):
            report["files"] = bench.prepare()
            say(f"files built: {report['files']}")
            bench.start_relay()
            report["server"] = bench.start_server()
            say(f"Prefect server on PostgreSQL and deployments: {report['server']}")
            if bench.with_notice:
                notice = bench.notice()
                report["notice"] = {"wall_s": notice["wall_s"], **notice["runs"][0]}
                say(f"deployment phase (1 worker, into the template database): {report['notice']}")
            for k in args.workers:
                say(f"round with {k} worker(s), load average {os.getloadavg()}")
                result = bench.round(k)
                say(json.dumps(result, ensure_ascii=False))
                rounds.append(result)
    finally:
        bench.close()
        report["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
        if args.keep:
            say(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    report["rounds"] = rounds
    print_table(rounds)
    print(f"\nload average at start {report['machine']['load_average']}, at end {report['load_average_end']}")
    if args.out:
        with open(args.out, "a", encoding="utf-8") as out:
            out.write(json.dumps(report, ensure_ascii=False) + "\n")
    if not all(r["check"]["ok"] for r in rounds):
        sys.exit("a round processed a file or sent a message other than exactly once")


if __name__ == "__main__":
    main()
