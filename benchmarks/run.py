"""The performance harness: pyevents against the yardstick on one synthetic federation, in one run.

Generates a federation with ../shared/bench/synth.py, serves it on 127.0.0.1 with http.server (which
answers If-Modified-Since with 304), then times: the yardstick ../shared/bench/floor.py, a full
`pyevents nightly`, an unchanged re-run, and a full run over a smaller federation (for linearity).
Each is repeated --rounds times (default 3), interleaved (yardstick, full, re-run, then again), and
the medians are reported with every sample: single runs on this shared 2-core machine vary by ±15 %.
Peak memory is the largest summed RSS of the process tree, sampled from /proc (the largest of the
rounds); CPU time is the user+sys of the whole tree (benchmarks/tree_cpu.py). Results are written to
benchmarks/RESULTS.md (text after its END_OF_GENERATED line is kept).

Fairness: creating files on ext4 is several times slower for a while after a large deletion (150k
creates took 5 s or 50 s of kernel time), so the published sites are deleted at the end of a run,
not before the next one's measurements; whatever is left at the start is deleted before anything is
generated or timed; then the disk is synced and the harness waits until a probe of PROBE_FILES file
creates runs at normal speed (or --settle-max-seconds pass), and records it.

Usage: python benchmarks/run.py [--ical 1000 --html 150 --lists 50] [--small-fraction 0.3] [--rounds 3]
       python benchmarks/run.py --scale 1,4,10 [--memory-cap-gb 16]
The scaling mode runs one full nightly per factor of the default federation (150k, 600k, 1.5M events)
and writes benchmarks/SCALE.md: each stage's time and the process tree's peak RSS within it; a run whose
tree passes the memory cap is stopped there, and the stage it reached is named.
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
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import scaling  # type: ignore[import-not-found]  # benchmarks/scaling.py, beside this file

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BENCH = REPO.parent / "shared" / "bench"
WORK = HERE / "work"
AS_OF = "2026-12-15T06:00:00+00:00"
TREE_CPU = HERE / "tree_cpu.py"
PROBE_FILES = 2000  # small files created per probe of the disk's file-creation speed (removed at the end)
PROBE_PAUSE_SECONDS = 5.0
END_OF_GENERATED = "<!-- end of generated results: text below is kept by benchmarks/run.py -->"
PACKAGES = ("pyevents", "crawlers", "pipeline", "output")  # folders of the one import root, pyevents


@dataclass
class Timing:
    seconds: float
    peak_rss_mb: float
    exit_code: int
    cpu_seconds: float = 0.0  # user + sys of the whole process tree
    sys_seconds: float = 0.0  # of which sys: the kernel's share (file creation, when the disk is slow)
    listen_overflows: int = 0  # connections http.server's listen queue dropped meanwhile (retried after 1 s)
    report: dict[str, object] = field(default_factory=dict)
    rss_series: list[tuple[float, float]] = field(default_factory=list)  # (seconds since start, MB) every 100 ms
    capped: bool = False  # killed for passing the memory cap
    stderr_tail: str = ""


@dataclass
class Settling:
    """How the disk was prepared: files deleted, and the file-creation probes until it ran at normal speed."""

    files_deleted: int
    delete_seconds: float
    probe_ms_per_1000: list[float]
    waited_seconds: float
    settled: bool


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


def listen_overflows() -> int:
    """The kernel's count of connections dropped because a listen queue was full (TcpExt ListenOverflows).

    http.server listens with a queue of 5; 16 crawlers connecting at once sometimes overflow it, and the
    dropped connection is retried after 1 s: a stall of a whole second in a 3 s re-run."""
    with contextlib.suppress(OSError, ValueError, StopIteration):
        with open("/proc/net/netstat") as f:
            lines = [line.split() for line in f if line.startswith("TcpExt:")]
        names, values = lines[0], lines[1]
        return int(values[names.index("ListenOverflows")])
    return 0


def timed(cmd: list[str], cwd: Path, *, memory_cap_mb: float | None = None) -> Timing:
    """Run a command under tree_cpu.py, sampling the RSS of its process tree every 100 ms.

    `memory_cap_mb`: a tree that grows past it is killed (the machine must survive a run that does not fit)."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    overflows = listen_overflows()
    usage_file = Path(tempfile.mkstemp(prefix="tree-cpu-", suffix=".json")[1])
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(TREE_CPU), str(usage_file), "--", *cmd],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0
    series: list[tuple[float, float]] = []
    capped = False
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak, capped
        while not stop.is_set():
            rss = _tree_rss_kb(proc.pid)
            peak = max(peak, rss)
            series.append((time.perf_counter() - start, rss / 1024))
            if memory_cap_mb is not None and rss / 1024 > memory_cap_mb and not capped:
                capped = True
                _kill_tree(proc.pid)
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    stop.set()
    sampler.join()
    report: dict[str, object] = {}
    with contextlib.suppress(json.JSONDecodeError):
        report = json.loads(out[out.index("{") :]) if "{" in out else {}  # the JSON report, after any stray line
    if proc.returncode not in (0, 1):
        sys.stderr.write(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err[-3000:]}\n")
    usage: dict[str, float] = {}
    with contextlib.suppress(json.JSONDecodeError):
        usage = json.loads(usage_file.read_text() or "{}")
    usage_file.unlink()
    # The wrapper's own wall time excludes its start-up; without it (it failed), the outer measurement.
    seconds = float(usage.get("seconds", seconds))
    return Timing(
        seconds,
        peak / 1024,
        proc.returncode,
        usage.get("user", 0.0) + usage.get("sys", 0.0),
        usage.get("sys", 0.0),
        listen_overflows() - overflows,
        report,
        series,
        capped,
        err[-4000:],
    )


