"""Local-files storage: Label Studio's paths and fields, path safety, incremental all-or-nothing sync."""

from __future__ import annotations

import os
import shutil
import struct
import threading
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from labelwise.app import create_app
from labelwise.db.models import StorageLink, Task, User
from labelwise.db.runtime import Database
from labelwise.services import users
from labelwise.settings import Settings
from labelwise.storage import local, paths
from tests.conftest import ADMIN_TOKEN
from tests.support.people import join

IMAGE_CONFIG = (
    '<View><Image name="img" value="$image"/>'
    '<Choices name="c" toName="img"><Choice value="cat"/></Choices></View>'
)
TEXT_CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="c" toName="text"><Choice value="a"/></Choices></View>'
)
ANNOTATOR_TOKEN = "annotator-token-0123"


def png() -> bytes:
    """A valid 1x1 PNG, built here rather than read from a fixture file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def make_root(tmp_path: Path) -> Path:
    """The admin's root: `shots/` holds two images (one in a subdirectory) and files to ignore."""
    r = tmp_path / "files"
    (r / "shots" / "sub").mkdir(parents=True)
    (r / "shots" / "a.png").write_bytes(png())
    (r / "shots" / "sub" / "b.png").write_bytes(png())
    (r / "shots" / "notes.md").write_text("not a task, not media")
    (r / "shots" / ".hidden.png").write_bytes(png())
    return r


def make_annotator(database: Database, *project_ids: int) -> str:
    """An annotator's token; the annotator belongs to the projects given."""
    with database.sessionmaker() as s:
        user = users.create(s, "ann@example.com", "long-password", "annotator", token=ANNOTATOR_TOKEN)
        s.commit()
        for pid in project_ids:
            join(s, pid, user)
    return ANNOTATOR_TOKEN


def owner_client(settings: Settings, database: Database) -> TestClient:
    return TestClient(create_app(settings, database), headers={"Authorization": f"Token {ADMIN_TOKEN}"})


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_root(tmp_path)


@pytest.fixture
def rooted(settings: Settings, root: Path) -> Settings:
    return settings.model_copy(update={"local_files_root": str(root)})


@pytest.fixture
def api(rooted: Settings, database: Database, admin: User) -> Iterator[TestClient]:
    with owner_client(rooted, database) as c:
        yield c


@pytest.fixture
def annotator(database: Database) -> str:
    return make_annotator(database)


def project(c: TestClient, config: str = IMAGE_CONFIG) -> int:
    r = c.post("/api/projects", json={"title": "p", "label_config": config})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def tasks(c: TestClient, pid: int) -> list[dict[str, Any]]:
    return list(c.get("/api/tasks", params={"project": pid, "page_size": 100}).json()["tasks"])


def storage(c: TestClient, pid: int, path: str, **fields: Any) -> int:
    r = c.post("/api/storages/localfiles", json={"project": pid, "path": path, **fields})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def sync(c: TestClient, sid: int) -> dict[str, Any]:
    r = c.post(f"/api/storages/localfiles/{sid}/sync")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


# -- create, validate, sync -------------------------------------------------------------------------


def test_sync_makes_one_task_per_image_with_label_studios_url(api: TestClient, root: Path) -> None:
    pid = project(api)
    body = {"project": pid, "path": str(root / "shots"), "title": "shots", "description": "d"}
    assert api.post("/api/storages/localfiles/validate", json=body).json() == {}
    r = api.post("/api/storages/localfiles/", json=body)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["type"] == "localfiles" and created["path"] == str(root.resolve() / "shots")
    assert created["status"] == "initialized" and created["last_sync"] is None
    assert created["project"] == pid and created["title"] == "shots" and created["description"] == "d"
    assert {"regex_filter", "use_blob_urls", "recursive_scan", "synchronizable", "last_sync_job"} <= set(
        created
    )
    synced = sync(api, created["id"])
    assert synced["status"] == "completed" and synced["last_sync_count"] == 2 and synced["last_sync"]
    assert synced["traceback"] is None
    urls = sorted(t["data"]["image"] for t in tasks(api, pid))
    assert urls == ["/data/local-files/?d=shots/a.png", "/data/local-files/?d=shots/sub/b.png"]


