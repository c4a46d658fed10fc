"""Two real Scrapyd daemons on 127.0.0.1 fetch the two shards of a loopback federation (docs/SCALING.md).

The project is deployed with scrapyd-deploy, one `schedule.json` per shard; the merge node then runs
`nightly --fetched` and gets the events, ids and instants of a single-machine run.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO, run_cli
from tests.e2e.sharded import AS_OF, loopback_federation, provenance, stored_events

pytestmark = pytest.mark.slow

START_SECONDS = 60.0  # a daemon that has not said where it listens by then has failed to start
JOB_SECONDS = 180.0  # both jobs of this small federation finish far sooner, even on a loaded machine
_LISTENING = re.compile(r"Site starting on (\d+)")


@dataclass
class Node:
    name: str
    process: subprocess.Popen[str]
    port: int = 0
    listening: threading.Event = field(default_factory=threading.Event)
    output: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def call(self, endpoint: str, **form: str | list[str]) -> dict[str, object]:
        data = urllib.parse.urlencode(form, doseq=True).encode() if form else None
        with urllib.request.urlopen(self.url + endpoint, data=data, timeout=30) as response:
            return json.loads(response.read())


def _drain(node: Node) -> None:
    """Keeps reading the daemon's log (a full pipe would stall it); notes the port it says it listens on."""
    assert node.process.stdout is not None
    for line in node.process.stdout:
        node.output.append(line)
        match = _LISTENING.search(line)
        if match:
            node.port = int(match.group(1))
            node.listening.set()
    node.listening.set()  # ended: whoever waits must look at the process


def _free_port() -> int:
    """A port nothing listens on now (Scrapyd cannot be told to pick one: http_port 0 fails its start-up)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def scrapyd_nodes(root: Path, count: int) -> Iterator[list[Node]]:
    nodes = []
    try:
        for index in range(1, count + 1):
            home = root / f"node{index}"
            home.mkdir()
            (home / "scrapyd.conf").write_text(
                f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {_free_port()}\npoll_interval = 0.2\nmax_proc = 1\n"
                f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\n",
                encoding="utf-8",
            )
            process = subprocess.Popen(
                [sys.executable, "-m", "scrapyd"], cwd=home, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            node = Node(f"node{index}", process)
            threading.Thread(target=_drain, args=(node,), daemon=True).start()
            nodes.append(node)
        for node in nodes:
            assert node.listening.wait(START_SECONDS) and node.port, "".join(node.output)
        yield nodes
    finally:
        for node in nodes:
            node.process.terminate()
        for node in nodes:
            node.process.wait(timeout=30)


def _deploy(nodes: list[Node], root: Path) -> None:
    """scrapyd-deploy to every node, from a copy of deploy/scrapyd whose scrapy.cfg names them."""
    project = root / "project"
    shutil.copytree(REPO / "deploy" / "scrapyd", project, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    targets = "".join(f"[deploy:{n.name}]\nurl = {n.url}\nproject = pyevents\n\n" for n in nodes)
    (project / "scrapy.cfg").write_text(f"[settings]\ndefault = pyevents_scrapyd.settings\n\n{targets}", encoding="utf-8")
    deploy = Path(sys.executable).with_name("scrapyd-deploy")
    done = subprocess.run(
        [str(deploy), "-a", "-p", "pyevents", "--version", "1"], cwd=project, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for node in nodes:
        assert node.call("listspiders.json?project=pyevents")["spiders"] == ["pyevents-shard"]


def _wait_finished(node: Node, job: str) -> None:
    deadline = time.monotonic() + JOB_SECONDS
    while time.monotonic() < deadline:
        jobs = node.call("listjobs.json?project=pyevents")
        if any(j["id"] == job for j in jobs["finished"]):  # type: ignore[union-attr]
            return
        time.sleep(0.2)  # the daemon's own queue polls at this interval
    pytest.fail(f"{node.name}: job {job} did not finish: {node.call('listjobs.json?project=pyevents')}")


def test_two_scrapyd_nodes_fetch_what_one_machine_does(tmp_path: Path) -> None:
    with loopback_federation(tmp_path) as federation, scrapyd_nodes(tmp_path, 2) as nodes:
        _deploy(nodes, tmp_path)
        fetched = tmp_path / "fetched"
        jobs = []
        for index, node in enumerate(nodes, start=1):
            answer = node.call(
                "schedule.json",
                project="pyevents",
                spider="pyevents-shard",
                config=str(federation.config),
                shard=f"{index}/{len(nodes)}",
                out=str(fetched),
                as_of=AS_OF,
                setting=f"PYEVENTS_ALLOW_PRIVATE_HOSTS={','.join(federation.allowed)}",
            )
            assert answer["status"] == "ok", answer
            jobs.append((node, str(answer["jobid"])))
        for node, job in jobs:
            _wait_finished(node, job)
        assert sorted(p.name for p in fetched.glob("shard-*")) == ["shard-0001-of-0002.parquet", "shard-0002-of-0002.parquet"]

        merged = run_cli(
            "nightly",
            "--config",
            str(federation.config),
            "--fetched",
            str(fetched),
            "--db",
            str(tmp_path / "merged.duckdb"),
            "--out",
            str(tmp_path / "merged-site"),
            "--as-of",
            AS_OF,
            "--quiet",
            cwd=tmp_path,
        )
        assert merged.returncode == 0, merged.stderr
        single = run_cli(
            "nightly",
            "--config",
            str(federation.config),
            "--db",
            str(tmp_path / "one.duckdb"),
            "--out",
            str(tmp_path / "one-site"),
            "--as-of",
            AS_OF,
            "--quiet",
            cwd=tmp_path,
        )
        assert single.returncode == 0, single.stderr

    events = stored_events(tmp_path / "one.duckdb")
    assert len(events) == 5 * (2 + 20) + 1
    assert stored_events(tmp_path / "merged.duckdb") == events
    assert provenance(tmp_path / "merged.duckdb") == provenance(tmp_path / "one.duckdb")


def test_a_node_scheduled_without_the_private_hosts_writes_no_shard(tmp_path: Path) -> None:
    """The config allows loopback hosts the node's resolver would refuse: the job says so and writes nothing."""
    with loopback_federation(tmp_path) as federation, scrapyd_nodes(tmp_path, 1) as (node,):
        _deploy([node], tmp_path)
        answer = node.call(
            "schedule.json",
            project="pyevents",
            spider="pyevents-shard",
            config=str(federation.config),
            shard="1/1",
            out=str(tmp_path / "fetched"),
            as_of=AS_OF,
        )
        _wait_finished(node, str(answer["jobid"]))
        log = next((tmp_path / "node1" / "logs").rglob("*.log")).read_text(encoding="utf-8")
    assert "schedule with setting=PYEVENTS_ALLOW_PRIVATE_HOSTS=" in log
    assert not (tmp_path / "fetched").exists()
