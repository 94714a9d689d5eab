"""Step 2 over HTTP: many files in one upload, URL import through the guarded client, export formats."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from labelwise.app import create_app
from labelwise.db.runtime import Database
from labelwise.io.encoding import dumps
from labelwise.services import tasks
from labelwise.settings import Settings
from tests.api.test_tasks_and_import import choice, make_project
from tests.conftest import ADMIN_TOKEN

CSV_TASKS = b"text,source\nfirst,a\nsecond,b\n"


def _count(client: TestClient, pid: int) -> int:
    return int(client.get(f"/api/projects/{pid}").json()["task_number"])


def test_several_files_in_one_upload(client: TestClient) -> None:
    pid = make_project(client)
    files = [
        ("file", ("a.csv", CSV_TASKS, "text/csv")),
        ("file", ("b.jsonl", b'{"text": "third"}\n{"text": "fourth"}\n', "application/json")),
        ("file", ("c.txt", b"fifth\nsixth\n", "text/plain")),
    ]
    r = client.post(f"/api/projects/{pid}/import", files=files)
    assert r.status_code == 201, r.text
    assert r.json()["task_count"] == 6 and r.json()["found_formats"] == {"csv": 1, "jsonl": 1, "txt": 1}
    texts = sorted(
        t["data"]["text"] for t in client.get("/api/tasks", params={"project": pid}).json()["tasks"]
    )
    assert texts == ["fifth", "first", "fourth", "second", "sixth", "third"]


def test_a_bad_row_in_the_second_file_writes_nothing(client: TestClient) -> None:
    pid = make_project(client)
    files = [
        ("file", ("good.csv", CSV_TASKS, "text/csv")),
        ("file", ("bad.csv", b"text,source\nok,a\nnot,ok,extra\n", "text/csv")),
    ]
    r = client.post(f"/api/projects/{pid}/import", files=files)
    assert r.status_code == 400
    assert "bad.csv: line 3: 3 fields, the header has 2" in r.json()["detail"]
    assert _count(client, pid) == 0


def test_csv_missing_the_config_key_is_refused_with_the_line(client: TestClient) -> None:
    pid = make_project(client)
    r = client.post(f"/api/projects/{pid}/import", files=[("file", ("t.csv", b"body\nhello\n", "text/csv"))])
    assert r.status_code == 400 and "t.csv: line 2" in r.json()["detail"]
    assert _count(client, pid) == 0


class _Files(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", self.path.split("to=", 1)[1])
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(CSV_TASKS)))
        self.end_headers()
        self.wfile.write(CSV_TASKS)


@pytest.fixture
def file_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.2", 0), _Files)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.2:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_url_import_is_guarded_and_allowed_by_setting(
    client: TestClient, settings: Settings, database: Database, file_server: str
) -> None:
    pid = make_project(client)
    refused = client.post(f"/api/projects/{pid}/import", json={"url": f"{file_server}/tasks.csv"})
    assert refused.status_code == 400 and "LABELWISE_SSRF_ALLOW_HOSTS" in refused.json()["detail"]
    form = client.post(f"/api/projects/{pid}/import", data={"url": "file:///etc/passwd"})
    assert form.status_code == 400 and "only http and https" in form.json()["detail"]
    allowed = create_app(settings.model_copy(update={"ssrf_allow_hosts": "127.0.0.2"}), database)
    with TestClient(allowed, headers={"Authorization": f"Token {ADMIN_TOKEN}"}) as c:
        r = c.post(f"/api/projects/{pid}/import", json={"url": f"{file_server}/tasks.csv"})
        assert r.status_code == 201, r.text
        assert r.json()["task_count"] == 2 and r.json()["found_formats"] == {"csv": 1}
        bounce = c.post(
            f"/api/projects/{pid}/import", json={"url": f"{file_server}/redirect?to=http://127.0.0.1:9/x.csv"}
        )
        assert bounce.status_code == 400 and "internal address" in bounce.json()["detail"]
    assert _count(client, pid) == 2


def test_a_url_body_is_a_task_when_the_config_reads_url(client: TestClient) -> None:
    config = '<View><HyperText name="page" value="$url"/><Choices name="c" toName="page"><Choice value="a"/></Choices></View>'
    pid = make_project(client, config)
    r = client.post(f"/api/projects/{pid}/import", json={"url": "http://10.0.0.1/page"})
    assert r.status_code == 201 and r.json()["task_count"] == 1


def _annotated(client: TestClient) -> int:
    pid = make_project(client)
    ids = client.post(
        f"/api/projects/{pid}/import?return_task_ids=1",
        json=[{"text": 'say "hi", \tthen\nleave'}, {"text": "b"}],
    ).json()["task_ids"]
    client.post(f"/api/tasks/{ids[0]}/annotations/", json={"result": [choice("pos")], "lead_time": 1.5})
    client.post(f"/api/tasks/{ids[0]}/annotations/", json={"result": [choice("neg")], "ground_truth": True})
    return pid


def test_formats_are_listed_with_reasons(client: TestClient) -> None:
    pid = make_project(client)
    formats = {f["name"]: f for f in client.get(f"/api/projects/{pid}/export/formats").json()}
    assert {"JSON", "JSON_MIN", "JSONL", "CSV", "TSV"} <= set(formats)
    assert formats["CSV"]["disabled"] is False


def test_csv_and_tsv_exports_read_back(client: TestClient) -> None:
    pid = _annotated(client)
    for fmt, dialect in (("CSV", "excel"), ("TSV", "excel-tab")):
        r = client.get(f"/api/projects/{pid}/export", params={"exportType": fmt})
        assert r.status_code == 200 and f'export.{fmt.lower()}"' in r.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(r.text), dialect=dialect))
        assert [(row["text"], row["sentiment"]) for row in rows] == [
            ('say "hi", \tthen\nleave', "pos"),
            ('say "hi", \tthen\nleave', "neg"),
        ]
    latest = client.get(
        f"/api/projects/{pid}/export", params={"exportType": "CSV", "annotations": "ground_truth"}
    )
    assert [row["sentiment"] for row in csv.DictReader(io.StringIO(latest.text))] == ["neg"]


def test_json_min_and_jsonl_exports(client: TestClient) -> None:
    pid = _annotated(client)
    rows = client.get(
        f"/api/projects/{pid}/export", params={"exportType": "JSON_MIN", "annotations": "latest"}
    ).json()
    assert len(rows) == 1 and rows[0]["sentiment"] == "neg" and rows[0]["text"].startswith("say")
    everything = client.get(
        f"/api/projects/{pid}/export", params={"exportType": "JSONL", "download_all_tasks": "true"}
    )
    lines = [orjson.loads(line) for line in everything.text.splitlines()]
    assert len(lines) == 2 and len(lines[0]["annotations"]) == 2


def test_unknown_export_type_lists_what_is_offered(client: TestClient) -> None:
    pid = make_project(client)
    r = client.get(f"/api/projects/{pid}/export", params={"exportType": "XLSX"})
    assert r.status_code == 400 and "CSV" in r.json()["detail"] and "JSON_MIN" in r.json()["detail"]


def test_json_export_written_by_the_database_matches_the_task_records(
    client: TestClient, db: Session
) -> None:
    """The JSON export builds task objects in SQL; they must equal the Python serialization
    (`ls_json.task`, as the one-task endpoint gives it): same keys, same order, same values."""
    pid = make_project(client)
    items = [
        {"text": 'quote " backslash \\ unicode é ✓ \u2028, tab\t, newline\n, 漢字, 🙂'},
        {"data": {"text": "labelled", "n": 3.5, "nested": {"a": [1, None, True]}}, "meta": {"src": "x"},
         "annotations": [{"result": [choice("pos")], "ground_truth": True}],
         "predictions": [{"result": [choice("neg")], "score": 0.25, "model_version": "v1"}]},
        {"text": "plain"},
    ]  # fmt: skip
    client.post(f"/api/projects/{pid}/import", json=items)
    exported = client.get(f"/api/projects/{pid}/export", params={"download_all_tasks": "true"}).json()
    expected = [orjson.loads(dumps(tasks.one_with_related(db, t["id"]))) for t in exported]
    assert exported == expected and len(exported) == 3
    assert [list(t) for t in exported] == [list(t) for t in expected]
    assert exported[1]["annotations"][0]["ground_truth"] is True and exported[1]["is_labeled"] is True
    assert exported[0]["created_at"].endswith("Z") and exported[0]["data"]["text"].startswith('quote "')
