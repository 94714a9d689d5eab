"""`/data/local-files/?d=`: only linked files, only to users of the project, media inline, the rest downloads."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from labelwise.db.models import StorageLink, User
from labelwise.db.runtime import Database
from labelwise.settings import Settings
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.storage.test_local import (
    TEXT_CONFIG,
    make_annotator,
    make_root,
    owner_client,
    png,
    project,
    storage,
    sync,
    tasks,
)

URL = "/data/local-files/?d="


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_root(tmp_path)


@pytest.fixture
def api(settings: Settings, database: Database, root: Path, admin: User) -> Iterator[TestClient]:
    with owner_client(settings.model_copy(update={"local_files_root": str(root)}), database) as c:
        yield c


def _synced(api: TestClient) -> tuple[int, str]:
    """A project synced from `shots/`; its storage id and the URL of `shots/a.png`."""
    pid = project(api)
    sid = storage(api, pid, "shots")
    sync(api, sid)
    urls = sorted(t["data"]["image"] for t in tasks(api, pid))
    assert urls[0] == URL + "shots/a.png"  # the URL a task holds is the one served
    return sid, urls[0]


def _link(database: Database, sid: int, key: str) -> None:
    """Link a file the way a sync would, for types a sync never links."""
    with database.sessionmaker() as s:
        s.add(StorageLink(storage_id=sid, key=key, task_id=None, task_count=0, size=0))
        s.commit()


def test_a_synced_image_is_served_inline_to_project_users(api: TestClient, database: Database) -> None:
    sid, url = _synced(api)
    annotator = make_annotator(database, api.get(f"/api/storages/localfiles/{sid}").json()["project"])
    r = api.get(url)
    assert r.status_code == 200 and r.content == png()
    assert r.headers["content-type"] == "image/png"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "content-disposition" not in r.headers
    as_annotator = api.get(url, headers={"Authorization": f"Token {annotator}"})
    assert as_annotator.status_code == 200 and as_annotator.content == png()


def test_the_session_cookie_works_and_no_credentials_is_401(api: TestClient, anon: TestClient) -> None:
    _, url = _synced(api)
    assert anon.get(url).status_code == 401
    assert api.get(url, headers={"Authorization": "Token wrong-token"}).status_code == 401
    with TestClient(api.app) as browser:
        login = browser.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        assert login.status_code == 200
        r = browser.get(url)
        assert r.status_code == 200 and r.headers["content-type"] == "image/png"


def test_range_requests_for_audio_and_video_players(api: TestClient) -> None:
    _, url = _synced(api)
    r = api.get(url, headers={"Range": "bytes=0-7"})
    assert r.status_code == 206 and r.content == png()[:8]
    assert r.headers["content-range"] == f"bytes 0-7/{len(png())}"


def test_files_no_storage_linked_are_404(api: TestClient, root: Path) -> None:
    _, url = _synced(api)
    (root / "shots" / "late.png").write_bytes(png())  # on disk, not synced yet
    (root / "loose.png").write_bytes(png())  # under the root, in no storage
    for d in (
        "shots/late.png",
        "shots/notes.md",
        "loose.png",
        "shots/missing.png",
        "shots/../shots/a.png",
        "shots//a.png",
        "./shots/a.png",
        "/etc/passwd",
        str(root / "shots" / "a.png"),
        "shots/a.png\x00.txt",
        "shots\\a.png",
        "",
    ):
        assert api.get(URL, params={"d": d}).status_code == 404, d
    assert api.get("/data/local-files/").status_code == 404
    assert api.get(url).status_code == 200


def test_a_deleted_storage_stops_serving_its_files(api: TestClient) -> None:
    sid, url = _synced(api)
    assert api.delete(f"/api/storages/localfiles/{sid}").status_code == 204
    assert api.get(url).status_code == 404


def test_everything_but_media_is_a_download(api: TestClient, root: Path, database: Database) -> None:
    pid = project(api, TEXT_CONFIG)
    folder = root / "mixed"
    folder.mkdir()
    (folder / "tasks.json").write_text('[{"text": "<script>alert(1)</script>"}]')
    (folder / "page.html").write_text("<html><script>alert(1)</script></html>")
    (folder / "pic.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    (folder / "feed.xml").write_text("<x/>")
    sid = storage(api, pid, str(folder))
    assert sync(api, sid)["last_sync_count"] == 1  # tasks.json is linked by the sync; the rest by hand
    for key in ("page.html", "pic.svg", "feed.xml"):
        _link(database, sid, key)
    for key in ("tasks.json", "page.html", "pic.svg", "feed.xml"):
        r = api.get(URL + "mixed/" + key)
        assert r.status_code == 200, key
        assert r.headers["content-type"] == "application/octet-stream", key
        assert r.headers["content-disposition"].startswith("attachment"), key
        assert key in r.headers["content-disposition"]
        assert r.headers["x-content-type-options"] == "nosniff"


def test_a_file_swapped_for_a_symlink_after_the_sync_is_not_served(
    api: TestClient, root: Path, tmp_path: Path
) -> None:
    _, url = _synced(api)
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG secret")
    os.remove(root / "shots" / "a.png")
    os.symlink(secret, root / "shots" / "a.png")
    assert api.get(url).status_code == 404
    # and a storage directory swapped for a link out of the root
    os.remove(root / "shots" / "a.png")
    os.rename(root / "shots", root / "was-shots")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.png").write_bytes(png())
    os.symlink(outside, root / "shots")
    assert api.get(url).status_code == 404


def test_a_symlink_inside_the_storage_is_served_only_while_it_stays_inside(
    api: TestClient, root: Path, tmp_path: Path
) -> None:
    os.symlink(root / "shots" / "a.png", root / "shots" / "alias.png")
    _synced(api)
    assert api.get(URL + "shots/alias.png").status_code == 200
    secret = tmp_path / "secret.png"
    secret.write_bytes(png())
    os.remove(root / "shots" / "alias.png")
    os.symlink(secret, root / "shots" / "alias.png")
    assert api.get(URL + "shots/alias.png").status_code == 404


def test_a_synced_image_is_not_served_to_someone_outside_the_project(
    api: TestClient, database: Database
) -> None:
    _, url = _synced(api)
    outsider = make_annotator(database)
    assert api.get(url, headers={"Authorization": f"Token {outsider}"}).status_code == 404
