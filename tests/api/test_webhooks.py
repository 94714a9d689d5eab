"""Webhooks: Label Studio's endpoints, the outbox written with each change, signed delivery with retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from labelwise.db.base import utcnow
from labelwise.db.models import Webhook, WebhookDelivery
from labelwise.services import deliveries, events, webhooks
from labelwise.services.errors import Invalid
from labelwise.settings import Settings
from labelwise.storage import fetch
from tests.api.test_dm_actions import act
from tests.api.test_tasks_and_import import choice, make_project
from tests.support.people import member

SECRET = "s3cret-key"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The receiver of these tests listens on 127.0.0.1, which only an allowlist lets through."""
    return Settings(data_dir=tmp_path / "data", database_url=database_url, ssrf_allow_hosts="127.0.0.1")


class Receiver:
    """A real HTTP server on 127.0.0.1 that records each request and answers the next queued status."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.requests: list[dict[str, Any]] = []
        self.got = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with receiver.got:
                    receiver.requests.append({"headers": dict(self.headers), "body": body, "status": status})
                    receiver.got.notify_all()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, n: int, seconds: float = 30.0) -> list[dict[str, Any]]:
        """Block until `n` requests arrived (a bound for a stuck run, not a timing assertion)."""
        with self.got:
            self.got.wait_for(lambda: len(self.requests) >= n, timeout=seconds)
            return list(self.requests)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _task(client: TestClient, pid: int) -> int:
    r = client.post(f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": "hello"}])
    return int(r.json()["task_ids"][0])


def _wait_delivery(db: Session, hook_id: int, done: Any, seconds: float = 30.0) -> WebhookDelivery:
    deadline = time.monotonic() + seconds
    while True:
        db.rollback()  # a new snapshot: the dispatcher wrote in another connection
        rows = list(db.scalars(select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook_id)))
        if (rows and done(rows[-1])) or time.monotonic() > deadline:
            assert rows, "no delivery row was written"
            return rows[-1]
        time.sleep(0.05)


def test_crud_fields_and_secret_never_returned(client: TestClient, receiver: Receiver) -> None:
    pid = make_project(client)
    body = {
        "project": pid,
        "url": receiver.url,
        "send_payload": True,
        "send_for_all_actions": False,
        "actions": ["ANNOTATION_CREATED", "TASKS_CREATED"],
        "headers": {"X-Token": "abc"},
        "secret": SECRET,
    }
    r = client.post("/api/webhooks", json=body)
    assert r.status_code == 201, r.text
    hook = r.json()
    assert hook["project"] == pid and hook["url"] == receiver.url and hook["is_active"] is True
    assert hook["actions"] == ["TASKS_CREATED", "ANNOTATION_CREATED"] and hook["headers"] == {
        "X-Token": "abc"
    }
    assert hook["has_secret"] is True and "secret" not in hook and SECRET not in r.text
    assert {"created_at", "updated_at", "send_for_all_actions", "send_payload"} <= set(hook)
    got = client.get(f"/api/webhooks/{hook['id']}")
    assert got.status_code == 200 and SECRET not in got.text
    assert [h["id"] for h in client.get("/api/webhooks", params={"project": pid}).json()] == [hook["id"]]
    assert [h["id"] for h in client.get("/api/webhooks").json()] == [hook["id"]]
    r = client.patch(f"/api/webhooks/{hook['id']}", json={"is_active": False, "secret": ""})
    assert r.status_code == 200 and r.json()["is_active"] is False and r.json()["has_secret"] is False
    assert client.delete(f"/api/webhooks/{hook['id']}").status_code == 204
    assert client.get(f"/api/webhooks/{hook['id']}").status_code == 404


def test_info_lists_label_studio_actions(client: TestClient) -> None:
    info = client.get("/api/webhooks/info").json()
    assert set(info) >= {"ANNOTATION_CREATED", "TASKS_CREATED", "PROJECT_DELETED", "REVIEW_CREATED"}
    assert (
        info["ANNOTATION_CREATED"]["key"] == "ANNOTATION_CREATED"
        and info["ANNOTATION_CREATED"]["description"]
    )
    assert info["PROJECT_CREATED"]["organization-only"] is True
    only_org = client.get("/api/webhooks/info", params={"organization-only": "true"}).json()
    assert "PROJECT_CREATED" in only_org and "ANNOTATION_CREATED" not in only_org


def test_annotation_created_delivered_with_valid_signature(
    client: TestClient, db: Session, receiver: Receiver
) -> None:
    pid = make_project(client)
    tid = _task(client, pid)
    body = {"project": pid, "url": receiver.url, "headers": {"X-Token": "abc"}, "secret": SECRET}
    hook = client.post("/api/webhooks", json=body).json()
    r = client.post(f"/api/tasks/{tid}/annotations/", json={"result": [choice("pos")]})
    assert r.status_code == 201
    [request] = receiver.wait_for(1)
    headers = {k.lower(): v for k, v in request["headers"].items()}
    stamp, signature = headers["x-labelwise-timestamp"], headers["x-labelwise-signature"]
    expected = hmac.new(SECRET.encode(), stamp.encode() + b"." + request["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, "sha256=" + expected)
    assert headers["x-token"] == "abc" and headers["content-type"] == "application/json"
    payload = json.loads(request["body"])
    assert payload["action"] == "ANNOTATION_CREATED"
    assert payload["annotation"]["id"] == r.json()["id"] and payload["annotation"]["result"] == [
        choice("pos")
    ]
    assert payload["task"]["id"] == tid and payload["project"]["id"] == pid
    row = _wait_delivery(db, hook["id"], lambda d: d.status == "delivered")
    assert row.status == "delivered" and row.attempts == 1 and row.response_code == 200
    log = client.get(f"/api/webhooks/{hook['id']}/deliveries").json()
    assert log[0]["action"] == "ANNOTATION_CREATED" and log[0]["status"] == "delivered"
    assert log[0]["response_code"] == 200 and log[0]["delivered_at"] is not None


def test_failed_attempt_is_retried_after_back_off_and_delivered(
    client: TestClient, db: Session, receiver: Receiver
) -> None:
    receiver.statuses = [500, 200]
    pid = make_project(client)
    hook = client.post("/api/webhooks", json={"project": pid, "url": receiver.url}).json()
    _task(client, pid)  # TASKS_CREATED
    row = _wait_delivery(db, hook["id"], lambda d: d.attempts == 1)
    assert row.status == "pending" and row.response_code == 500 and "500" in row.error, row.error
    assert row.next_attempt_at.replace(tzinfo=None) > utcnow().replace(tzinfo=None) + timedelta(seconds=5)
    assert db.get(Webhook, hook["id"]).consecutive_failures == 1  # type: ignore[union-attr]
    # Time passes: the back-off is over.
    db.execute(update(WebhookDelivery).where(WebhookDelivery.id == row.id).values(next_attempt_at=utcnow()))
    db.commit()
    row = _wait_delivery(db, hook["id"], lambda d: d.status == "delivered")
    assert row.status == "delivered" and row.attempts == 2 and row.response_code == 200
    assert [r["status"] for r in receiver.wait_for(2)] == [500, 200]
    db.rollback()
    assert db.get(Webhook, hook["id"]).consecutive_failures == 0  # type: ignore[union-attr]


def test_last_attempt_failing_marks_the_delivery_failed(
    client: TestClient, db: Session, receiver: Receiver
) -> None:
    receiver.statuses = [503]
    pid = make_project(client)
    hook = client.post("/api/webhooks", json={"project": pid, "url": receiver.url, "is_active": False}).json()
    db.add(
        WebhookDelivery(
            webhook_id=hook["id"], action="TASKS_CREATED", payload={"action": "TASKS_CREATED"}, attempts=4
        )
    )
    db.commit()
    client.patch(f"/api/webhooks/{hook['id']}", json={"is_active": True})
    row = _wait_delivery(db, hook["id"], lambda d: d.status != "pending")
    assert row.status == "failed" and row.attempts == deliveries.MAX_ATTEMPTS and row.response_code == 503


def test_private_and_metadata_addresses_refused_at_create(client: TestClient) -> None:
    for url in ("http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/hook", "http://[::1]:8080/x"):
        r = client.post("/api/webhooks", json={"url": url})
        assert r.status_code == 400, url
        assert "url" in r.json()["validation_errors"]
    r = client.post("/api/webhooks", json={"url": "ftp://example.com/x"})
    assert r.status_code == 400 and "url" in r.json()["validation_errors"]
    assert client.get("/api/webhooks").json() == []


def test_loopback_refused_unless_allowed(db: Session, admin: Any) -> None:
    with pytest.raises(Invalid) as refused:
        webhooks.create(db, admin, None, {"url": "http://127.0.0.1:9/hook"}, fetch.Policy())
    assert "url" in refused.value.errors
    allowed = webhooks.create(
        db, admin, None, {"url": "http://127.0.0.1:9/hook"}, fetch.Policy(allow=("127.0.0.1",))
    )
    assert allowed.id


def test_address_checked_again_at_send_time(db: Session, admin: Any, receiver: Receiver) -> None:
    hook = webhooks.create(db, admin, None, {"url": receiver.url}, fetch.Policy(allow=("127.0.0.1",)))
    db.add(
        WebhookDelivery(webhook_id=hook.id, action="PROJECT_CREATED", payload={"action": "PROJECT_CREATED"})
    )
    db.commit()
    factory = lambda: Session(db.get_bind())  # noqa: E731  (a sessionmaker's call shape)
    assert deliveries.run_once(factory, fetch.Policy(timeout=5.0)) == 1  # type: ignore[arg-type]
    db.rollback()
    row = db.scalars(select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)).one()
    assert row.status == "pending" and row.attempts == 1 and "LABELWISE_SSRF_ALLOW_HOSTS" in row.error
    assert receiver.requests == []


def test_bad_input_names_the_field(client: TestClient, receiver: Receiver) -> None:
    cases = [
        ({"url": receiver.url, "actions": ["NOPE"]}, "actions"),
        ({"url": receiver.url, "actions": "ANNOTATION_CREATED"}, "actions"),
        ({"url": receiver.url, "headers": {"Host": "x"}}, "headers"),
        ({"url": receiver.url, "headers": {"X-A": "a\r\nb: c"}}, "headers"),
        ({"url": receiver.url, "headers": ["x"]}, "headers"),
        ({"url": receiver.url, "send_payload": "yes"}, "send_payload"),
        ({"url": receiver.url, "project": 999_999}, "project"),
        ({"url": receiver.url, "secret": 5}, "secret"),
        ({}, "url"),
        ({"url": 7}, "url"),
    ]
    for body, field in cases:
        r = client.post("/api/webhooks", json=body)
        assert r.status_code == 400, (body, r.text)
        assert field in r.json()["validation_errors"], (body, r.json())
    assert client.get("/api/webhooks").json() == []


def test_lower_roles_get_403_and_non_members_404(client: TestClient, db: Session, receiver: Receiver) -> None:
    pid = make_project(client)
    other = make_project(client)
    hook = client.post("/api/webhooks", json={"project": pid, "url": receiver.url}).json()
    for role in ("annotator", "reviewer"):
        user = member(db, pid, f"{role}@example.com", role)
        h = {"Authorization": f"Token {user.token}"}
        calls = [
            client.get("/api/webhooks", params={"project": pid}, headers=h),
            client.get("/api/webhooks", headers=h),
            client.post("/api/webhooks", json={"project": pid, "url": receiver.url}, headers=h),
            client.get(f"/api/webhooks/{hook['id']}", headers=h),
            client.patch(f"/api/webhooks/{hook['id']}", json={"is_active": False}, headers=h),
            client.delete(f"/api/webhooks/{hook['id']}", headers=h),
            client.get(f"/api/webhooks/{hook['id']}/deliveries", headers=h),
        ]
        assert [c.status_code for c in calls] == [403] * len(calls), role
        outside = client.get("/api/webhooks", params={"project": other}, headers=h)
        assert outside.status_code == 404
    assert client.get(f"/api/webhooks/{hook['id']}").json()["is_active"] is True


@contextmanager
def statements(engine: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every SQL statement sent to the database meanwhile, counted at the driver (the hot write paths
    run prepared statements straight on the driver connection, below SQLAlchemy's events)."""
    seen: list[str] = []
    if engine.dialect.name == "sqlite":

        def trace(dbapi_conn: Any, *_: Any) -> None:
            dbapi_conn.set_trace_callback(seen.append)

        def untrace(dbapi_conn: Any, *_: Any) -> None:
            dbapi_conn.set_trace_callback(None)

        event.listen(engine, "checkout", trace)
        event.listen(engine, "checkin", untrace)
        try:
            yield seen
        finally:
            event.remove(engine, "checkout", trace)
            event.remove(engine, "checkin", untrace)
        return
    import psycopg

    for cls in (psycopg.Connection, psycopg.Cursor):
        for name in ("execute", "executemany"):
            original = getattr(cls, name, None)
            if original is None:
                continue

            def wrapped(self: Any, query: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
                seen.append(str(query))
                return _original(self, query, *args, **kwargs)

            monkeypatch.setattr(cls, name, wrapped)
    yield seen  # the patches go with the test's monkeypatch


def test_no_webhook_no_deliveries_and_no_extra_statement(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "CACHE_SECONDS", 3600.0)  # the cached "nobody listens" outlives the test
    pid = make_project(client)
    first, second = _task(client, pid), _task(client, pid)
    assert (
        client.post(f"/api/tasks/{first}/annotations/", json={"result": [choice("pos")]}).status_code == 201
    )
    with statements(db.get_bind().engine, monkeypatch) as seen:
        r = client.post(f"/api/tasks/{second}/annotations/", json={"result": [choice("neg")]})
        assert r.status_code == 201
    assert seen, "the annotation's statements were counted"
    assert not [s for s in seen if "webhook" in s.lower()]
    assert db.scalars(select(WebhookDelivery)).all() == []


def test_payload_only_when_asked_and_org_webhooks_hear_every_project(
    client: TestClient, db: Session, receiver: Receiver
) -> None:
    pid = make_project(client)
    org = client.post("/api/webhooks", json={"url": receiver.url, "send_payload": False}).json()
    narrow = client.post(
        "/api/webhooks",
        json={
            "project": pid,
            "url": receiver.url,
            "send_for_all_actions": False,
            "actions": ["PROJECT_UPDATED"],
        },
    ).json()
    tid = _task(client, pid)
    assert client.patch(f"/api/projects/{pid}", json={"title": "renamed"}).status_code == 200
    assert client.delete(f"/api/tasks/{tid}").status_code == 204
    rows = db.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    assert [(r.webhook_id, r.action) for r in rows] == [
        (org["id"], "TASKS_CREATED"),
        (org["id"], "PROJECT_UPDATED"),
        (narrow["id"], "PROJECT_UPDATED"),
        (org["id"], "TASKS_DELETED"),
    ]
    assert rows[0].payload == {"action": "TASKS_CREATED"}  # send_payload false: the action only
    assert rows[2].payload["project"]["title"] == "renamed"


def test_every_wired_action_is_queued_with_label_studio_payloads(client: TestClient, db: Session) -> None:
    # Nothing listens on port 9: the dispatcher's attempts fail and the rows stay, payloads as queued.
    client.post("/api/webhooks", json={"url": "http://127.0.0.1:9/x"})
    pid = make_project(client)
    (tid,) = client.post(f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": "a"}]).json()[
        "task_ids"
    ]
    ann = client.post(f"/api/tasks/{tid}/annotations/", json={"result": [choice("pos")]}).json()
    assert client.patch(f"/api/annotations/{ann['id']}", json={"result": [choice("neg")]}).status_code == 200
    assert client.delete(f"/api/annotations/{ann['id']}").status_code == 204
    assert client.delete(f"/api/projects/{pid}/tasks").status_code in (200, 204)
    assert client.delete(f"/api/projects/{pid}").status_code == 204
    rows = db.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    by_action = {r.action: r.payload for r in rows}
    assert [r.action for r in rows] == [
        "PROJECT_CREATED",
        "TASKS_CREATED",
        "ANNOTATION_CREATED",
        "ANNOTATION_UPDATED",
        "ANNOTATIONS_DELETED",
        "TASKS_DELETED",
        "PROJECT_DELETED",
    ]
    assert by_action["PROJECT_CREATED"]["project"]["id"] == pid
    assert [t["id"] for t in by_action["TASKS_CREATED"]["tasks"]] == [tid]
    assert by_action["TASKS_CREATED"]["tasks"][0]["data"] == {"text": "a"}
    assert by_action["ANNOTATION_UPDATED"]["annotation"]["result"] == [choice("neg")]
    assert by_action["ANNOTATIONS_DELETED"]["annotations"] == [{"id": ann["id"]}]
    assert by_action["TASKS_DELETED"]["tasks"] == [{"id": tid}]
    assert set(by_action["PROJECT_DELETED"]) == {"action", "project"}
    assert by_action["PROJECT_DELETED"]["project"]["id"] == pid


def test_delivery_log_pages_newest_first(client: TestClient, db: Session) -> None:
    hook = client.post("/api/webhooks", json={"url": "http://127.0.0.1:9/x", "is_active": False}).json()
    for k in range(5):
        db.add(WebhookDelivery(webhook_id=hook["id"], action="TASKS_CREATED", payload={"n": k}))
    db.commit()
    first = client.get(f"/api/webhooks/{hook['id']}/deliveries", params={"limit": 2}).json()
    assert len(first) == 2 and first[0]["id"] > first[1]["id"]
    rest = client.get(f"/api/webhooks/{hook['id']}/deliveries", params={"before": first[-1]["id"]}).json()
    assert len(rest) == 3 and all(d["id"] < first[-1]["id"] for d in rest)
    assert {"action", "status", "attempts", "response_code", "error", "created_at", "delivered_at"} <= set(
        rest[0]
    )
    assert "payload" not in rest[0]
    r = client.get(f"/api/webhooks/{hook['id']}/deliveries", params={"limit": 0})
    assert r.status_code == 400 and "limit" in r.json()["validation_errors"]


def test_a_refused_change_writes_nothing(client: TestClient, receiver: Receiver) -> None:
    hook = client.post("/api/webhooks", json={"url": receiver.url, "actions": ["TASKS_CREATED"]}).json()
    r = client.patch(
        f"/api/webhooks/{hook['id']}", json={"url": receiver.url + "/other", "actions": ["NOPE"]}
    )
    assert r.status_code == 400 and "actions" in r.json()["validation_errors"]
    r = client.patch(
        f"/api/webhooks/{hook['id']}", json={"url": "http://169.254.169.254/", "is_active": False}
    )
    assert r.status_code == 400 and "url" in r.json()["validation_errors"]
    r = client.patch(f"/api/webhooks/{hook['id']}", json={"project": 12345})
    assert r.status_code == 400 and "project" in r.json()["validation_errors"]
    after = client.get(f"/api/webhooks/{hook['id']}").json()
    assert (after["url"], after["actions"], after["is_active"]) == (receiver.url, ["TASKS_CREATED"], True)


def test_imported_annotations_fire_annotations_created(client: TestClient, db: Session) -> None:
    pid = make_project(client)
    client.post("/api/webhooks", json={"project": pid, "url": "http://127.0.0.1:9/x"})
    items = [
        {"data": {"text": "a"}, "annotations": [{"result": [choice("pos")]}, {"result": [choice("neg")]}]}
    ]
    assert client.post(f"/api/projects/{pid}/import", json=items).status_code == 201
    rows = {r.action: r.payload for r in db.scalars(select(WebhookDelivery))}
    assert set(rows) == {"TASKS_CREATED", "ANNOTATIONS_CREATED"}
    results = [a["result"] for a in rows["ANNOTATIONS_CREATED"]["annotations"]]
    assert (
        results == [[choice("pos")], [choice("neg")]] and rows["ANNOTATIONS_CREATED"]["project"]["id"] == pid
    )


def test_old_finished_deliveries_are_pruned_pending_ones_kept(db: Session, admin: Any) -> None:
    hook = webhooks.create(
        db, admin, None, {"url": "http://127.0.0.1:9/x"}, fetch.Policy(allow=("127.0.0.1",))
    )
    old = utcnow() - timedelta(days=deliveries.KEEP_DAYS + 1)
    for status in ("delivered", "failed", "pending"):
        db.add(
            WebhookDelivery(
                webhook_id=hook.id, action="TASKS_CREATED", payload={}, status=status, created_at=old
            )
        )
    db.add(WebhookDelivery(webhook_id=hook.id, action="TASKS_CREATED", payload={}, status="delivered"))
    db.commit()
    assert deliveries.prune(db) == 2
    left = sorted(r.status for r in db.scalars(select(WebhookDelivery)))
    assert left == ["delivered", "pending"]


def test_data_manager_bulk_deletes_fire_label_studio_events(client: TestClient, db: Session) -> None:
    """Deleting annotations, then tasks, from the data manager's actions tells the webhooks which ones."""
    pid = make_project(client)
    client.post("/api/webhooks", json={"project": pid, "url": "http://127.0.0.1:9/x"})
    tids = client.post(
        f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": t} for t in "abc"]
    ).json()["task_ids"]
    anns = [
        client.post(f"/api/tasks/{t}/annotations/", json={"result": [choice("pos")]}).json()["id"]
        for t in tids[:2]
    ]
    picked = {"selectedItems": {"all": False, "included": tids[:2]}}
    assert act(client, pid, "delete_tasks_annotations", picked).status_code == 200
    assert (
        act(client, pid, "delete_tasks", {"selectedItems": {"all": True, "excluded": [tids[2]]}}).status_code
        == 200
    )
    rows = [
        r
        for r in db.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
        if r.action.endswith("DELETED")
    ]
    assert [r.action for r in rows] == ["ANNOTATIONS_DELETED", "TASKS_DELETED"]
    assert rows[0].payload["annotations"] == [{"id": a} for a in anns]
    assert sorted(t["id"] for t in rows[1].payload["tasks"]) == tids[:2]
    assert rows[1].payload["project"]["id"] == pid
