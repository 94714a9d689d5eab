"""S3 storage against a real S3-compatible server on loopback: Label Studio's paths and fields,
incremental all-or-nothing sync, the SSRF guard on the endpoint, secrets kept out of responses,
and objects served through presigned URLs or streamed through Labelwise."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from labelwise.app import create_app
from labelwise.db.models import Storage, StorageLink, User
from labelwise.db.runtime import Database
from labelwise.settings import Settings
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN
from tests.storage.test_local import IMAGE_CONFIG, TEXT_CONFIG, make_annotator, png, project, tasks
from tests.support.s3 import KEY_ID, SECRET, S3Server


@pytest.fixture
def allowed(settings: Settings) -> Settings:
    """The test's settings with the loopback S3 server allowed past the SSRF guard."""
    return settings.model_copy(update={"ssrf_allow_hosts": "127.0.0.1"})


@pytest.fixture
def api(allowed: Settings, database: Database, admin: User) -> Iterator[TestClient]:
    headers = {"Authorization": f"Token {ADMIN_TOKEN}"}
    with TestClient(create_app(allowed, database), headers=headers) as c:
        yield c


def body(server: S3Server, pid: int, bucket: str, **fields: Any) -> dict[str, Any]:
    return {
        "project": pid,
        "bucket": bucket,
        "s3_endpoint": server.url,
        "aws_access_key_id": KEY_ID,
        "aws_secret_access_key": SECRET,
        "region_name": "us-east-1",
        **fields,
    }


def create(c: TestClient, server: S3Server, pid: int, bucket: str, **fields: Any) -> int:
    r = c.post("/api/storages/s3", json=body(server, pid, bucket, **fields))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def sync(c: TestClient, sid: int) -> dict[str, Any]:
    r = c.post(f"/api/storages/s3/{sid}/sync")
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def fileuri(uri: str) -> str:
    return base64.urlsafe_b64encode(uri.encode()).decode()


# -- sync ------------------------------------------------------------------------------------------


def test_files_of_tasks_yield_all_their_tasks(api: TestClient, s3_server: S3Server) -> None:
    bucket = s3_server.bucket(
        {
            "tasks/one.csv": b"text\nfirst\nsecond\n",
            "tasks/two.json": b'[{"text": "third"}, {"data": {"text": "fourth"}}]',
            "tasks/more/three.jsonl": b'{"text": "fifth"}\n{"text": "sixth"}\n',
            "elsewhere/skip.csv": b"text\nnot under the prefix\n",
        }
    )
    pid = project(api, TEXT_CONFIG)
    fields = body(s3_server, pid, bucket, prefix="tasks", recursive_scan=True, title="t", description="d")
    assert api.post("/api/storages/s3/validate", json=fields).json() == {}
    r = api.post("/api/storages/s3", json=fields)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["type"] == "s3" and created["bucket"] == bucket and created["prefix"] == "tasks"
    assert created["s3_endpoint"] == s3_server.url and created["status"] == "initialized"
    assert created["presign"] is True and created["presign_ttl"] == 1
    synced = sync(api, created["id"])
    assert synced["status"] == "completed" and synced["last_sync_count"] == 6 and synced["traceback"] is None
    texts = [t["data"]["text"] for t in tasks(api, pid)]
    assert texts == ["fifth", "sixth", "first", "second", "third", "fourth"]  # by key, then by row
    assert sync(api, created["id"])["last_sync_count"] == 0


def test_media_objects_become_one_task_each_holding_s3_uris(api: TestClient, s3_server: S3Server) -> None:
    bucket = s3_server.bucket(
        {"shots/a.png": png(), "shots/sub/b.png": png(), "shots/notes.md": b"neither", "shots/": b""}
    )
    flat = project(api, IMAGE_CONFIG)
    assert sync(api, create(api, s3_server, flat, bucket, prefix="shots"))["last_sync_count"] == 1
    assert [t["data"]["image"] for t in tasks(api, flat)] == [f"s3://{bucket}/shots/a.png"]
    deep = project(api, IMAGE_CONFIG)
    assert sync(api, create(api, s3_server, deep, bucket, recursive_scan=True))["last_sync_count"] == 2
    uris = sorted(t["data"]["image"] for t in tasks(api, deep))
    assert uris == [f"s3://{bucket}/shots/a.png", f"s3://{bucket}/shots/sub/b.png"]


