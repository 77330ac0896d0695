"""The local production stack: `prefect server start`, the work pool, deployments from prefect.yaml,
and N process workers, started in order and stopped without leaving a process behind.

Each child runs in its own session (process group) so a terminal's Ctrl-C reaches only us and we
stop the children in order: workers first (they finish or hand back their flow runs), then the
server. Flow runs are started by the process worker in sessions of their own, so at stop time every
descendant is collected first and whatever survives the polite signals is killed.

If we are SIGKILLed nothing of ours runs: the kernel then kills our direct children
(`campaign.runtime.lifeline`); flow runs a worker had already started run on to their end.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from campaign.config.settings import REPO_ROOT
from campaign.errors import StackError
from campaign.runtime.environment import server_record
from campaign.runtime.lifeline import wrap

POOL = "campaign-pool"


@dataclass
class StackOptions:
    host: str = "127.0.0.1"
    port: int = 4200
    workers: int = 1
    prefect_home: Path = Path("var/prefect")
    campaign_home: Path = Path("var")
    pool: str = POOL
    deploy: bool = True
    startup_timeout: float = 180.0
    log_dir: Path | None = None
    web_port: int = 8000  # the enterprise portal (campaign web); 0 = do not start it

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.port}/api"

    @property
    def ui_url(self) -> str:
        return f"http://{self.host}:{self.port}"


def write_server_record(campaign_home: Path, api_url: str, pid: int) -> None:
    """Tell other `campaign` commands on this machine which Prefect server serves this CAMPAIGN_HOME."""
    path = server_record(campaign_home)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"api_url": api_url, "pid": pid}), encoding="utf-8")


def forget_server_record(campaign_home: Path, pid: int) -> None:
    path = server_record(campaign_home)
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == pid:
            path.unlink()
    except (OSError, ValueError):
        pass


def prefect_command() -> list[str]:
    # The prefect of this interpreter's environment, whatever PATH says.
    return [sys.executable, "-m", "prefect"]


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def stack_environment(opts: StackOptions, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment shared by the server, the CLI calls and the workers (and so the flow runs)."""
    env = dict(os.environ if base is None else base)
    env.update(
        PREFECT_HOME=str(opts.prefect_home.expanduser().resolve()),
        PREFECT_API_URL=opts.api_url,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        # Workers resolve prefect.yaml's pull step `{{ $CAMPAIGN_REPO }}` to this checkout.
        CAMPAIGN_REPO=str(REPO_ROOT),
        CAMPAIGN_HOME=str(opts.campaign_home.expanduser().resolve()),
        PYTHONUNBUFFERED="1",
    )
    return env


