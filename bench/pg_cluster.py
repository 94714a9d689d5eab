#!/usr/bin/env python3
"""Throwaway PostgreSQL for benchmarks, and a fresh database per run.

Uses the test suite's helper (tests/support/postgres.py: initdb + pg_ctl, as the `postgres` user
when run as root; fsync=off, synchronous_commit=off, shared_buffers=256MB). Run from anywhere; the
repository root is put on sys.path.

    python bench/pg_cluster.py start            -> prints JSON {url, root, pg_ctl, as_postgres, postmaster_pid}
    python bench/pg_cluster.py stop ROOT PG_CTL AS_POSTGRES(0|1)
    python bench/pg_cluster.py createdb URL     -> prints the URL of a new, empty database
    python bench/pg_cluster.py dropdb URL       -> drops the database URL names
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _plain(url: str) -> str:
    """A URL psycopg accepts (no SQLAlchemy driver suffix)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql"))


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def createdb(url: str) -> str:
    import psycopg

    name = f"lw_bench_{time.strftime('%Y%m%d_%H%M%S')}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(_plain(url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return _with_db(url, name)


def dropdb(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_plain(_with_db(url, "postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "start":
        from tests.support.postgres import start_cluster

        c = start_cluster()
        pid_file = c.root / "data" / "postmaster.pid"
        pid = int(pid_file.read_text().split()[0]) if pid_file.exists() else None
        print(
            json.dumps(
                {
                    "url": c.url,
                    "root": str(c.root),
                    "pg_ctl": c.pg_ctl,
                    "as_postgres": int(c.as_postgres),
                    "postmaster_pid": pid,
                }
            )
        )
    elif cmd == "stop":
        from tests.support.postgres import Cluster

        root, pg_ctl, as_pg = sys.argv[2], sys.argv[3], sys.argv[4] == "1"
        Cluster(Path(root), 0, pg_ctl, as_pg).stop()
    elif cmd == "createdb":
        print(createdb(sys.argv[2]))
    elif cmd == "dropdb":
        dropdb(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