def test_resync_imports_only_new_objects(api: TestClient, s3_server: S3Server, db: Any) -> None:
    bucket = s3_server.bucket({"a.png": png(), "b.png": png()})
    pid = project(api)
    sid = create(api, s3_server, pid, bucket)
    assert sync(api, sid)["last_sync_count"] == 2
    s3_server.put(bucket, "c.png", png())
    s3_server.put(bucket, "a.png", png() + b"changed")  # a changed object is not imported again
    assert sync(api, sid)["last_sync_count"] == 1
    assert sync(api, sid)["last_sync_count"] == 0
    uris = sorted(t["data"]["image"] for t in tasks(api, pid))
    assert uris == [f"s3://{bucket}/{k}" for k in ("a.png", "b.png", "c.png")]
    links = db.execute(select(StorageLink.key, StorageLink.size).where(StorageLink.storage_id == sid)).all()
    assert sorted(links) == [("a.png", len(png())), ("b.png", len(png())), ("c.png", len(png()))]


def test_regex_filter_matches_the_whole_key_and_prefix_is_a_folder(
    api: TestClient, s3_server: S3Server
) -> None:
    bucket = s3_server.bucket(
        {"shots/a.png": png(), "shots/sub/b.png": png(), "shotsX/c.png": png(), "other/d.png": png()}
    )
    by_key = project(api)
    sid = create(api, s3_server, by_key, bucket, recursive_scan=True, regex_filter=r"shots/sub/.*")
    assert sync(api, sid)["last_sync_count"] == 1
    assert [t["data"]["image"] for t in tasks(api, by_key)] == [f"s3://{bucket}/shots/sub/b.png"]
    name_only = project(api)
    sid = create(api, s3_server, name_only, bucket, recursive_scan=True, regex_filter=r"b\.png")
    assert sync(api, sid)["last_sync_count"] == 0  # as Label Studio: from the key's start
    folder = project(api)
    sid = create(api, s3_server, folder, bucket, prefix="shots/", recursive_scan=True)
    assert sync(api, sid)["last_sync_count"] == 2  # shots/a.png and shots/sub/b.png, not shotsX/
    r = api.post("/api/storages/s3", json=body(s3_server, folder, bucket, regex_filter="("))
    assert r.status_code == 400 and "regex_filter" in r.json()["detail"]


def test_a_bad_row_fails_the_sync_and_writes_nothing(api: TestClient, s3_server: S3Server, db: Any) -> None:
    bucket = s3_server.bucket({"one.csv": b"text\nfirst\n"})
    pid = project(api, TEXT_CONFIG)
    sid = create(api, s3_server, pid, bucket)
    assert sync(api, sid)["last_sync_count"] == 1
    s3_server.put(bucket, "four.csv", b"text\nfine\n")
    s3_server.put(bucket, "three.csv", b"text\nok\nbad,extra\n")
    failed = sync(api, sid)
    assert failed["status"] == "failed" and failed["last_sync_count"] == 0
    assert "three.csv: line 3" in failed["traceback"]
    assert len(tasks(api, pid)) == 1  # neither four.csv nor the good row of three.csv got in
    assert db.scalar(select(func.count()).select_from(StorageLink)) == 1
    assert api.get(f"/api/storages/s3/{sid}").json()["status"] == "failed"
    s3_server.put(bucket, "three.csv", b"text\nok\n")
    fixed = sync(api, sid)
    assert fixed["status"] == "completed" and fixed["last_sync_count"] == 2 and fixed["traceback"] is None


def test_a_deleted_bucket_fails_the_sync(api: TestClient, s3_server: S3Server) -> None:
    bucket = s3_server.bucket({"a.png": png()})
    pid = project(api)
    sid = create(api, s3_server, pid, bucket)
    client = s3_server.client()
    client.delete_object(Bucket=bucket, Key="a.png")
    client.delete_bucket(Bucket=bucket)
    gone = sync(api, sid)
    assert gone["status"] == "failed" and "does not exist" in gone["traceback"]


