"""Run a command that dies with the process that started it, even when that process is SIGKILLed.

    python -m campaign.runtime.lifeline PARENT_PID COMMAND [ARG ...]

Asks the kernel to SIGKILL this process when its parent dies (prctl PR_SET_PDEATHSIG, Linux), then
execs COMMAND in its place: the setting survives exec, so COMMAND itself is what gets killed. A killed
parent runs no cleanup code of its own (atexit, finally, signal handlers), so only the kernel can do this.

Covers COMMAND only, not processes COMMAND starts in turn (they do not inherit the setting). Elsewhere
than Linux the command runs unguarded. Imports nothing of the campaign: it runs before every server
and worker the commands start, and should cost no more than an interpreter start.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent: int) -> None:
    """SIGKILL this process when `parent` dies; exit now if it already has (the kernel only signals
    deaths after the request, and a parent can die between our fork and this call)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:
        os._exit(1)


def wrap(command: list[str], parent: int | None = None) -> list[str]:
    """`command`, run so that it dies with `parent` (default: this process)."""
    return [sys.executable, "-m", "campaign.runtime.lifeline", str(parent or os.getpid()), *command]


def main(argv: list[str]) -> None:
    if len(argv) < 2 or not argv[0].isdigit():
        sys.exit("usage: python -m campaign.runtime.lifeline PARENT_PID COMMAND [ARG ...]")
    die_with_parent(int(argv[0]))
    os.execvp(argv[1], argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