def test_resync_imports_only_new_files_and_never_duplicates(api: TestClient, root: Path) -> None:
    pid = project(api)
    sid = storage(api, pid, "shots")  # a relative path is taken under the root
    assert sync(api, sid)["last_sync_count"] == 2
    (root / "shots" / "c.png").write_bytes(png())
    os.utime(root / "shots" / "a.png", (1, 1))  # a changed file is not imported again
    assert sync(api, sid)["last_sync_count"] == 1
    assert sync(api, sid)["last_sync_count"] == 0
    assert len(tasks(api, pid)) == 3
    assert len({t["data"]["image"] for t in tasks(api, pid)}) == 3


def test_non_recursive_scan_and_regex_filter(api: TestClient, root: Path) -> None:
    (root / "shots" / "a2.png").write_bytes(png())
    pid = project(api)
    flat = storage(api, pid, "shots", recursive_scan=False)
    assert sync(api, flat)["last_sync_count"] == 2  # a.png and a2.png, not sub/b.png
    pid2 = project(api)
    filtered = storage(api, pid2, "shots", regex_filter=r"b\.png")  # matched against the file name
    assert sync(api, filtered)["last_sync_count"] == 1
    assert [t["data"]["image"] for t in tasks(api, pid2)] == ["/data/local-files/?d=shots/sub/b.png"]
    pid3 = project(api)
    by_dir = storage(api, pid3, "shots", regex_filter="sub/")  # ... or the key under the storage
    assert sync(api, by_dir)["last_sync_count"] == 1
    r = api.post("/api/storages/localfiles", json={"project": pid, "path": "shots", "regex_filter": "("})
    assert r.status_code == 400 and "regex_filter" in r.json()["detail"]


def test_media_that_no_tag_shows_is_not_imported(api: TestClient, root: Path) -> None:
    (root / "shots" / "song.mp3").write_bytes(b"ID3")
    pid = project(api)
    sid = storage(api, pid, "shots")
    assert sync(api, sid)["last_sync_count"] == 2
    assert all(t["data"]["image"].endswith(".png") for t in tasks(api, pid))


def test_files_of_tasks_yield_all_their_tasks(api: TestClient, root: Path) -> None:
    pid = project(api, TEXT_CONFIG)
    folder = root / "texts"
    (folder / "more").mkdir(parents=True)
    (folder / "one.csv").write_text("text\nfirst\nsecond\n")
    (folder / "two.json").write_text('[{"text": "third"}, {"data": {"text": "fourth"}}]')
    (folder / "more" / "three.jsonl").write_text('{"text": "fifth"}\n{"text": "sixth"}\n')
    sid = storage(api, pid, str(folder))
    assert sync(api, sid)["last_sync_count"] == 6
    texts = [t["data"]["text"] for t in tasks(api, pid)]
    assert texts == ["fifth", "sixth", "first", "second", "third", "fourth"]  # by key, then by row
    assert sync(api, sid)["last_sync_count"] == 0


def test_a_bad_row_fails_the_sync_and_writes_nothing(api: TestClient, root: Path, db: Any) -> None:
    pid = project(api, TEXT_CONFIG)
    folder = root / "texts"
    folder.mkdir()
    (folder / "one.csv").write_text("text\nfirst\n")
    sid = storage(api, pid, str(folder))
    assert sync(api, sid)["last_sync_count"] == 1
    (folder / "four.csv").write_text("text\nfine\n")
    (folder / "three.csv").write_text("text\nok\nbad,extra\n")
    failed = sync(api, sid)
    assert failed["status"] == "failed" and failed["last_sync_count"] == 0
    assert "three.csv: line 3" in failed["traceback"]
    assert len(tasks(api, pid)) == 1  # neither four.csv nor the good row of three.csv got in
    assert db.scalar(select(func.count()).select_from(StorageLink)) == 1
    assert api.get(f"/api/storages/localfiles/{sid}").json()["status"] == "failed"
    (folder / "three.csv").write_text("text\nok\n")
    fixed = sync(api, sid)
    assert fixed["status"] == "completed" and fixed["last_sync_count"] == 2 and fixed["traceback"] is None
    assert len(tasks(api, pid)) == 3