# -- the SSRF guard, bad input -------------------------------------------------------------------


def test_internal_endpoints_are_refused_unless_allowed(
    settings: Settings, database: Database, admin: User, s3_server: S3Server, db: Any
) -> None:
    bucket = s3_server.bucket({"a.png": png()})
    headers = {"Authorization": f"Token {ADMIN_TOKEN}"}
    with TestClient(create_app(settings, database), headers=headers) as plain:
        pid = project(plain)
        for endpoint, why in (
            (s3_server.url, "loopback"),
            ("http://169.254.169.254", "169.254.169.254"),
            ("http://[::1]:9000", "loopback"),
            ("file:///etc/passwd", "only http and https"),
        ):
            for path in ("/api/storages/s3", "/api/storages/s3/validate"):
                r = plain.post(path, json=body(s3_server, pid, bucket, s3_endpoint=endpoint))
                assert r.status_code == 400, (endpoint, r.text)
                assert r.json()["detail"].startswith("s3_endpoint") and why in r.json()["detail"], r.text
        assert db.scalar(select(func.count()).select_from(Storage)) == 0
    # allowed when it was saved, refused again at connect time once the admin withdraws it
    allowed = settings.model_copy(update={"ssrf_allow_hosts": "127.0.0.1"})
    with TestClient(create_app(allowed, database), headers=headers) as c:
        sid = create(c, s3_server, pid, bucket)
    with TestClient(create_app(settings, database), headers=headers) as plain:
        refused = plain.post(f"/api/storages/s3/{sid}/sync").json()
        assert refused["status"] == "failed" and "loopback" in refused["traceback"]
        assert tasks(plain, pid) == []


@pytest.mark.parametrize(
    ("fields", "field", "why"),
    [
        ({"bucket": None}, "bucket", "give the bucket"),
        ({"bucket": "Not_A_Bucket!"}, "bucket", "Invalid bucket name"),
        ({"bucket": "lw-never-created"}, "bucket", "does not exist"),
        ({"prefix": "nothing-here"}, "prefix", "nothing found"),
        ({"aws_secret_access_key": None}, "aws_secret_access_key", "together"),
        ({"aws_access_key_id": ""}, "aws_access_key_id", "together"),
        ({"presign_ttl": 0}, "presign_ttl", "minutes"),
        ({"presign_ttl": "5"}, "presign_ttl", "minutes"),
        ({"presign": "yes"}, "presign", "true or false"),
        ({"region_name": "us east"}, "region_name", "letters"),
        ({"s3_endpoint": "not a url"}, "s3_endpoint", "s3_endpoint"),
        ({"prefix": 5}, "prefix", "string"),
    ],
)
def test_bad_fields_are_400_naming_the_field(
    api: TestClient, s3_server: S3Server, db: Any, fields: dict[str, Any], field: str, why: str
) -> None:
    bucket = s3_server.bucket({"a.png": png()})
    pid = project(api)
    for path in ("/api/storages/s3", "/api/storages/s3/validate"):
        r = api.post(path, json={**body(s3_server, pid, bucket), **fields})
        assert r.status_code == 400, r.text
        assert field in r.json()["detail"] and why in r.json()["detail"], r.text
        assert field in r.json()["validation_errors"], r.text
    assert db.scalar(select(func.count()).select_from(Storage)) == 0


