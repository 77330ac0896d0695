"""Bench: the `reminders` flow for N enterprises x 1 deliverable against a bare Apprise send loop.

Both send to the same local HTTP receiver (Apprise json://) in the same process and run. Reports
wall times, the overhead ratio, and the number of Prefect task runs per flow run at each N (it must
not grow with N). The bare loop runs right before and right after the flow and the ratio uses their
mean: on a shared machine the load moves between minutes, and one side measured alone can be off by 2x.
CPU seconds are reported too (this process and its children, i.e. the ephemeral Prefect server and
the receiver's threads on both sides): they depend far less on what else the machine is doing.
The database is initialised first (`campaign init`: schema and the N enterprises), as on any day of a
real campaign; the flow still re-syncs the config and issues every enterprise's first portal link.
Enterprises come from a generated config dir: the database is synced from config
and the flow's first task re-syncs it (enterprises missing from config are deactivated), so a bench
that inserted rows straight into the database would find them switched off; reminders read the DB.

    python bench/reminders_bench.py --sizes 1000 10000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="reminders-bench-"))
os.environ.setdefault("PREFECT_HOME", str(WORK / "prefect"))
os.environ["BENCH_TOKEN"] = "benchtoken0123456789"

from campaign.runtime.environment import prepare_prefect_environment  # noqa: E402

prepare_prefect_environment(verbose=False)


class Receiver:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.count += 1
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def make_config(n: int, port: int) -> Path:
    target = WORK / f"config-{n}"
    target.mkdir()
    raw = yaml.safe_load((ROOT / "config/campaign.yaml").read_text(encoding="utf-8"))
    # 1 open deliverable. The completion ones stay because the clock and final-review sections refer
    # to them; they open in 2024, so at the bench's as_of they add no reminders.
    raw["deliverables"] = [d for d in raw["deliverables"] if d["id"] == "plan-2023" or d["kind"] == "completion"]
    (target / "campaign.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    enterprises = [
        {
            "code": f"B{i:06d}",
            "name": f"基准测试企业{i:06d}",
            "category": "商业一类",
            "contacts": [{"name": "联系人"}],
        }
        for i in range(1, n + 1)
    ]
    (target / "enterprises.yaml").write_text(
        yaml.safe_dump({"enterprises": enterprises}, allow_unicode=True), encoding="utf-8"
    )
    (target / "apprise.yaml").write_text(
        yaml.safe_dump({"default": [f"json://127.0.0.1:{port}/hook/${{BENCH_TOKEN}}"]}), encoding="utf-8"
    )
    return target


def cpu_seconds() -> float:
    """CPU time of this process (flow, Apprise, the receiver's threads) and its children (the Prefect server)."""
    import psutil

    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.Error:  # exited meanwhile
            pass
    return total


def bare_apprise_loop(n: int, port: int, body: str) -> float:
    import apprise

    client = apprise.Apprise(asset=apprise.AppriseAsset(storage_mode="memory", async_mode=False))
    client.add(f"json://127.0.0.1:{port}/hook/{os.environ['BENCH_TOKEN']}")
    started, cpu = time.perf_counter(), cpu_seconds()
    for i in range(n):
        assert client.notify(title=f"提醒 {i}", body=body)
    CPU["bare"] = cpu_seconds() - cpu
    return time.perf_counter() - started


CPU: dict[str, float] = {}


def sample_body() -> str:
    """A reminder's body as the flow renders it (the warm-up run recorded some)."""
    from sqlalchemy import select

    from campaign.db import models as m
    from campaign.db.session import session_scope

    with session_scope() as s:
        return s.scalars(select(m.Notification.body).where(m.Notification.kind == "reminder").limit(1)).one()


def reminder_run(n: int, port: int) -> dict:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from sqlalchemy import func, select

    from campaign.db import models as m
    from campaign.db.session import session_scope
    from flows.reminders import reminders

    config = make_config(n, port)
    os.environ["CAMPAIGN_HOME"] = str(WORK / f"home-{n}")
    os.environ["CAMPAIGN_CONFIG_DIR"] = str(config)
    os.environ["CAMPAIGN_APPRISE_CONFIG"] = str(config / "apprise.yaml")
    from campaign.db.migrate import init_database

    init_database()  # what `campaign init` did before the campaign's first reminder day
    started, cpu = time.perf_counter(), cpu_seconds()
    state = reminders(as_of="2023-05-15", return_state=True)  # T-7 of plan-2023 for every enterprise
    elapsed = time.perf_counter() - started
    CPU["flow"] = cpu_seconds() - cpu
    summary = state.result()
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
        )
    with session_scope() as s:
        sent_rows = s.scalar(select(func.count()).select_from(m.Notification).where(m.Notification.status == "sent"))
    timings = {r.name.rsplit("-", 1)[0]: r.total_run_time.total_seconds() for r in runs}
    return {
        "n": n,
        "seconds": elapsed,
        "sent": summary["sent"],
        "sent_rows": sent_rows,
        "task_runs": len(runs),
        "tasks": timings,
        "body": None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    receiver = Receiver()
    # Start the Prefect ephemeral server outside the measurements.
    warm = reminder_run(5, receiver.port)
    print(f"warm-up: {warm['task_runs']} task runs, {warm['seconds']:.1f}s", flush=True)
    results = []
    for n in args.sizes:
        # The bare loop sends the body a reminder has (same template, same length), before and after the flow.
        body = sample_body()
        bare_before = bare_apprise_loop(n, receiver.port, body)
        cpu_bare = CPU["bare"]
        before = receiver.count
        result = reminder_run(n, receiver.port)
        assert result["sent"] == n == result["sent_rows"] == receiver.count - before, result
        bare_after = bare_apprise_loop(n, receiver.port, body)
        cpu_bare = (cpu_bare + CPU["bare"]) / 2
        result["bare_seconds"] = bare = (bare_before + bare_after) / 2
        results.append(result)
        print(
            f"N={n}: flow {result['seconds']:.1f}s (deliver task {result['tasks']['notify-all']:.1f}s), "
            f"bare Apprise loop {bare_before:.1f}s before / {bare_after:.1f}s after, "
            f"ratio {result['seconds'] / bare:.2f} (delivery only {result['tasks']['notify-all'] / bare:.2f}), "
            f"task runs {result['task_runs']}: {result['tasks']}; "
            f"CPU flow {CPU['flow']:.1f}s vs bare {cpu_bare:.1f}s, ratio {CPU['flow'] / cpu_bare:.2f}",
            flush=True,
        )
    counts = {r["task_runs"] for r in results}
    print("task runs constant across sizes:", len(counts) == 1, counts)


if __name__ == "__main__":
    main()
