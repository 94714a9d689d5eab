"""Media uploads: one task per image, audio or video file, the file kept and served to users of
the project; staged uploads (`commit_to_project=false` then `reimport`); de-duplication."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from labelwise.db.models import FileUpload, Task
from labelwise.settings import Settings
from tests.api.test_tasks_and_import import make_project
from tests.storage.test_local import make_annotator, png

IMAGE_CONFIG = '<View><Image name="img" value="$image"/><Choices name="c" toName="img"><Choice value="a"/></Choices></View>'
AUDIO_CONFIG = '<View><Audio name="audio" value="$audio"/><TextArea name="t" toName="audio"/></View>'
TEXT_CONFIG = '<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="a"/></Choices></View>'


def wav(seconds: float = 0.01, rate: int = 8000) -> bytes:
    """A silent mono 16-bit WAV of the given length."""
    frames = b"\x00\x00" * int(seconds * rate)
    header = struct.pack("<4sI4s", b"RIFF", 36 + len(frames), b"WAVE")
    fmt = struct.pack("<4sIHHIIHH", b"fmt ", 16, 1, 1, rate, rate * 2, 2, 16)
    return header + fmt + struct.pack("<4sI", b"data", len(frames)) + frames


def _tasks(client: TestClient, pid: int) -> list[dict[str, object]]:
    return list(client.get("/api/tasks", params={"project": pid}).json()["tasks"])


def _stored(settings: Settings, pid: int) -> list[Path]:
    folder = settings.data_dir / "media" / "upload" / str(pid)
    return sorted(folder.iterdir()) if folder.exists() else []


def test_each_uploaded_image_becomes_a_task_served_back_as_an_image(
    client: TestClient, settings: Settings
) -> None:
    pid = make_project(client, IMAGE_CONFIG)
    image = png()
    files = [("file", ("cat photo.png", image, "image/png")), ("file", ("dog.png", image, "image/png"))]
    r = client.post(f"/api/projects/{pid}/import", files=files)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["task_count"] == 2 and body["found_formats"] == {"image": 2}
    assert len(body["file_upload_ids"]) == 2
    urls = sorted(str(t["data"]["image"]) for t in _tasks(client, pid))  # type: ignore[index]
    assert all(u.startswith(f"/data/upload/{pid}/") for u in urls)
    # a random prefix, then the name with unsafe characters replaced
    assert {u.rsplit("/", 1)[1].split("-", 1)[1] for u in urls} == {"cat_photo.png", "dog.png"}
    served = client.get(urls[0])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png" and served.content == image
    assert served.headers["x-content-type-options"] == "nosniff"
    listed = client.get(f"/api/projects/{pid}/file-uploads").json()
    assert sorted(u["file"] for u in listed) == urls and {u["size"] for u in listed} == {len(image)}


def test_audio_upload_and_images_inside_a_zip(client: TestClient) -> None:
    pid = make_project(client, AUDIO_CONFIG)
    r = client.post(f"/api/projects/{pid}/import", files=[("file", ("tone.wav", wav(), "audio/wav"))])
    assert r.status_code == 201, r.text
    (task,) = _tasks(client, pid)
    served = client.get(str(task["data"]["audio"]))  # type: ignore[index]
    assert served.headers["content-type"] == "audio/wav" and served.content == wav()
    assert client.get(str(task["data"]["audio"]), headers={"Range": "bytes=0-3"}).content == b"RIFF"  # type: ignore[index]

    pid2 = make_project(client, IMAGE_CONFIG)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("shots/a.png", png())
        z.writestr("shots/b.png", png())
    r = client.post(
        f"/api/projects/{pid2}/import", files=[("file", ("batch.zip", buf.getvalue(), "application/zip"))]
    )
    assert r.status_code == 201, r.text
    assert r.json()["task_count"] == 2
    for t in _tasks(client, pid2):
        assert client.get(str(t["data"]["image"])).content == png()  # type: ignore[index]


def test_media_the_config_cannot_show_is_refused_naming_file_and_tag(
    client: TestClient, settings: Settings, db: Session
) -> None:
    pid = make_project(client, TEXT_CONFIG)
    r = client.post(f"/api/projects/{pid}/import", files=[("file", ("x.png", png(), "image/png"))])
    assert r.status_code == 400
    assert r.json()["detail"] == "x.png: an image, but the labeling config has no Image tag to show it"
    assert _stored(settings, pid) == [] and _tasks(client, pid) == []
    assert db.scalar(select(func.count()).select_from(FileUpload)) == 0


def test_a_failed_import_removes_the_media_it_had_stored(
    client: TestClient, settings: Settings, db: Session
) -> None:
    config = '<View><Image name="img" value="$image"/><Text name="t" value="$caption"/></View>'
    pid = make_project(client, config)
    files = [
        ("file", ("a.png", png(), "image/png")),  # stored first, then the CSV fails
        ("file", ("rows.csv", b"image,caption\nhttp://x/1.png,one\nhttp://x/2.png\n", "text/csv")),
    ]
    r = client.post(f"/api/projects/{pid}/import", files=files)
    assert r.status_code == 400
    assert _stored(settings, pid) == []
    assert db.scalar(select(func.count()).select_from(FileUpload)) == 0
    assert db.scalar(select(func.count()).select_from(Task)) == 0


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("page.html", b"<script>alert(1)</script>", "HTML files are not accepted"),
        ("logo.svg", b"<svg onload=alert(1)/>", "SVG images are not accepted"),
        ("fake.png", b"<html><script>alert(1)</script>", "fake.png: not an image (content does not match"),
        ("empty.wav", b"", "empty.wav: the file is empty"),
    ],
)
def test_scriptable_or_disguised_files_are_refused(
    client: TestClient, settings: Settings, name: str, content: bytes, why: str
) -> None:
    pid = make_project(client, IMAGE_CONFIG)
    for commit in ("true", "false"):
        r = client.post(
            f"/api/projects/{pid}/import",
            params={"commit_to_project": commit},
            files=[("file", (name, content, "application/octet-stream"))],
        )
        assert r.status_code == 400, r.text
        assert why in r.json()["detail"]
    assert _stored(settings, pid) == []


def test_uploads_are_served_only_to_signed_in_users_and_only_by_their_exact_name(
    client: TestClient, anon: TestClient
) -> None:
    pid = make_project(client, IMAGE_CONFIG)
    client.post(f"/api/projects/{pid}/import", files=[("file", ("a.png", png(), "image/png"))])
    (task,) = _tasks(client, pid)
    url = str(task["data"]["image"])  # type: ignore[index]
    assert anon.get(url).status_code == 401
    name = url.rsplit("/", 1)[1]
    other = make_project(client, IMAGE_CONFIG)
    assert client.get(f"/data/upload/{other}/{name}").status_code == 404  # another project's file
    for bad in (f"/data/upload/{pid}/..%2F..%2Fsecret_key", f"/data/upload/{pid}/a.png", "/data/upload/x/y"):
        assert client.get(bad).status_code == 404


def test_an_annotator_can_view_media_but_not_manage_uploads(client: TestClient, app, database) -> None:  # type: ignore[no-untyped-def]
    pid = make_project(client, IMAGE_CONFIG)
    up = client.post(f"/api/projects/{pid}/import", files=[("file", ("a.png", png(), "image/png"))]).json()
    (task,) = _tasks(client, pid)
    token = make_annotator(database, pid)
    with TestClient(app, headers={"Authorization": f"Token {token}"}) as ann:
        assert ann.get(str(task["data"]["image"])).status_code == 200  # type: ignore[index]
        assert ann.get(f"/api/projects/{pid}/file-uploads").status_code == 403
        assert ann.get(f"/api/import/file-upload/{up['file_upload_ids'][0]}").status_code == 403
        assert ann.delete(f"/api/projects/{pid}/file-uploads").status_code == 403
        r = ann.post(f"/api/projects/{pid}/import", files=[("file", ("b.png", png(), "image/png"))])
        assert r.status_code == 403


def test_task_files_staged_then_reimported(client: TestClient, settings: Settings) -> None:
    pid = make_project(client, TEXT_CONFIG)
    files = [
        ("file", ("a.csv", b"text\none\ntwo\n", "text/csv")),
        ("file", ("b.jsonl", b'{"text": "three"}\n', "application/json")),
    ]
    r = client.post(f"/api/projects/{pid}/import", params={"commit_to_project": "false"}, files=files)
    assert r.status_code == 201, r.text
    staged = r.json()
    assert staged["task_count"] == 0 and len(staged["file_upload_ids"]) == 2
    assert _tasks(client, pid) == []
    # A staged task file is served only as a download, never inline.
    listed = client.get(f"/api/projects/{pid}/file-uploads").json()
    got = client.get(listed[0]["file"])
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-disposition"].startswith("attachment")

    other = make_project(client, TEXT_CONFIG)
    r = client.post(f"/api/projects/{other}/reimport", json={"file_upload_ids": staged["file_upload_ids"]})
    assert r.status_code == 400 and "is not a file uploaded to this project" in r.json()["detail"]
    assert client.post(f"/api/projects/{pid}/reimport", json={"file_upload_ids": []}).status_code == 400

    r = client.post(f"/api/projects/{pid}/reimport", json={"file_upload_ids": staged["file_upload_ids"]})
    assert r.status_code == 201, r.text
    assert r.json()["task_count"] == 3 and r.json()["file_upload_ids"] == staged["file_upload_ids"]
    assert sorted(str(t["data"]["text"]) for t in _tasks(client, pid)) == ["one", "three", "two"]  # type: ignore[index]


def test_staged_media_reimport_points_at_the_stored_file(client: TestClient, settings: Settings) -> None:
    pid = make_project(client, IMAGE_CONFIG)
    r = client.post(
        f"/api/projects/{pid}/import",
        params={"commit_to_project": "false"},
        files=[("file", ("a.png", png(), "image/png"))],
    )
    ids = r.json()["file_upload_ids"]
    r = client.post(f"/api/projects/{pid}/reimport", json={"file_upload_ids": ids})
    assert r.status_code == 201, r.text
    (task,) = _tasks(client, pid)
    assert client.get(str(task["data"]["image"])).content == png()  # type: ignore[index]
    assert len(_stored(settings, pid)) == 1  # no second copy


def test_file_upload_endpoints_get_replace_and_delete(client: TestClient, settings: Settings) -> None:
    pid = make_project(client, IMAGE_CONFIG)
    r = client.post(f"/api/projects/{pid}/import", files=[("file", ("a.png", png(), "image/png"))])
    (uid,) = r.json()["file_upload_ids"]
    got = client.get(f"/api/import/file-upload/{uid}").json()
    assert got["id"] == uid and got["file"].startswith(f"/data/upload/{pid}/")
    bigger = png() + b"\x00" * 10
    r = client.patch(f"/api/import/file-upload/{uid}", files={"file": ("new.png", bigger, "image/png")})
    assert r.status_code == 200 and r.json()["size"] == len(bigger)
    assert client.get(got["file"]).content == bigger  # same URL, new bytes
    r = client.patch(f"/api/import/file-upload/{uid}", files={"file": ("x.wav", wav(), "audio/wav")})
    assert r.status_code == 400 and "x.wav is audio, the upload it replaces is image" in r.json()["detail"]
    assert client.get(f"/api/projects/{pid}/file-uploads", params={"ids": f"[{uid}]"}).json()[0]["id"] == uid
    assert client.get(f"/api/projects/{pid}/file-uploads", params={"ids": "[1,x]"}).status_code == 400
    assert client.delete(f"/api/import/file-upload/{uid}").status_code == 204
    assert client.get(got["file"]).status_code == 404 and _stored(settings, pid) == []
    assert client.get(f"/api/import/file-upload/{uid}").status_code == 404
    client.post(f"/api/projects/{pid}/import", files=[("file", ("b.png", png(), "image/png"))])
    assert client.delete(f"/api/projects/{pid}/file-uploads").json() == {"deleted": 1}
    assert client.get(f"/api/projects/{pid}/file-uploads").json() == []


def test_skip_duplicates_leaves_out_data_already_in_the_project(client: TestClient) -> None:
    pid = make_project(client, TEXT_CONFIG)
    # Imported without de-duplication first: no hashes stored for these.
    assert client.post(f"/api/projects/{pid}/import", json=[{"text": "a"}, {"text": "b"}]).status_code == 201
    items = [
        {"text": "b"},
        {"text": "c"},
        {"data": {"text": "c"}},
        {"text": "d", "n": 1},
        {"n": 1, "text": "d"},
    ]
    r = client.post(f"/api/projects/{pid}/import", params={"skip_duplicates": "true"}, json=items)
    assert r.status_code == 201, r.text
    assert r.json()["task_count"] == 2 and r.json()["skipped_duplicates"] == 3  # b existed; c, d repeated
    files = [("file", ("more.csv", b"text\na\ne\n", "text/csv"))]
    r = client.post(f"/api/projects/{pid}/import", params={"skip_duplicates": "1"}, files=files)
    assert r.json()["task_count"] == 1 and r.json()["skipped_duplicates"] == 1
    texts = sorted(str(t["data"]["text"]) for t in _tasks(client, pid))  # type: ignore[index]
    assert texts == ["a", "b", "c", "d", "e"]
    # Without the flag, duplicates are imported as before.
    r = client.post(f"/api/projects/{pid}/import", json=[{"text": "a"}])
    assert r.json()["task_count"] == 1 and r.json()["skipped_duplicates"] == 0
    # Everything a duplicate: nothing imported, and that is not an error.
    r = client.post(f"/api/projects/{pid}/import", params={"skip_duplicates": "true"}, files=files)
    assert r.status_code == 201 and r.json()["task_count"] == 0 and r.json()["skipped_duplicates"] == 2


def test_deleting_a_project_removes_its_uploaded_files(client: TestClient, settings: Settings) -> None:
    pid = make_project(client, IMAGE_CONFIG)
    keep = make_project(client, IMAGE_CONFIG)
    for p in (pid, keep):
        client.post(f"/api/projects/{p}/import", files=[("file", ("a.png", png(), "image/png"))])
    assert len(_stored(settings, pid)) == 1
    assert client.delete(f"/api/projects/{pid}").status_code == 204
    assert _stored(settings, pid) == [] and len(_stored(settings, keep)) == 1