def test_secrets_are_never_returned_and_kept_when_sent_as_null(
    api: TestClient, s3_server: S3Server, db: Any
) -> None:
    bucket = s3_server.bucket({"a.png": png()})
    pid = project(api)
    r = api.post("/api/storages/s3", json=body(s3_server, pid, bucket, aws_session_token="tok-secret"))
    assert r.status_code == 201
    sid = r.json()["id"]
    responses = [
        r,
        api.get(f"/api/storages/s3/{sid}"),
        api.get("/api/storages/s3", params={"project": pid}),
        api.get("/api/storages", params={"project": pid}),
        api.patch(f"/api/storages/s3/{sid}", json={"title": "renamed", "aws_secret_access_key": None}),
        api.post(f"/api/storages/s3/{sid}/sync"),
    ]
    for response in responses:
        assert response.status_code in (200, 201), response.text
        assert SECRET not in response.text and "tok-secret" not in response.text
    one = responses[1].json()
    assert one["aws_secret_access_key"] is None and one["aws_session_token"] is None
    assert one["aws_access_key_id"] == KEY_ID
    stored = db.scalar(select(Storage.settings).where(Storage.id == sid))
    assert stored["aws_secret_access_key"] == SECRET and stored["aws_session_token"] == "tok-secret"
    assert responses[-1].json()["last_sync_count"] == 1
    # the data manager cannot filter on anything but task fields, secrets included
    query = {"filters": {"conjunction": "and", "items": [
        {"filter": "filter:tasks:aws_secret_access_key", "operator": "equal", "value": SECRET}]}}  # fmt: skip
    r = api.get("/api/tasks", params={"project": pid, "query": json.dumps(query)})
    assert r.status_code == 400 and "cannot filter" in r.json()["detail"]


def test_get_list_patch_delete(api: TestClient, s3_server: S3Server) -> None:
    bucket = s3_server.bucket({"a/x.png": png(), "b/y.png": png()})
    pid = project(api)
    sid = create(api, s3_server, pid, bucket, prefix="a", title="one")
    r = api.patch(f"/api/storages/s3/{sid}", json={"title": "two", "prefix": "b", "presign": False})
    assert r.status_code == 200 and (r.json()["title"], r.json()["prefix"], r.json()["presign"]) == (
        "two",
        "b",
        False,
    )
    assert api.patch(f"/api/storages/s3/{sid}", json={"prefix": "nothing"}).status_code == 400
    assert api.get(f"/api/storages/s3/{sid}").json()["prefix"] == "b"  # the refused change left no trace
    sync(api, sid)
    r = api.patch(f"/api/storages/s3/{sid}", json={"prefix": "a"})
    assert r.status_code == 400 and "another storage" in r.json()["detail"]
    r = api.post("/api/storages/s3/validate", json={"id": sid, "project": pid, "prefix": "a"})
    assert r.status_code == 400
    assert api.patch(f"/api/storages/s3/{sid}", json={"presign_ttl": 15}).json()["presign_ttl"] == 15
    listed = api.get("/api/storages/s3", params={"project": pid}).json()
    assert [(s["id"], s["title"]) for s in listed] == [(sid, "two")]
    assert [(s["id"], s["type"]) for s in api.get("/api/storages/", params={"project": pid}).json()] == [
        (sid, "s3")
    ]
    assert api.get(f"/api/storages/localfiles/{sid}").status_code == 404  # each type its own ids
    assert api.delete(f"/api/storages/s3/{sid}").status_code == 204
    assert api.get(f"/api/storages/s3/{sid}").status_code == 404
    assert len(tasks(api, pid)) == 1  # the tasks stay


def test_annotators_may_neither_read_nor_manage_storages(
    api: TestClient, s3_server: S3Server, database: Database
) -> None:
    bucket = s3_server.bucket({"a.png": png()})
    pid = project(api)
    token = make_annotator(database, pid)
    sid = create(api, s3_server, pid, bucket)
    sync(api, sid)
    ann = {"Authorization": f"Token {token}"}
    assert api.get(f"/api/storages/s3/{sid}", headers=ann).status_code == 403
    assert api.post("/api/storages/s3", json=body(s3_server, pid, bucket), headers=ann).status_code == 403
    assert (
        api.post("/api/storages/s3/validate", json=body(s3_server, pid, bucket), headers=ann).status_code
        == 403
    )
    assert api.post(f"/api/storages/s3/{sid}/sync", headers=ann).status_code == 403
    assert api.patch(f"/api/storages/s3/{sid}", json={"title": "x"}, headers=ann).status_code == 403
    assert api.delete(f"/api/storages/s3/{sid}", headers=ann).status_code == 403
    [task] = tasks(api, pid)
    fetch = api.get(
        f"/tasks/{task['id']}/presign", params={"fileuri": fileuri(task["data"]["image"])}, headers=ann
    )
    assert fetch.status_code == 404  # not handed to them yet
    assert api.get(f"/api/projects/{pid}/next", headers=ann).json()["id"] == task["id"]
    served = api.get(
        f"/tasks/{task['id']}/presign", params={"fileuri": fileuri(task["data"]["image"])}, headers=ann,
        follow_redirects=False,
    )  # fmt: skip
    assert served.status_code == 303  # annotators see the media of the tasks they label


