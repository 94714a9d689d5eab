"""One settings object for the whole process, read from `LABELWISE_*` environment variables.

The data directory holds the SQLite database, uploaded media and the per-installation secret; the
secret is generated on first use so no two installations share a signing key.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("labelwise", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LABELWISE_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    secret_key: str | None = None
    access_token_minutes: int = 5
    personal_token_days: int = 3650
    session_days: int = 14
    max_import_bytes: int = 1 << 30
    lock_seconds: int = 600
    # Threads per server process for the lean API routes (api/lean.py). The handlers hold the GIL and, on
    # SQLite, one write lock, so many threads mostly switch and wait: with 50 annotators 4 threads gave
    # 10-15 % more annotations/s than 40 on SQLite and 60 % more on PostgreSQL (bench/RESULTS.md, step 5).
    request_threads: int = Field(default=4, ge=1, le=256)
    # Threads for the hot lane: `next` and annotation submit/update, which every annotator calls for every
    # task. Unset: one thread on SQLite (the work is short and serialized by the GIL and the write lock
    # anyway; more threads only contend), `request_threads` on PostgreSQL (bench/RESULTS.md, step 5).
    hot_threads: int | None = Field(default=None, ge=1, le=64)
    # Outgoing requests (URL import, S3, ML backends, LLMs, webhooks) refuse private, loopback,
    # link-local, multicast and metadata addresses; these host names, addresses or CIDR ranges
    # (comma-separated) are allowed anyway.
    ssrf_allow_hosts: str = ""
    fetch_timeout_seconds: float = 30.0
    fetch_max_bytes: int = 1 << 30
    # Directories local-files storage may read from (separated by commas or the OS path separator);
    # empty means local storage is off.
    local_files_root: str = ""
    # Background jobs (export snapshots, ...): worker threads per process, and how long a running
    # job's heartbeat may be silent before another process (or a restart) takes the job over.
    job_workers: int = 2
    job_stale_seconds: float = 300.0
    # Who may create an account at /user/signup: `invite` (the default) needs the installation's invitation
    # link, `open` lets anyone in as an annotator, `off` refuses every sign-up (admins add users with the
    # command line or the API). The first user of an empty installation signs up without a link and is owner.
    signup: Literal["invite", "open", "off"] = "invite"
    # Deleted tasks, annotations and predictions stay restorable (by an admin) for this many days.
    trash_days: int = Field(default=30, ge=1)

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to SQLite in the data directory.

        Plain `postgresql://` URLs are mapped to the psycopg 3 driver so users can paste the URL
        their hosting provider gives them.
        """
        url = self.database_url or f"sqlite:///{self.data_dir / 'labelwise.sqlite3'}"
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    def signing_secret(self) -> str:
        """The secret that signs JWTs and session cookies.

        Read from the environment if set, else from `<data_dir>/secret_key`, created with 0600
        permissions on first start. Never a constant in the code.
        """
        if self.secret_key:
            return self.secret_key
        path = self.ensure_data_dir() / "secret_key"
        if not path.exists():
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process won the race; use its secret
                pass
            else:
                with os.fdopen(fd, "w") as fh:
                    fh.write(secrets.token_urlsafe(48))
        return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
