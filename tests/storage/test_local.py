"""Local-files storage: LS paths, path safety, incremental all-or-nothing sync, guarded serving."""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from labelwise.app import create_app
from labelwise.db.runtime import Database
from labelwise.services import users
from labelwise.settings import Settings
from tests.conftest import ADMIN_TOKEN

IMAGE_CONFIG = '<View><Image name="img" value="$image"/><Choices name="c" toName="img"><Choice value="cat"/></Choices></View>'
TEXT_CONFIG = '<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="a"/></Choices></View>'


def png() -> bytes:
    """A valid 1x1 PNG, built here rather than read from a fixture file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "files"
    (r / "shots" / "sub").mkdir(parents=True)
    (r / "shots" / "a.png").write_bytes(png())
    (r / "shots" / "sub" / "b.png").write_bytes(png())
    (r / "shots" / "notes.md").write_text("ignored")
    return r


@pytest.fixture
def api(settings: Settings, database: Database, root: Path, admin: object) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"local_files_root": str(root)}), database)
    with TestClient(app, headers={"Authorization": f"Token {ADMIN_TOKEN}"}) as c:
        yield c


def _project(c: TestClient, config: str) -> int:
    return int(c.post("/api/projects", json={"title": "p", "label_config": config}).json()["id"])


def _tasks(c: TestClient, pid: int) -> list[dict]:  # type: ignore[type-arg]
    return list(c.get("/api/tasks", params={"project": pid, "page_size": 100}).json()["tasks"])


def test_sync_makes_one_task_per_image_and_resync_adds_only_new_files(api: TestClient, root: Path) -> None:
    pid = _project(api, IMAGE_CONFIG)
    assert (
        api.post(
            "/api/storages/localfiles/validate", json={"project": pid, "path": str(root / "shots")}
        ).status_code
        == 200
    )
    r = api.post("/api/storages/localfiles", json={"project": pid, "path": "shots", "title": "shots"})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    synced = api.post(f"/api/storages/localfiles/{sid}/sync").json()
    assert synced["status"] == "completed" and synced["last_sync_count"] == 2
    urls = sorted(t["data"]["image"] for t in _tasks(api, pid))
    assert urls == [f"/data/local-files/?d={sid}/a.png", f"/data/local-files/?d={sid}/sub/b.png"]
    (root / "shots" / "c.png").write_bytes(png())
    assert api.post(f"/api/storages/localfiles/{sid}/sync").json()["last_sync_count"] == 1
    assert api.post(f"/api/storages/localfiles/{sid}/sync").json()["last_sync_count"] == 0
    assert len(_tasks(api, pid)) == 3
    assert [s["id"] for s in api.get("/api/storages/localfiles", params={"project": pid}).json()] == [sid]


def test_files_of_tasks_yield_all_their_tasks_and_a_bad_row_writes_nothing(
    api: TestClient, root: Path
) -> None:
    pid = _project(api, TEXT_CONFIG)
    folder = root / "texts"
    folder.mkdir()
    (folder / "one.csv").write_text("text\nfirst\nsecond\n")
    (folder / "two.jsonl").write_text('{"text": "third"}\n')
    sid = api.post("/api/storages/localfiles", json={"project": pid, "path": str(folder)}).json()["id"]
    assert api.post(f"/api/storages/localfiles/{sid}/sync").json()["last_sync_count"] == 3
    (folder / "three.csv").write_text("text\nok\nbad,extra\n")
    (folder / "four.csv").write_text("text\nfine\n")
    r = api.post(f"/api/storages/localfiles/{sid}/sync")
    assert r.status_code == 400 and "three.csv: line 3" in r.json()["detail"]
    assert len(_tasks(api, pid)) == 3  # neither four.csv nor the good row of three.csv got in
    assert api.get(f"/api/storages/localfiles/{sid}").json()["status"] == "failed"


@pytest.mark.parametrize("path", ["../", "/etc", "shots/../../", "does-not-exist", "shots/a.png", "a\x00b"])
def test_paths_outside_the_roots_or_not_directories_are_refused(api: TestClient, path: str) -> None:
    pid = _project(api, IMAGE_CONFIG)
    r = api.post("/api/storages/localfiles", json={"project": pid, "path": path})
    assert r.status_code == 400, (path, r.text)


def test_without_a_root_local_storage_is_off(client: TestClient) -> None:
    pid = _project(client, IMAGE_CONFIG)
    r = client.post("/api/storages/localfiles", json={"project": pid, "path": "/tmp"})
    assert r.status_code == 400 and "LABELWISE_LOCAL_FILES_ROOT" in r.json()["detail"]


def test_symlinks_out_of_the_root_are_neither_synced_nor_served(
    api: TestClient, root: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(png())
    os.symlink(secret, root / "shots" / "leak.png")
    pid = _project(api, IMAGE_CONFIG)
    sid = api.post("/api/storages/localfiles", json={"project": pid, "path": "shots"}).json()["id"]
    api.post(f"/api/storages/localfiles/{sid}/sync")
    assert all("leak" not in t["data"]["image"] for t in _tasks(api, pid))
    assert api.get(f"/data/local-files/?d={sid}/leak.png").status_code == 404


def test_serving_checks_the_link_the_user_and_the_type(
    api: TestClient, root: Path, database: Database, anon: TestClient
) -> None:
    (root / "shots" / "page.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    pid = _project(api, IMAGE_CONFIG)
    sid = api.post("/api/storages/localfiles", json={"project": pid, "path": "shots"}).json()["id"]
    api.post(f"/api/storages/localfiles/{sid}/sync")
    ok = api.get(f"/data/local-files/?d={sid}/a.png")
    assert ok.status_code == 200 and ok.headers["content-type"] == "image/png" and ok.content == png()
    assert anon.get(f"/data/local-files/?d={sid}/a.png").status_code == 401
    assert api.get(f"/data/local-files/?d={sid}/notes.md").status_code == 404  # not synced, not served
    assert api.get(f"/data/local-files/?d={sid}/../files/shots/a.png").status_code == 404
    # an SVG that got linked anyway is only ever a download
    from labelwise.db.models import StorageLink

    with database.sessionmaker() as s:
        s.add(StorageLink(storage_id=sid, key="page.svg", task_id=None, task_count=0))
        s.commit()
    svg = api.get(f"/data/local-files/?d={sid}/page.svg")
    assert svg.status_code == 200 and svg.headers["content-type"] == "application/octet-stream"
    assert svg.headers["content-disposition"].startswith("attachment")


def test_annotators_cannot_manage_storages(api: TestClient, database: Database) -> None:
    with database.sessionmaker() as s:
        users.create(s, "ann@example.com", "long-password", "annotator", token="ann-token-1")
        s.commit()
    pid = _project(api, IMAGE_CONFIG)
    r = api.post(
        "/api/storages/localfiles",
        json={"project": pid, "path": "shots"},
        headers={"Authorization": "Token ann-token-1"},
    )
    assert r.status_code == 403


@pytest.mark.compat
def test_label_studio_sdk_creates_and_syncs_a_local_storage(
    settings: Settings, database: Database, root: Path, admin: object
) -> None:
    from label_studio_sdk import LabelStudio

    from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
    from tests.support.server import serve

    app = create_app(settings.model_copy(update={"local_files_root": str(root)}), database)
    server = serve(app, ADMIN_TOKEN, ADMIN_EMAIL, ADMIN_PASSWORD)
    try:
        ls = LabelStudio(base_url=server.url, api_key=ADMIN_TOKEN)
        project = ls.projects.create(title="images", label_config=IMAGE_CONFIG)
        assert project.id is not None
        storage = ls.import_storage.local.create(project=project.id, path=str(root / "shots"), title="shots")
        assert storage.id is not None and storage.path == str(root / "shots")
        synced = ls.import_storage.local.sync(id=storage.id)
        assert synced.last_sync_count == 2 and synced.status == "completed"
        assert [s.id for s in ls.import_storage.local.list(project=project.id)] == [storage.id]
        assert ls.projects.get(id=project.id).task_number == 2
        ls.import_storage.local.delete(id=storage.id)
        assert list(ls.import_storage.local.list(project=project.id)) == []
    finally:
        server.stop()