# -- serving ---------------------------------------------------------------------------------------


def _synced(
    api: TestClient, s3_server: S3Server, objects: dict[str, bytes], **fields: Any
) -> tuple[int, int, str]:
    """A project synced from a new bucket under `media/`: its id, its first task's id, the bucket."""
    bucket = s3_server.bucket(objects)
    pid = project(api)
    sync(api, create(api, s3_server, pid, bucket, prefix="media", **fields))
    return pid, tasks(api, pid)[0]["id"], bucket


def test_presign_redirects_to_a_url_that_serves_the_object(api: TestClient, s3_server: S3Server) -> None:
    pid, tid, bucket = _synced(api, s3_server, {"media/a.png": png()}, presign_ttl=5)
    uri = f"s3://{bucket}/media/a.png"
    for path in (f"/tasks/{tid}/presign/", f"/tasks/{tid}/resolve", f"/projects/{pid}/presign/"):
        r = api.get(path, params={"fileuri": fileuri(uri)}, follow_redirects=False)
        assert r.status_code == 303, (path, r.text)
        location = r.headers["location"]
        assert location.startswith(f"{s3_server.url}/{bucket}/media/a.png?") and "X-Amz-Signature" in location
        assert "X-Amz-Expires=300" in location and r.headers["cache-control"] == "no-store"
        got = httpx.get(location)  # the browser's request, straight to the store, no credentials
        assert got.status_code == 200 and got.content == png()
    raw = api.get(f"/tasks/{tid}/presign", params={"fileuri": uri}, follow_redirects=False)
    assert raw.status_code == 303  # older clients send the URI itself


def test_without_presign_objects_stream_through_with_the_media_policy(
    api: TestClient, s3_server: S3Server
) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    objects = {
        "media/a.png": png(),
        "media/page.html": b"<html><script>alert(1)</script></html>",
        "media/pic.svg": svg,
        "media/tasks.json": b'[{"image": "x"}]',
    }
    _, tid, bucket = _synced(api, s3_server, objects, presign=False)
    # the store's own content type does not decide: a .png stored as text/html is still an image
    s3_server.client().put_object(Bucket=bucket, Key="media/a.png", Body=png(), ContentType="text/html")
    url = f"/tasks/{tid}/presign"
    r = api.get(url, params={"fileuri": fileuri(f"s3://{bucket}/media/a.png")})
    assert r.status_code == 200 and r.content == png()
    assert r.headers["content-type"] == "image/png" and "content-disposition" not in r.headers
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["accept-ranges"] == "bytes"
    part = api.get(
        url, params={"fileuri": fileuri(f"s3://{bucket}/media/a.png")}, headers={"Range": "bytes=0-7"}
    )
    assert part.status_code == 206 and part.content == png()[:8]
    assert part.headers["content-range"] == f"bytes 0-7/{len(png())}"
    for key in ("page.html", "pic.svg", "tasks.json"):
        r = api.get(url, params={"fileuri": fileuri(f"s3://{bucket}/media/{key}")})
        assert r.status_code == 200 and r.content == objects[f"media/{key}"], key
        assert r.headers["content-type"] == "application/octet-stream", key
        assert (
            r.headers["content-disposition"].startswith("attachment")
            and key in r.headers["content-disposition"]
        )
        assert r.headers["x-content-type-options"] == "nosniff"


