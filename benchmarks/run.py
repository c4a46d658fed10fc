"""The performance harness: pyevents against the yardstick on one synthetic federation, in one run.

Generates a federation with ../shared/bench/synth.py, serves it on 127.0.0.1 with http.server (which
answers If-Modified-Since with 304), then times: the yardstick ../shared/bench/floor.py, a full
`pyevents nightly`, an unchanged re-run, and a full run over a smaller federation (for linearity).
Peak memory is the largest summed RSS of the process tree, sampled from /proc. Results are written
to benchmarks/RESULTS.md.

Usage: python benchmarks/run.py [--ical 1000 --html 150 --lists 50] [--small-fraction 0.3]
Not part of the test suite: it takes minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BENCH = REPO.parent / "shared" / "bench"
WORK = HERE / "work"
AS_OF = "2026-12-15T06:00:00+00:00"


@dataclass
class Timing:
    seconds: float
    peak_rss_mb: float
    exit_code: int
    report: dict[str, object] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tree_rss_kb(root: int) -> int:
    """Summed VmRSS of a process and all its descendants, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total


def timed(cmd: list[str], cwd: Path) -> Timing:
    """Run a command, sampling the peak RSS of its process tree every 100 ms."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    stop.set()
    sampler.join()
    report: dict[str, object] = {}
    with contextlib.suppress(json.JSONDecodeError):
        report = json.loads(out) if out.strip().startswith("{") else {}
    if proc.returncode not in (0, 1):
        sys.stderr.write(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err[-3000:]}\n")
    return Timing(seconds, peak / 1024, proc.returncode, report)


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[int]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            time.sleep(0.05)
        yield port
    finally:
        server.terminate()
        server.wait()


def fresh_dir(name: str) -> Path:
    directory = WORK / name
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


def nightly(config: Path, run_dir: Path) -> Timing:
    return timed(
        [sys.executable, "-m", "pyevents", "nightly", "--config", str(config), "--db", str(run_dir / "events.duckdb"),
         "--out", str(run_dir / "public"), "--as-of", AS_OF, "--json"],
        REPO,
    )


def measure(name: str, n_ical: int, n_html: int, n_lists: int, *, with_floor: bool) -> dict[str, Timing]:
    directory = fresh_dir(name)
    results: dict[str, Timing] = {}
    with serve(directory) as port:  # synth.py bakes the port into its config, so serve first
        subprocess.run([sys.executable, str(BENCH / "synth.py"), str(directory), str(port), str(n_ical), str(n_html), str(n_lists)],
                       check=True)
        config = directory / "config.yaml"
        run_dir = fresh_dir(f"{name}-run")
        if with_floor:
            results["floor"] = timed([sys.executable, str(BENCH / "floor.py"), str(config), str(run_dir / "floor"), AS_OF], REPO)
        results["full"] = nightly(config, run_dir)
        results["unchanged"] = nightly(config, run_dir)
    return results


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem_gb:.0f} GiB, Python {platform.python_version()}, {platform.platform()}"


def _stages(run: Timing) -> dict[str, float]:
    stages = run.report.get("stage_seconds", {})
    return {str(k): float(v) for k, v in stages.items()} if isinstance(stages, dict) else {}


def _stage_line(run: Timing) -> str:
    return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in _stages(run).items())


def write_results(big: dict[str, Timing], small: dict[str, Timing], sizes: tuple[int, int, int], small_sizes: tuple[int, int, int]) -> str:
    floor, full, unchanged, small_full = big["floor"], big["full"], big["unchanged"], small["full"]
    publish = float(_stages(full).get("publish", 0.0))
    events = full.report.get("events_total", "?")
    n_sources, n_small = sum(sizes), sum(small_sizes)
    rows = [
        ("full nightly / yardstick", full.seconds / floor.seconds, "≤ 0.6"),
        ("unchanged re-run / full nightly", unchanged.seconds / full.seconds, "≤ 0.10"),
        (f"{n_sources} sources / {n_small} sources (full runs)", full.seconds / small_full.seconds, "≤ 3.5"),
    ]
    lines = [
        "# Benchmark results",
        "",
        f"- date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- machine: {machine()}",
        f"- federation: synth.py with {sizes[0]} iCal groups, {sizes[1]} JSON-LD pages, {sizes[2]} listings "
        f"({n_sources} sources, {events} events after merge); served by http.server on 127.0.0.1; as-of {AS_OF}",
        "",
        "| run | seconds | peak RSS (process tree) | exit |",
        "|---|---|---|---|",
        f"| yardstick floor.py | {floor.seconds:.1f} | {floor.peak_rss_mb:.0f} MB | {floor.exit_code} |",
        f"| pyevents nightly, full | {full.seconds:.1f} | {full.peak_rss_mb:.0f} MB | {full.exit_code} |",
        f"| pyevents nightly, unchanged re-run | {unchanged.seconds:.1f} | {unchanged.peak_rss_mb:.0f} MB | {unchanged.exit_code} |",
        f"| pyevents nightly, full, {n_small} sources | {small_full.seconds:.1f} | {small_full.peak_rss_mb:.0f} MB | {small_full.exit_code} |",
        "",
        "| ratio | reached | target |",
        "|---|---|---|",
        *[f"| {name} | {value:.2f} | {target} |" for name, value, target in rows],
        f"| peak RSS, full run | {full.peak_rss_mb:.0f} MB | ≤ 1024 MB |",
        "",
        f"Stage breakdown of the full run (from its JSON report): {_stage_line(full)}; "
        f"publish is {publish / full.seconds:.0%} of the run",
        "",
        f"Stage breakdown of the unchanged re-run: {_stage_line(unchanged)}",
        "",
    ]
    text = "\n".join(lines)
    (HERE / "RESULTS.md").write_text(text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ical", type=int, default=1000)
    parser.add_argument("--html", type=int, default=150)
    parser.add_argument("--lists", type=int, default=50)
    parser.add_argument("--small-fraction", type=float, default=0.3)
    args = parser.parse_args()
    if not BENCH.is_dir():
        sys.exit(f"{BENCH} is absent: the benchmark needs ../shared/bench beside the checkout")
    sizes = (args.ical, args.html, args.lists)
    small_sizes = tuple(max(1, round(n * args.small_fraction)) for n in sizes)
    big = measure("big", *sizes, with_floor=True)
    small = measure("small", *small_sizes, with_floor=False)
    print(write_results(big, small, sizes, small_sizes))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
