"""The command line works straight on the database, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import csv
import os
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from labelwise.cli import app
from labelwise.db import migrate
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
    head = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    assert code == 0 and f"revision {head}" in out
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


def test_member_commands(run) -> None:  # type: ignore[no-untyped-def]
    run("user", "create", "--email", "boss@example.com", "--password", "long-password", "--role", "owner")
    run("user", "create", "--email", "ann@example.com", "--password", "long-password")
    assert run("project", "create", "--title", "team")[0] == 0
    code, out = run("project", "add-member", "1", "ann@example.com", "--role", "reviewer")
    assert code == 0 and "reviewer of project 1" in out
    code, out = run("project", "add-member", "1", "ann@example.com", "--role", "emperor")
    assert code == 1 and "role must be one of" in out
    code, out = run("project", "add-member", "1", "nobody@example.com")
    assert code == 1 and "nobody@example.com" in out
    assert run("project", "remove-member", "1", "ann@example.com")[0] == 0
    code, out = run("project", "remove-member", "1", "ann@example.com")
    assert code == 1 and "not a member" in out


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


def test_import_and_export_commands(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert (
        run("user", "create", "--email", "o@example.com", "--password", "long-password", "--role", "owner")[0]
        == 0
    )
    config = tmp_path / "config.xml"
    config.write_text(CONFIG)
    assert run("project", "create", "--title", "P", "--config", str(config))[0] == 0
    tasks_csv = tmp_path / "tasks.csv"
    tasks_csv.write_text("text\n" + "".join(f"row {i}\n" for i in range(2500)))
    tasks_jsonl = tmp_path / "more.jsonl"
    tasks_jsonl.write_text('{"data": {"text": "labelled"}, "annotations": [{"result": [{"from_name": "c", '
                           '"to_name": "text", "type": "choices", "value": {"choices": ["a"]}}]}]}\n')  # fmt: skip
    code, out = run("import", "1", str(tasks_csv), str(tasks_jsonl))
    assert code == 0, out
    assert "imported 2501 tasks, 1 annotations" in out
    bad = tmp_path / "bad.csv"
    bad.write_text('text\nfine\n"unterminated\n')
    code, out = run("import", "1", str(bad))
    assert code == 1 and "bad.csv" in out
    code, out = run("project", "list")
    assert "2501" in out  # the failed import left nothing behind
    out_csv = tmp_path / "out.csv"
    code, out = run("export", "1", "--format", "csv", "-o", str(out_csv), "--annotated-only")
    assert code == 0, out
    rows = list(csv.DictReader(out_csv.read_text().splitlines()))
    assert [(r["text"], r["c"]) for r in rows] == [("labelled", "a")]
    out_json = tmp_path / "all.json"
    assert run("export", "1", "-o", str(out_json))[0] == 0
    assert out_json.read_text().count('"inner_id"') == 2501
    code, out = run("export", "1", "--format", "COCO", "-o", str(tmp_path / "x.zip"))
    assert code == 1 and "needs an Image object" in out and not (tmp_path / "x.zip").exists()
    code, out = run("export", "1", "--format", "XLSX", "-o", str(tmp_path / "x.xlsx"))
    assert code == 1 and "not supported" in out


def test_import_command_takes_media_files_and_skips_duplicates(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.storage.test_local import png

    assert (
        run("user", "create", "--email", "o@example.com", "--password", "long-password", "--role", "owner")[0]
        == 0
    )
    config = tmp_path / "config.xml"
    config.write_text('<View><Image name="img" value="$image"/></View>')
    assert run("project", "create", "--title", "Images", "--config", str(config))[0] == 0
    image = tmp_path / "a.png"
    image.write_bytes(png())
    listed = tmp_path / "urls.csv"
    listed.write_text("image\nhttps://example.com/1.png\nhttps://example.com/1.png\n")
    code, out = run("import", "1", str(image), str(listed), "--skip-duplicates")
    assert code == 0, out
    assert "imported 2 tasks" in out and "skipped 1 duplicates" in out
    stored = list((tmp_path / "d" / "media" / "upload" / "1").iterdir())
    assert len(stored) == 1 and stored[0].read_bytes() == png() and stored[0].name.endswith("-a.png")
    code, out = run("import", "1", str(listed), "--skip-duplicates")
    assert code == 0 and "imported 0 tasks" in out and "skipped 2 duplicates" in out


def test_import_command_downloads_urls_through_the_guard(  # type: ignore[no-untyped-def]
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.api.test_files_and_formats import _Files

    server = ThreadingHTTPServer(("127.0.0.2", 0), _Files)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.2:{server.server_address[1]}/tasks.csv"
    try:
        assert (
            run(
                "user", "create", "--email", "o@example.com", "--password", "long-password", "--role", "owner"
            )[0]
            == 0
        )
        config = tmp_path / "config.xml"
        config.write_text(CONFIG)
        assert run("project", "create", "--title", "P", "--config", str(config))[0] == 0
        local = tmp_path / "local.txt"
        local.write_text("from a file\n")
        code, out = run("import", "1", str(local), url)
        assert code == 1 and "LABELWISE_SSRF_ALLOW_HOSTS" in out
        assert "0 tasks" not in out and "imported" not in out  # nothing, not even the local file
        monkeypatch.setenv("LABELWISE_SSRF_ALLOW_HOSTS", "127.0.0.2")
        code, out = run("import", "1", str(local), url)
        assert code == 0, out
        assert "imported 3 tasks" in out  # one line of the file, two rows of the CSV
    finally:
        server.shutdown()
        server.server_close()