def test_files_without_tasks_are_linked_and_a_vanished_directory_fails_the_sync(
    api: TestClient, root: Path
) -> None:
    pid = project(api, TEXT_CONFIG)
    folder = root / "texts"
    folder.mkdir()
    with zipfile.ZipFile(folder / "pictures.zip", "w") as archive:
        archive.writestr("inside.png", png())  # media inside an archive are not synced
    sid = storage(api, pid, str(folder))
    first = sync(api, sid)
    assert (first["status"], first["last_sync_count"]) == ("completed", 0)
    (folder / "one.csv").write_text("text\nx\n")
    assert sync(api, sid)["last_sync_count"] == 1  # the archive is not read again
    shutil.rmtree(folder)
    gone = sync(api, sid)
    assert gone["status"] == "failed" and "no such directory" in gone["traceback"]


def test_links_record_each_file_its_first_task_and_count(api: TestClient, root: Path, db: Any) -> None:
    pid = project(api, TEXT_CONFIG)
    folder = root / "texts"
    folder.mkdir()
    (folder / "a.csv").write_text("text\n1\n2\n3\n")
    (folder / "b.txt").write_text("one line\n")
    sid = storage(api, pid, str(folder))
    sync(api, sid)
    links = db.execute(
        select(StorageLink.key, StorageLink.task_count, StorageLink.size, StorageLink.task_id)
        .where(StorageLink.storage_id == sid)
        .order_by(StorageLink.key)
    ).all()
    first = db.scalar(select(func.min(Task.id)).where(Task.project_id == pid))
    assert [(k, n, size) for k, n, size, _ in links] == [("a.csv", 3, 11), ("b.txt", 1, 9)]
    assert links[0].task_id == first and links[1].task_id == first + 3
    # deleting the first task keeps the link, so the file's other tasks are not imported again
    assert api.delete(f"/api/tasks/{first}").status_code == 204
    assert sync(api, sid)["last_sync_count"] == 0
    assert len(tasks(api, pid)) == 3


def test_concurrent_syncs_of_one_storage_import_each_file_once(
    api: TestClient, root: Path, rooted: Settings, database: Database
) -> None:
    pid = project(api)
    for i in range(20):
        (root / "shots" / f"n{i:02}.png").write_bytes(png())
    sid = storage(api, pid, "shots")
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with database.write_sessionmaker() as s:
                user = users.get(s, 1)
                local.KIND.sync(s, rooted, local.KIND.get(s, sid), user)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(tasks(api, pid)) == 22


# -- reading, changing, deleting --------------------------------------------------------------------