def test_only_objects_of_the_tasks_project_storages_are_resolved(
    api: TestClient, anon: TestClient, s3_server: S3Server
) -> None:
    _, tid, bucket = _synced(api, s3_server, {"media/a.png": png(), "private/x.png": png()}, presign=False)
    other_pid, other_tid, other_bucket = _synced(api, s3_server, {"media/b.png": png()})
    for uri in (
        f"s3://{bucket}/private/x.png",  # in the bucket, outside the prefix
        f"s3://{bucket}/mediaX/a.png",  # a prefix lookalike
        f"s3://{bucket}/media/",  # a folder
        f"s3://{bucket}/media/missing.png",  # in the prefix, not in the bucket
        f"s3://{bucket}/media/../private/x.png",  # out of the prefix, if a server normalized it
        f"s3://{bucket}/media/./a.png",
        f"s3://{other_bucket}/media/b.png",  # another project's storage
        "s3://lw-some-other-bucket/media/a.png",
        f"https://{bucket}.s3.amazonaws.com/media/a.png",
        "",
    ):
        r = api.get(f"/tasks/{tid}/presign", params={"fileuri": fileuri(uri)} if uri else {})
        assert r.status_code in (400, 404), (uri, r.status_code)
        assert r.status_code == (400 if not uri else 404), uri
    a_png = {"fileuri": fileuri(f"s3://{bucket}/media/a.png")}
    for client, path, status in (
        (api, f"/tasks/{other_tid}/presign", 404),  # a task of another project
        (api, f"/projects/{other_pid}/presign", 404),
        (api, "/tasks/999999/presign", 404),
        (anon, f"/tasks/{tid}/presign", 401),
    ):
        assert client.get(path, params=a_png).status_code == status, path
    ok = api.get(f"/tasks/{tid}/presign", params=a_png)
    assert ok.status_code == 200 and ok.content == png()


# -- label-studio-sdk ------------------------------------------------------------------------------


@pytest.mark.compat
def test_label_studio_sdk_creates_syncs_and_reads_an_s3_storage(
    allowed: Settings, database: Database, admin: User, s3_server: S3Server
) -> None:
    from label_studio_sdk import Client, LabelStudio

    from tests.support.server import serve

    bucket = s3_server.bucket({"shots/a.png": png(), "shots/b.png": png()})
    server = serve(create_app(allowed, database), ADMIN_TOKEN, ADMIN_EMAIL, ADMIN_PASSWORD)
    try:
        ls = LabelStudio(base_url=server.url, api_key=ADMIN_TOKEN)
        proj = ls.projects.create(title="images", label_config=IMAGE_CONFIG)
        assert proj.id is not None
        connection = {
            "bucket": bucket,
            "prefix": "shots",
            "aws_access_key_id": KEY_ID,
            "aws_secret_access_key": SECRET,
            "region_name": "us-east-1",
            "s3endpoint": s3_server.url,
        }
        ls.import_storage.s3.validate(project=proj.id, **connection)
        created = ls.import_storage.s3.create(project=proj.id, title="shots", presign=False, **connection)
        assert created.id is not None and created.bucket == bucket and created.s3endpoint == s3_server.url
        assert created.aws_secret_access_key is None
        synced = ls.import_storage.s3.sync(id=created.id)
        assert synced.last_sync_count == 2 and synced.status == "completed"
        assert [s.id for s in ls.import_storage.s3.list(project=proj.id)] == [created.id]
        assert ls.import_storage.s3.update(id=created.id, title="renamed").title == "renamed"
        assert ls.import_storage.s3.get(id=created.id).presign is False
        assert ls.projects.get(id=proj.id).task_number == 2
        ls.import_storage.s3.delete(id=created.id)
        assert list(ls.import_storage.s3.list(project=proj.id)) == []

        legacy = Client(url=server.url, api_key=ADMIN_TOKEN).get_project(proj.id)
        made = legacy.connect_s3_import_storage(
            bucket=bucket,
            prefix="shots",
            aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET,
            s3_endpoint=s3_server.url,
            region_name="us-east-1",
        )
        assert made["type"] == "s3" and made["presign"] is True and made["presign_ttl"] == 1
        legacy.sync_storage("s3", made["id"])
        storages = legacy.get_import_storages()
        assert [(s["id"], s["last_sync_count"]) for s in storages] == [(made["id"], 2)]
    finally:
        server.stop()
