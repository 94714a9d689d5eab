"""The command line works straight on the database, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labelwise.cli import app
from labelwise.settings import get_settings

CONFIG = '<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="a"/></Choices></View>'


@pytest.fixture
def run(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LABELWISE_DATABASE_URL", database_url)
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, [*args, "--data-dir", str(tmp_path / "d")])
        return result.exit_code, result.output

    yield invoke
    get_settings.cache_clear()
    os.environ.pop("LABELWISE_DATA_DIR", None)


def test_user_and_project_commands(run) -> None:  # type: ignore[no-untyped-def]
    code, out = run("migrate")
    assert code == 0 and "0001" in out
    code, out = run(
        "user", "create", "--email", "Boss@Example.com", "--password", "long-password", "--role", "owner"
    )
    assert code == 0, out
    code, out = run("user", "create", "--email", "ann@example.com", "--password", "long-password")
    assert code == 0
    code, out = run("user", "list")
    assert "boss@example.com" in out and "annotator" in out
    code, out = run("user", "set-role", "ann@example.com", "reviewer")
    assert code == 0 and "reviewer" in out
    code, out = run("user", "token", "ann@example.com")
    token = out.strip().splitlines()[-1]
    assert code == 0 and len(token) == 40
    code, out = run("user", "create", "--email", "ann@example.com", "--password", "long-password")
    assert code == 1 and "already exists" in out
    code, out = run("user", "set-role", "ann@example.com", "emperor")
    assert code == 1 and "role must be one of" in out


def test_project_create_from_config_file(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("user", "create", "--email", "boss@example.com", "--password", "long-password", "--role", "owner")
    cfg = tmp_path / "config.xml"
    cfg.write_text(CONFIG)
    code, out = run("project", "create", "--title", "From CLI", "--config", str(cfg))
    assert code == 0, out
    code, out = run("project", "list")
    assert "From CLI" in out
    cfg.write_text("<View><Text name='x'/>")
    code, out = run("project", "create", "--title", "Broken", "--config", str(cfg))
    assert code == 1 and "line" in out