def test_get_list_patch_delete(api: TestClient, root: Path) -> None:
    pid = project(api)
    sid = storage(api, pid, "shots", title="one")
    (root / "other").mkdir()
    assert api.get(f"/api/storages/localfiles/{sid}/").json()["title"] == "one"
    r = api.patch(f"/api/storages/localfiles/{sid}", json={"title": "two", "path": "other"})
    assert r.status_code == 200 and r.json()["title"] == "two" and r.json()["path"].endswith("/other")
    r = api.patch(f"/api/storages/localfiles/{sid}", json={"path": "shots", "use_blob_urls": "yes"})
    assert r.status_code == 400 and "use_blob_urls" in r.json()["detail"]
    assert api.patch(f"/api/storages/localfiles/{sid}", json={"path": "shots"}).status_code == 200
    sync(api, sid)
    # after a sync the directory is fixed: its links name files under it
    r = api.patch(f"/api/storages/localfiles/{sid}", json={"path": "other"})
    assert r.status_code == 400 and "another storage" in r.json()["detail"]
    bad = {"project": pid, "id": sid, "path": "other"}
    assert api.post("/api/storages/localfiles/validate", json=bad).status_code == 400
    assert api.patch(f"/api/storages/localfiles/{sid}", json={"regex_filter": ".*"}).status_code == 200
    listed = api.get("/api/storages/localfiles", params={"project": pid}).json()
    assert [(s["id"], s["regex_filter"]) for s in listed] == [(sid, ".*")]
    everything = api.get("/api/storages/", params={"project": pid}).json()
    assert [(s["id"], s["type"]) for s in everything] == [(sid, "localfiles")]
    assert api.get("/api/storages/localfiles", params={"project": project(api)}).json() == []
    assert api.delete(f"/api/storages/localfiles/{sid}").status_code == 204
    assert api.get(f"/api/storages/localfiles/{sid}").status_code == 404
    assert len(tasks(api, pid)) == 2  # the tasks stay
    assert api.get("/api/storages/localfiles/99999").status_code == 404


def test_annotators_may_neither_read_nor_manage_storages(api: TestClient, database: Database) -> None:
    pid = project(api)
    sid = storage(api, pid, "shots")
    as_annotator = {"Authorization": f"Token {make_annotator(database, pid)}"}
    assert api.get(f"/api/storages/localfiles/{sid}", headers=as_annotator).status_code == 403
    assert (
        api.get("/api/storages/localfiles", params={"project": pid}, headers=as_annotator).status_code == 403
    )
    r = api.post("/api/storages/localfiles", json={"project": pid, "path": "shots"}, headers=as_annotator)
    assert r.status_code == 403
    assert api.post(f"/api/storages/localfiles/{sid}/sync", headers=as_annotator).status_code == 403
    assert api.patch(f"/api/storages/localfiles/{sid}", json={}, headers=as_annotator).status_code == 403
    assert api.delete(f"/api/storages/localfiles/{sid}", headers=as_annotator).status_code == 403


# -- path safety ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("../", "'..' is not allowed"),
        ("shots/../../", "'..' is not allowed"),
        ("shots/..", "'..' is not allowed"),
        ("/etc", "outside the directories"),
        ("/", "outside the directories"),
        ("does-not-exist", "no such directory"),
        ("shots/a.png", "not a directory"),
        ("a\x00b", "NUL"),
        ("", "give the directory"),
    ],
)
def test_paths_outside_the_roots_or_not_directories_are_refused(api: TestClient, path: str, why: str) -> None:
    pid = project(api)
    for url in ("/api/storages/localfiles", "/api/storages/localfiles/validate"):
        r = api.post(url, json={"project": pid, "path": path})
        assert r.status_code == 400 and why in r.json()["detail"], (path, r.text)


def test_a_symlinked_storage_path_must_resolve_inside_the_root(
    api: TestClient, root: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, root / "escape")
    os.symlink(root / "shots", root / "alias")
    pid = project(api)
    r = api.post("/api/storages/localfiles", json={"project": pid, "path": "escape"})
    assert r.status_code == 400
    detail = r.json()["detail"]
    assert "outside the directories" in detail and str(root.resolve()) in detail
    assert str(outside) not in detail  # where the link points is not told
    r = api.post("/api/storages/localfiles", json={"project": pid, "path": str(root / "alias")})
    assert r.status_code == 201 and r.json()["path"] == str(root.resolve() / "shots")


def test_without_a_root_local_storage_is_off(client: TestClient) -> None:
    pid = project(client)
    r = client.post("/api/storages/localfiles", json={"project": pid, "path": "/tmp"})
    assert r.status_code == 400 and "LABELWISE_LOCAL_FILES_ROOT" in r.json()["detail"]


