#!/usr/bin/env python3
"""The annotator's hot path in one process: `next` and the submit through the ASGI app, counted.

    PYTHONPATH=src .venv/bin/python bench/hot_path.py                    # SQLite
    PYTHONPATH=src .venv/bin/python bench/hot_path.py --postgres auto    # a throwaway PostgreSQL
    options: --annotations 2000 --annotators 3 --tasks 5000 --profile 25 (cProfile's top N by own time)

Why: the team run (bench/team_queue.py) measures throughput on a machine whose speed drifts by a factor
of two between phases, so small cuts drown in the noise. This drives the same two routes through the
application object, without uvicorn or sockets, one annotator after another (round robin, so tasks
finish at the project's overlap), and prints what does not drift: Python function calls, psycopg or
sqlite3 statement executions per annotation, and the process's CPU per annotation. The hot lane's thread
pool is replaced by one that runs the handler in the calling thread, so one profiler sees it all; the
database work is unchanged.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

import orjson

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from bench import pg_cluster  # noqa: E402
from bench.choices_project import CONFIG, RESULT  # noqa: E402


class Inline(Executor):
    """An executor that runs the call at once in the caller's thread (one profiler sees the handler)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the awaiting coroutine, as a pool would
            future.set_exception(exc)
        return future


class Driver:
    """Sends one HTTP request through an ASGI app as uvicorn would, and collects the response."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def request(self, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
        raw = orjson.dumps(body) if body is not None else b""
        headers = [(b"host", b"bench"), (b"authorization", f"Token {token}".encode())]
        if body is not None:
            headers += [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
            "root_path": "", "headers": headers, "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
            "state": {},
        }  # fmt: skip
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}

        status = 0
        chunks: list[bytes] = []

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        data = b"".join(chunks)
        return status, orjson.loads(data) if data else None


def _setup(settings: Any, tasks: int, annotators: int) -> tuple[int, list[str]]:
    """A project of `tasks` tasks (overlap 3) and its annotators, straight through the services."""
    from labelwise.db.engine import session_scope
    from labelwise.db.runtime import open_database
    from labelwise.services import imports, members, projects, users

    database = open_database(settings)
    with session_scope(database.sessionmaker) as db:
        owner = users.create(db, "owner@example.com", None, "owner")
        project = projects.create(
            db, owner, {"title": "hot", "label_config": CONFIG, "maximum_annotations": 3}
        )
        imports.import_items(db, project, owner, [{"text": f"task {i}"} for i in range(tasks)])
        tokens = []
        for i in range(annotators):
            user = users.create(db, f"a{i}@example.com", None, "annotator")
            members.add(db, project, owner, user.id, "annotator")
            tokens.append(str(user.token))
        pid = project.id
    database.engine.dispose()
    return pid, tokens


def _executions(stats: pstats.Stats) -> int:
    """Statements the database driver executed, read off the profile: sqlite3's C methods, or psycopg's
    cursor (its connection's `execute` goes through one, so it is not counted twice)."""
    sqlite = ("<method 'execute' of 'sqlite3.", "<method 'executemany' of 'sqlite3.")
    total = 0
    for (file, _, name), row in stats.stats.items():  # type: ignore[attr-defined]
        psycopg = name in ("execute", "executemany") and file.endswith("psycopg/cursor.py")
        if psycopg or name.startswith(sqlite):
            total += row[1]
    return total


async def _loop(driver: Driver, pid: int, tokens: list[str], n: int) -> int:
    done = 0
    for i in range(n):
        token = tokens[i % len(tokens)]
        status, task = await driver.request("GET", f"/api/projects/{pid}/next", token)
        if status != 200:
            raise SystemExit(f"next answered {status}: {task}")
        status, made = await driver.request(
            "POST", f"/api/tasks/{task['id']}/annotations", token, {"result": RESULT}
        )
        if status != 201:
            raise SystemExit(f"submit answered {status}: {made}")
        done += 1
    return done


def run(args: argparse.Namespace) -> dict[str, Any]:
    from labelwise.app import create_app
    from labelwise.db.runtime import open_database
    from labelwise.settings import Settings

    cluster = None
    url = None
    if args.postgres == "auto":
        from tests.support.postgres import start_cluster

        cluster = start_cluster()
        url = pg_cluster.createdb(cluster.url)
    elif args.postgres:
        url = pg_cluster.createdb(args.postgres)
    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="labelwise-hot-")), database_url=url)
    try:
        pid, tokens = _setup(settings, args.tasks, args.annotators)
        database = open_database(settings)
        app = create_app(settings, database)
        app.state.hot_executor = Inline()
        app.state.executor = Inline()
        driver = Driver(app)

        async def main() -> dict[str, Any]:
            async with app.router.lifespan_context(app):
                await _loop(driver, pid, tokens, args.warmup)  # warm caches and prepared statements
                profile = cProfile.Profile(time.process_time)  # CPU, not the waits on the database
                cpu0 = time.process_time()
                profile.enable()
                done = await _loop(driver, pid, tokens, args.annotations)
                profile.disable()
                cpu = time.process_time() - cpu0
            stats = pstats.Stats(profile)
            calls = sum(v[1] for v in stats.stats.values())  # type: ignore[attr-defined]
            out: dict[str, Any] = {
                "backend": database.engine.dialect.name,
                "annotations": done,
                "python_calls_per_annotation": round(calls / done, 1),
                "statements_per_annotation": round(_executions(stats) / done, 2),
                "cpu_ms_per_annotation_profiled": round(cpu * 1000 / done, 3),
            }
            # The same loop again without the profiler, for CPU that is not the profiler's.
            async with app.router.lifespan_context(app):
                cpu0 = time.process_time()
                done = await _loop(driver, pid, tokens, args.annotations)
                out["cpu_ms_per_annotation"] = round((time.process_time() - cpu0) * 1000 / done, 3)
            if args.profile:
                text = io.StringIO()
                pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(args.profile)
                out["profile"] = text.getvalue()
            return out

        result = asyncio.run(main())
        database.engine.dispose()
        return result
    finally:
        if cluster is not None:
            cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", default=None, help="'auto' (a throwaway cluster) or a server URL")
    parser.add_argument("--annotations", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument("--profile", type=int, default=0, help="print cProfile's top N functions by own time")
    args = parser.parse_args()
    result = run(args)
    profile = result.pop("profile", None)
    print(json.dumps(result, indent=2))
    if profile:
        print(profile)


if __name__ == "__main__":
    main()
