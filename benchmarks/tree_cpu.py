"""Run a command and report the CPU time of its whole process tree: `tree_cpu.py OUT.json -- CMD...`.

`resource.getrusage(RUSAGE_CHILDREN)` only counts descendants that were waited for. A nightly run's
forkserver and its workers outlive the process that started them and are never reaped by it, so this
wrapper makes itself the "child subreaper" (Linux prctl): orphaned descendants are re-parented to it,
it reaps every one of them, and their user+sys time is counted too. It also keeps them in the process
tree the harness samples for peak RSS. Writes {"seconds", "user", "sys", "exit_code"} to OUT.json;
"seconds" is the wall time until CMD itself exited (what a cron job waits for).
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>


def _become_subreaper() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def _reap_all() -> None:
    """Wait for every remaining descendant (orphans now re-parented here) to exit."""
    while True:
        try:
            os.wait()
        except ChildProcessError:
            return


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        sys.exit(__doc__)
    out, command = Path(argv[0]), argv[2:]
    _become_subreaper()
    start = time.perf_counter()
    exit_code = subprocess.call(command)
    seconds = time.perf_counter() - start
    _reap_all()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    out.write_text(json.dumps({"seconds": seconds, "user": usage.ru_utime, "sys": usage.ru_stime, "exit_code": exit_code}))
    return exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