def test_a_symlink_inside_the_storage_pointing_out_is_not_synced(
    api: TestClient, root: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(png())
    os.symlink(secret, root / "shots" / "leak.png")
    os.symlink(root / "shots" / "a.png", root / "shots" / "same.png")  # stays inside: fine
    os.symlink(tmp_path, root / "shots" / "linked-dir")  # directories behind links are not entered
    pid = project(api)
    sid = storage(api, pid, "shots")
    assert sync(api, sid)["last_sync_count"] == 3
    keys = sorted(t["data"]["image"].rsplit("/", 1)[-1] for t in tasks(api, pid))
    assert keys == ["a.png", "b.png", "same.png"]


def test_several_roots_separated_by_the_path_separator(
    settings: Settings, database: Database, admin: User, tmp_path: Path
) -> None:
    first, second = tmp_path / "r1", tmp_path / "r2"
    (first / "x").mkdir(parents=True)
    (second / "y").mkdir(parents=True)
    (second / "y" / "p.png").write_bytes(png())
    both = settings.model_copy(update={"local_files_root": f"{first}{os.pathsep}{second}"})
    with owner_client(both, database) as c:
        pid = project(c)
        assert c.post("/api/storages/localfiles", json={"project": pid, "path": "x"}).status_code == 201
        sid = storage(c, pid, str(second / "y"))
        assert sync(c, sid)["last_sync_count"] == 1
        [task] = tasks(c, pid)
        assert task["data"]["image"] == "/data/local-files/?d=y/p.png"  # relative to its own root


def test_scan_and_open_refuse_what_leaves_the_directory(root: Path, tmp_path: Path) -> None:
    base = (root / "shots").resolve()
    os.mkfifo(base / "pipe.png")
    os.symlink(tmp_path / "nowhere", base / "dangling.png")
    assert [e.key for e in paths.scan(base, True)] == ["a.png", "notes.md", "sub/b.png"]
    for key in (
        "pipe.png",
        "dangling.png",
        "../shots/a.png",
        "/etc/passwd",
        "sub",
        "",
        "a\x00",
        "sub//b.png",
    ):
        assert paths.open_inside(base, key) is None, key
    opened = paths.open_inside(base, "sub/b.png")
    assert opened is not None and opened.real == base / "sub" / "b.png"
    os.close(opened.fd)


@pytest.mark.compat
def test_label_studio_sdk_creates_and_syncs_a_local_storage(
    rooted: Settings, database: Database, root: Path, admin: User
) -> None:
    from label_studio_sdk import LabelStudio

    from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
    from tests.support.server import serve

    server = serve(create_app(rooted, database), ADMIN_TOKEN, ADMIN_EMAIL, ADMIN_PASSWORD)
    try:
        ls = LabelStudio(base_url=server.url, api_key=ADMIN_TOKEN)
        proj = ls.projects.create(title="images", label_config=IMAGE_CONFIG)
        assert proj.id is not None
        ls.import_storage.local.validate(project=proj.id, path=str(root / "shots"))
        created = ls.import_storage.local.create(
            project=proj.id, path=str(root / "shots"), title="shots", use_blob_urls=True
        )
        assert created.id is not None and created.path == str(root.resolve() / "shots")
        synced = ls.import_storage.local.sync(id=created.id)
        assert synced.last_sync_count == 2 and synced.status == "completed"
        assert [s.id for s in ls.import_storage.local.list(project=proj.id)] == [created.id]
        assert ls.import_storage.local.update(id=created.id, title="renamed").title == "renamed"
        assert ls.import_storage.local.get(id=created.id).title == "renamed"
        assert ls.projects.get(id=proj.id).task_number == 2
        ls.import_storage.local.delete(id=created.id)
        assert list(ls.import_storage.local.list(project=proj.id)) == []
    finally:
        server.stop()
