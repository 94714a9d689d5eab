"""`labelwise storage add|list|sync` straight on the database, against a real directory and a real
S3-compatible server, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labelwise.cli import app
from labelwise.settings import get_settings
from tests.storage.test_local import IMAGE_CONFIG, TEXT_CONFIG, png
from tests.support.s3 import KEY_ID, SECRET, S3Server


@pytest.fixture
def run(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LABELWISE_DATABASE_URL", database_url)
    monkeypatch.setenv("LABELWISE_SSRF_ALLOW_HOSTS", "127.0.0.1")
    monkeypatch.setenv("LABELWISE_LOCAL_FILES_ROOT", str(tmp_path / "files"))
    (tmp_path / "files").mkdir()
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, [*args, "--data-dir", str(tmp_path / "d")])
        return result.exit_code, result.output

    code, out = invoke(
        "user", "create", "--email", "o@example.com", "--password", "long-password", "--role", "owner"
    )
    assert code == 0, out
    yield invoke
    get_settings.cache_clear()
    os.environ.pop("LABELWISE_DATA_DIR", None)


def _project(run, tmp_path: Path, config: str) -> None:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "config.xml"
    cfg.write_text(config)
    code, out = run("project", "create", "--title", "P", "--config", str(cfg))
    assert code == 0, out


def test_add_list_and_sync_an_s3_storage(run, tmp_path: Path, s3_server: S3Server) -> None:  # type: ignore[no-untyped-def]
    _project(run, tmp_path, IMAGE_CONFIG)
    bucket = s3_server.bucket({"shots/a.png": png(), "shots/b.png": png(), "elsewhere/c.png": png()})
    code, out = run(
        "storage", "add", "1", "--type", "s3", "--bucket", bucket, "--prefix", "shots", "--endpoint", s3_server.url,
        "--region", "us-east-1", "--access-key-id", KEY_ID, "--secret-access-key", SECRET, "--title", "shots",
    )  # fmt: skip
    assert code == 0 and "created s3 storage 1 for project 1" in out, out
    code, out = run("storage", "sync", "1")
    assert code == 0 and "synced storage 1: 2 tasks made" in out, out
    s3_server.put(bucket, "shots/new.png", png())
    code, out = run("storage", "sync", "1")
    assert code == 0 and "1 tasks made" in out, out
    code, out = run("storage", "list", "1")
    # the source column (the last) wraps in a narrow terminal: join its pieces
    cells = "".join(line.split("│")[-2].strip() for line in out.splitlines() if line.startswith("│"))
    assert code == 0 and f"s3://{bucket}/shots" in cells and "completed" in out, out
    assert SECRET not in out
    code, out = run("project", "list")
    assert "3" in out.splitlines()[3], out


def test_add_and_sync_a_local_storage_and_a_failed_sync_exits_1(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _project(run, tmp_path, TEXT_CONFIG)
    folder = tmp_path / "files" / "texts"
    folder.mkdir()
    (folder / "one.csv").write_text("text\nfirst\nsecond\n")
    code, out = run(
        "storage", "add", "1", "--type", "localfiles", "--path", "texts", "--regex-filter", r".*\.csv"
    )
    assert code == 0 and "created localfiles storage 1" in out, out
    code, out = run("storage", "sync", "1")
    assert code == 0 and "2 tasks made" in out, out
    (folder / "two.csv").write_text("text\nok\nbad,extra\n")
    code, out = run("storage", "sync", "1")
    assert code == 1 and "the sync failed" in out and "two.csv: line 3" in out, out
    code, out = run("storage", "list")
    assert "failed" in out and "localfiles" in out


def test_bad_storage_options_exit_1_with_the_reason(run, tmp_path: Path, s3_server: S3Server) -> None:  # type: ignore[no-untyped-def]
    _project(run, tmp_path, IMAGE_CONFIG)
    code, out = run("storage", "add", "1", "--type", "ftp")
    assert code == 1 and "--type must be one of localfiles, s3" in out
    code, out = run("storage", "add", "1", "--type", "localfiles", "--path", "texts", "--bucket", "b")
    assert code == 1 and "bucket: not an option of localfiles storage" in out
    code, out = run(
        "storage", "add", "1", "--type", "s3", "--bucket", "lw-none", "--endpoint", "http://169.254.169.254"
    )
    assert code == 1 and "s3_endpoint" in out, out
    code, out = run(
        "storage", "add", "1", "--type", "s3", "--bucket", "lw-missing", "--endpoint", s3_server.url
    )
    assert code == 1 and "does not exist" in out, out
    code, out = run("storage", "add", "9", "--type", "localfiles", "--path", "x")
    assert code == 1 and "project 9 not found" in out, out
    code, out = run("storage", "sync", "7")
    assert code == 1 and "storage 7 not found" in out, out
    code, out = run("storage", "list")
    assert code == 0 and "lw-" not in out
