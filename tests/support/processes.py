"""Start `campaign` commands as an operator would, and look at what they leave behind (psutil)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import psutil
import pytest

from campaign.config.settings import REPO_ROOT

T = TypeVar("T")


def start_campaign(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "campaign.cli.app", *args],
        env=env,
        cwd=REPO_ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # as from a terminal of its own: our signals reach only what we aim at
    )


def wait_for(predicate: Callable[[], T], timeout: float, what: str, log: Path) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{log.read_text(encoding='utf-8')[-3000:]}")


def descendants(pid: int) -> dict[int, str]:
    """Every process below `pid`, with its command line."""
    found: dict[int, str] = {}
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return found
    for child in children:
        try:
            found[child.pid] = " ".join(child.cmdline())
        except psutil.Error:
            pass
    return found


def survivors(started: dict[int, str], within: float = 15) -> dict[int, str]:
    """Those of `started` still alive after `within` seconds (a zombie is dead: only its exit status is
    left), killed before returning so that a failing test still leaves the machine clean."""

    def alive() -> dict[int, str]:
        left = {}
        for pid, cmd in started.items():
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    left[pid] = cmd
            except psutil.NoSuchProcess:
                pass
        return left

    deadline = time.monotonic() + within
    while alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    left = alive()
    for pid in left:
        psutil.Process(pid).kill()
    return left
