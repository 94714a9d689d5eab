"""A throwaway PostgreSQL cluster for the test session, made with the installed server's tools.

initdb and postgres refuse to run as root, so as root they run as the `postgres` system user on
a directory that user owns.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def find_bin(name: str) -> str | None:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    found = shutil.which(name)
    return candidates[0] if candidates else found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    root: Path
    port: int
    pg_ctl: str
    as_postgres: bool

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        _run([self.pg_ctl, "-D", str(self.root / "data"), "-m", "immediate", "stop"], self.as_postgres)
        shutil.rmtree(self.root, ignore_errors=True)


def _run(cmd: list[str], as_postgres: bool) -> subprocess.CompletedProcess[bytes]:
    if as_postgres:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=True, capture_output=True)


def start_cluster(options: str = "") -> Cluster:
    """A throwaway cluster; `options`: more `-c name=value` server settings (the benchmarks' profiling)."""
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise RuntimeError("PostgreSQL server binaries not found; run scripts/setup.sh to install them")
    as_postgres = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="labelwise-pg-"))
    os.chmod(root, 0o755)
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")
    data = root / "data"
    _run([initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"], as_postgres)
    port = free_port()
    opts = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={root} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
        "-c shared_buffers=256MB"
    ) + (f" {options}" if options else "")
    _run(
        [pg_ctl, "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "-t", "60", "start"], as_postgres
    )
    cluster = Cluster(root, port, pg_ctl, as_postgres)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return cluster
        except OSError:
            time.sleep(0.1)
    cluster.stop()
    raise RuntimeError("PostgreSQL did not start")