def _kill_tree(root: int) -> None:
    """SIGKILL a process and its descendants (children first found, then the root)."""
    pids: list[int] = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError), open(f"/proc/{entry}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == root:
                    pids.append(int(entry))
    for pid in pids:
        _kill_tree(pid)
    with contextlib.suppress(ProcessLookupError):
        os.kill(root, 9)


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[int]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(directory)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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


def new_dir(name: str) -> Path:
    """A new, empty work folder (clear_work has removed the previous run's)."""
    directory = WORK / name
    directory.mkdir(parents=True)
    return directory


def clear_work(threshold_ms_per_1000: float, max_wait: float) -> Settling:
    """Delete every previous work tree, sync, and wait until file creation runs at normal speed again."""
    started = time.perf_counter()
    deleted = 0
    if WORK.exists():
        deleted = sum(len(files) for _, _, files in os.walk(WORK))
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    os.sync()
    delete_seconds = time.perf_counter() - started
    probes: list[float] = []
    waited = time.perf_counter()
    while True:
        probes.append(probe_ms_per_1000())
        if probes[-1] <= threshold_ms_per_1000 or time.perf_counter() - waited >= max_wait:
            break
        time.sleep(PROBE_PAUSE_SECONDS)
    return Settling(deleted, delete_seconds, probes, time.perf_counter() - waited, probes[-1] <= threshold_ms_per_1000)


def probe_ms_per_1000() -> float:
    """Milliseconds per 1,000 small file creates (write + close), in a scratch folder under WORK."""
    scratch = Path(tempfile.mkdtemp(prefix="probe-", dir=WORK))
    start = time.perf_counter()
    for i in range(PROBE_FILES):
        (scratch / f"f{i}").write_bytes(b"x")
    elapsed = time.perf_counter() - start
    # Kept until the run ends (remove_scratch): deleting them slowed the next probe's creates several times.
    return elapsed * 1000 / PROBE_FILES * 1000


def nightly(config: Path, run_dir: Path, *, memory_cap_mb: float | None = None) -> Timing:
    return timed(
        [
            sys.executable,
            "-m",
            "pyevents",
            "nightly",
            "--config",
            str(config),
            "--db",
            str(run_dir / "events.duckdb"),
            "--out",
            str(run_dir / "public"),
            "--as-of",
            AS_OF,
            "--json",
        ],
        REPO,
        memory_cap_mb=memory_cap_mb,
    )


def measure(name: str, n_ical: int, n_html: int, n_lists: int, *, with_floor: bool, rounds: int) -> list[dict[str, Timing]]:
    """Per round: the yardstick (with_floor), a full nightly into a new folder, and an unchanged re-run of it."""
    directory = new_dir(name)
    results: list[dict[str, Timing]] = []
    with serve(directory) as port:  # synth.py bakes the port into its config, so serve first
        subprocess.run(
            [sys.executable, str(BENCH / "synth.py"), str(directory), str(port), str(n_ical), str(n_html), str(n_lists)],
            check=True,
        )
        config = directory / "config.yaml"
        for number in range(1, rounds + 1):
            run_dir = new_dir(f"{name}-run{number}")
            round_: dict[str, Timing] = {}
            if with_floor:
                round_["floor"] = timed(
                    [sys.executable, str(BENCH / "floor.py"), str(config), str(run_dir / "floor"), AS_OF], REPO
                )
            round_["full"] = nightly(config, run_dir)
            round_["unchanged"] = nightly(config, run_dir)
            results.append(round_)
    return results


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
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


def _settling_line(settling: Settling, threshold: float) -> str:
    probes = ", ".join(f"{ms:.0f}" for ms in settling.probe_ms_per_1000)
    state = "settled" if settling.settled else f"NOT settled (still above {threshold:.0f} ms)"
    return (
        f"Disk preparation: the previous work trees ({settling.files_deleted} files) were deleted first "
        f"({settling.delete_seconds:.1f} s, then sync), before generating and before the yardstick; file creation "
        f"then {state} after {settling.waited_seconds:.0f} s (probes of {PROBE_FILES} creates, ms per 1,000: {probes}; "
        f"threshold {threshold:.0f})"
    )


def _kept_text() -> str:
    """The hand-written part of RESULTS.md (history, analysis) after the END_OF_GENERATED line."""
    path = HERE / "RESULTS.md"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    _, marker, kept = text.partition(END_OF_GENERATED)
    return kept if marker else ""


def _median_round(rounds: list[dict[str, Timing]], kind: str) -> Timing:
    """The run of `kind` whose time is the median (the lower middle one for an even count)."""
    ordered = sorted((r[kind] for r in rounds), key=lambda run: run.seconds)
    return ordered[(len(ordered) - 1) // 2]


def _run_row(label: str, runs: list[Timing]) -> str:
    samples = ", ".join(f"{run.seconds:.1f}" for run in runs)
    return (
        f"| {label} | {statistics.median(r.seconds for r in runs):.1f} ({samples}) "
        f"| {statistics.median(r.cpu_seconds for r in runs):.1f} | {statistics.median(r.sys_seconds for r in runs):.1f} "
        f"| {max(r.peak_rss_mb for r in runs):.0f} MB | {', '.join(str(r.listen_overflows) for r in runs)} "
        f"| {', '.join(sorted({str(r.exit_code) for r in runs}))} |"
    )


def _ratio_row(name: str, ratios: list[float], target: str) -> str:
    samples = ", ".join(f"{value:.2f}" for value in ratios)
    return f"| {name} | {statistics.median(ratios):.2f} ({samples}) | {target} |"


def write_results(
    big: list[dict[str, Timing]],
    small: list[dict[str, Timing]],
    sizes: tuple[int, int, int],
    small_sizes: tuple[int, int, int],
    settling: Settling,
    threshold: float,
) -> str:
    runs = {kind: [r[kind] for r in big] for kind in ("floor", "full", "unchanged")}
    small_full = [r["full"] for r in small]
    full, unchanged = _median_round(big, "full"), _median_round(big, "unchanged")
    publish = float(_stages(full).get("publish", 0.0))
    events = full.report.get("events_total", "?")
    n_sources, n_small = sum(sizes), sum(small_sizes)
    peak = max(run.peak_rss_mb for run in runs["full"])
    lines = [
        "# Benchmark results",
        "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {machine()}",
        f"- federation: synth.py with {sizes[0]} iCal groups, {sizes[1]} JSON-LD pages, {sizes[2]} listings "
        f"({n_sources} sources, {events} events after merge); served by http.server on 127.0.0.1; as-of {AS_OF}",
        f"- {len(big)} rounds, interleaved (yardstick, full, unchanged re-run; then the smaller federation's "
        "rounds); medians, every sample in parentheses in running order; ratios per round",
        "",
        _settling_line(settling, threshold),
        "",
        "| run | seconds | CPU seconds (user+sys, process tree) | of which sys | peak RSS (process tree, largest) "
        "| connections dropped by http.server's listen queue (each retried after 1 s) | exit |",
        "|---|---|---|---|---|---|---|",
        _run_row("yardstick floor.py", runs["floor"]),
        _run_row("pyevents nightly, full", runs["full"]),
        _run_row("pyevents nightly, unchanged re-run", runs["unchanged"]),
        _run_row(f"pyevents nightly, full, {n_small} sources", small_full),
        "",
        "| ratio | reached: median (per round) | target |",
        "|---|---|---|",
        _ratio_row("full nightly / yardstick", [r["full"].seconds / r["floor"].seconds for r in big], "≤ 0.6"),
        _ratio_row("unchanged re-run / full nightly", [r["unchanged"].seconds / r["full"].seconds for r in big], "≤ 0.10"),
        f"| {n_sources} sources / {n_small} sources (full runs, medians) "
        f"| {statistics.median(r.seconds for r in runs['full']) / statistics.median(r.seconds for r in small_full):.2f} "
        "| ≤ 3.5 |",
        f"| peak RSS, full runs (largest) | {peak:.0f} MB | ≤ 1024 MB |",
        "",
        f"Stage breakdown of the median full run (from its JSON report): {_stage_line(full)}; "
        f"publish is {publish / full.seconds:.0%} of the run",
        "",
        f"Stage breakdown of the median unchanged re-run: {_stage_line(unchanged)}",
        "",
        END_OF_GENERATED,
    ]
    text = "\n".join(lines) + _kept_text()
    (HERE / "RESULTS.md").write_text(text, encoding="utf-8")
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ical", type=int, default=1000)
    parser.add_argument("--html", type=int, default=150)
    parser.add_argument("--lists", type=int, default=50)
    parser.add_argument("--small-fraction", type=float, default=0.3)
    parser.add_argument("--rounds", type=int, default=3, help="repetitions of each measurement (medians are reported)")
    parser.add_argument(
        "--settle-ms-per-1000",
        type=float,
        default=60.0,
        help="file creation counts as normal at or below this many ms per 1,000 creates",
    )
    parser.add_argument(
        "--settle-max-seconds",
        type=float,
        default=300.0,
        help="give up waiting for normal file creation after this long (recorded as not settled)",
    )
    parser.add_argument(
        "--scale",
        default=None,
        metavar="FACTORS",
        help="scaling mode: comma-separated factors of the federation, e.g. 1,4,10 (writes SCALE.md)",
    )
    parser.add_argument("--memory-cap-gb", type=float, default=16.0, help="scaling mode: stop a run past this RSS")
    args = parser.parse_args()
    if not BENCH.is_dir():
        sys.exit(f"{BENCH} is absent: the benchmark needs ../shared/bench beside the checkout")
    if args.scale:
        compile_project()
        clear_work(args.settle_ms_per_1000, args.settle_max_seconds)
        factors = [int(f) for f in args.scale.split(",")]
        print(scaling.write_scale_results(HERE / "SCALE.md", [scale_run(f, args) for f in factors], machine()))
        remove_scratch()
        return
    sizes = (args.ical, args.html, args.lists)
    small_sizes = tuple(max(1, round(n * args.small_fraction)) for n in sizes)
    compile_project()
    settling = clear_work(args.settle_ms_per_1000, args.settle_max_seconds)
    big = measure("big", *sizes, with_floor=True, rounds=args.rounds)
    small = measure("small", *small_sizes, with_floor=False, rounds=args.rounds)
    print(write_results(big, small, sizes, small_sizes, settling, args.settle_ms_per_1000))  # type: ignore[arg-type]
    remove_scratch()


def scale_run(factor: int, args: argparse.Namespace) -> scaling.ScaleRun:
    """One full nightly over `factor` times the default federation, stopped at the memory cap."""
    sizes = (args.ical * factor, args.html * factor, args.lists * factor)
    directory = new_dir(f"scale{factor}")
    with serve(directory) as port:
        subprocess.run([sys.executable, str(BENCH / "synth.py"), str(directory), str(port), *map(str, sizes)], check=True)
        run = nightly(directory / "config.yaml", new_dir(f"scale{factor}-run1"), memory_cap_mb=args.memory_cap_gb * 1024)
    return scaling.ScaleRun(factor, sum(sizes), run)


def compile_project() -> None:
    """Byte-compile the project's packages, as installing it (or any first run) would. With
    PYTHONDONTWRITEBYTECODE set, as on this machine, every process of every run (parent, crawler, each
    worker) would otherwise compile them again, ~0.1 s each; the libraries, the yardstick's included,
    were compiled when they were installed."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", *(str(REPO / p) for p in PACKAGES)], check=True)


def remove_scratch() -> None:
    """Delete the published sites (~200k files) and the disk probes now, not at the start of the next run:
    deleting many files slowed file creation on this disk for minutes afterwards, under the next run's
    measurements. The federation and the databases stay for inspection."""
    for probe in WORK.glob("probe-*"):
        shutil.rmtree(probe)
    for run_dir in WORK.glob("*-run*"):
        for site in (run_dir / "public", run_dir / ".public.versions"):
            if site.is_symlink():
                site.unlink()
            elif site.is_dir():
                shutil.rmtree(site)


if __name__ == "__main__":
    main()