@dataclass
class LocalStack:
    opts: StackOptions
    env: dict[str, str] = field(default_factory=dict)
    server: subprocess.Popen | None = None
    workers: list[subprocess.Popen] = field(default_factory=list)
    web: subprocess.Popen | None = None
    _logs: list = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.env:
            self.env = stack_environment(self.opts)
        self.log_dir = (self.opts.log_dir or self.opts.prefect_home / "logs").expanduser().resolve()

    # -- start ---------------------------------------------------------------------------------
    def start(self, say=print) -> None:
        Path(self.env["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
        Path(self.env["CAMPAIGN_HOME"]).mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if not port_is_free(self.opts.host, self.opts.port):
            raise StackError(
                f"端口 {self.opts.host}:{self.opts.port} 已被占用（可能已有一个 Prefect 服务器在运行）。"
                f"请先停止它，或用 --port 换一个端口。"
            )
        try:
            say(f"启动 Prefect 服务器（{self.opts.ui_url}，数据库：{self._server_db()}）…")
            self.server = self._spawn(
                prefect_command() + ["server", "start", "--host", self.opts.host, "--port", str(self.opts.port)],
                "server",
            )
            self._wait_healthy()
            write_server_record(Path(self.env["CAMPAIGN_HOME"]), self.opts.api_url, self.server.pid)
            if self.opts.deploy or self.opts.workers:  # two Prefect CLI calls (~10 s here) only when used
                say(f"确认工作池 {self.opts.pool}（进程型）…")
                self._ensure_pool()
            if self.opts.deploy:
                say("按 prefect.yaml 部署全部流程…")
                self._cli(["--no-prompt", "deploy", "--all"], what="按 prefect.yaml 部署", cwd=REPO_ROOT)
            for i in range(self.opts.workers):
                name = f"{socket.gethostname()}-{os.getpid()}-{i + 1}"
                self.workers.append(
                    self._spawn(
                        prefect_command() + ["worker", "start", "--pool", self.opts.pool, "--name", name],
                        f"worker-{i + 1}",
                    )
                )
            say(f"已启动 {self.opts.workers} 个 worker（工作池 {self.opts.pool}）。")
            self._start_web(say)
        except BaseException:
            self.stop()
            raise

    def _start_web(self, say) -> None:
        if not self.opts.web_port:
            return
        if not port_is_free(self.opts.host, self.opts.web_port):
            # The flows do not need the portal: say so and go on rather than refuse the whole stack.
            say(
                f"端口 {self.opts.host}:{self.opts.web_port} 已被占用，未启动企业网上报送系统"
                "（可用 --web-port 换一个端口）。"
            )
            return
        command = ["-m", "campaign.cli.app", "web", "--host", self.opts.host, "--port", str(self.opts.web_port)]
        web = self._spawn([sys.executable, *command], "web")
        # Ready before "已就绪": it migrates the database at start, and nothing else may be migrating then.
        url = f"http://{self.opts.host}:{self.opts.web_port}/"
        deadline = time.monotonic() + 60
        while web.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)
        else:
            _signal_groups([web], signal.SIGKILL)
            say(f"企业网上报送系统未能启动，见 {self.log_dir / 'web.log'}；Prefect 服务器和 worker 照常运行。")
            return
        self.web = web
        say(f"企业网上报送系统：{url} （日志 {self.log_dir / 'web.log'}）")

    def _server_db(self) -> str:
        url = self.env.get("PREFECT_API_DATABASE_CONNECTION_URL")
        if not url:
            return f"SQLite {Path(self.env['PREFECT_HOME']) / 'prefect.db'}"
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)

    def _spawn(self, cmd: list[str], label: str) -> subprocess.Popen:
        log = open(self.log_dir / f"{label}.log", "ab")
        self._logs.append(log)
        return subprocess.Popen(
            wrap(cmd),  # a SIGKILLed `campaign serve` takes the server, workers and portal with it
            env=self.env,
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def _wait_healthy(self) -> None:
        assert self.server is not None, "start() calls this right after spawning the server"
        deadline = time.monotonic() + self.opts.startup_timeout
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise StackError(
                    f"Prefect 服务器启动失败（退出码 {self.server.returncode}）。"
                    f"请查看日志 {self.log_dir / 'server.log'}；使用 PostgreSQL 时请确认 "
                    f"PREFECT_API_DATABASE_CONNECTION_URL 可连接且以 postgresql+asyncpg:// 开头。"
                )
            try:
                with urllib.request.urlopen(f"{self.opts.api_url}/health", timeout=2) as resp:
                    if json.loads(resp.read() or b"false") is True:
                        return
            except (urllib.error.URLError, OSError, ValueError):
                pass
            time.sleep(0.5)
        raise StackError(
            f"Prefect 服务器在 {self.opts.startup_timeout:.0f} 秒内未就绪。"
            f"请查看日志 {self.log_dir / 'server.log'}，或用 --startup-timeout 延长等待时间。"
        )

    def _ensure_pool(self) -> None:
        probe = subprocess.run(
            prefect_command() + ["work-pool", "inspect", self.opts.pool],
            env=self.env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
        )
        if probe.returncode != 0:
            self._cli(["work-pool", "create", self.opts.pool, "--type", "process"], what="创建工作池")

    def _cli(self, args: list[str], what: str, cwd: Path = REPO_ROOT) -> str:
        done = subprocess.run(prefect_command() + args, env=self.env, cwd=cwd, capture_output=True, text=True)
        with open(self.log_dir / "cli.log", "a", encoding="utf-8") as log:
            log.write(f"$ prefect {' '.join(args)}\n{done.stdout}{done.stderr}\n")
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
            raise StackError(f"{what}失败（prefect {' '.join(args)}，退出码 {done.returncode}）：\n{tail}")
        return done.stdout

    # -- run -----------------------------------------------------------------------------------
    def wait(self, poll: float = 1.0) -> str:
        """Block until a child exits on its own; returns which one (the caller then stops the rest)."""
        while True:
            for label, proc in self._children():
                if proc.poll() is not None:
                    return label
            time.sleep(poll)

    def _children(self) -> list[tuple[str, subprocess.Popen]]:
        named = [(f"worker-{i + 1}", w) for i, w in enumerate(self.workers)]
        named += [("web", self.web)] if self.web else []
        return named + ([("server", self.server)] if self.server else [])

    # -- stop ----------------------------------------------------------------------------------
    def stop(self, grace: float = 10.0) -> None:
        """Workers first, then the server: a polite signal, a firmer one, then SIGKILL for anything left."""
        tree = self._descendants()
        if self.server is not None:
            forget_server_record(Path(self.env["CAMPAIGN_HOME"]), self.server.pid)
        # A Prefect worker treats its first SIGINT as "shut down gracefully" and a second as
        # "now"; it does not stop on SIGTERM alone. The server (uvicorn) stops on SIGTERM.
        first = list(self.workers) + ([self.web] if self.web else [])  # uvicorn stops on SIGINT as well
        for group, firmer in (
            (first, signal.SIGINT),
            ([self.server] if self.server else [], signal.SIGTERM),
        ):
            _signal_groups(group, signal.SIGINT)
            if not _wait_all(group, grace):
                _signal_groups(group, firmer)
                if not _wait_all(group, 5):
                    _signal_groups(group, signal.SIGKILL)
                    _wait_all(group, 5)
        # Flow runs live in sessions of their own; nothing we started may outlive us.
        leftovers = [p for p in tree if p.is_running()]
        for proc in leftovers:
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(leftovers, timeout=5)
        for log in self._logs:
            log.close()
        self._logs.clear()

    def _descendants(self) -> list[psutil.Process]:
        found: list[psutil.Process] = []
        for _, proc in self._children():
            try:
                found.extend(psutil.Process(proc.pid).children(recursive=True))
            except psutil.NoSuchProcess:
                pass
        return found


def _signal_groups(procs: list[subprocess.Popen], sig: int) -> None:
    for proc in procs:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass


def _wait_all(procs: list[subprocess.Popen], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    for proc in procs:
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return False
    return True
