"""Hostile uploads: any file name and any bytes, sent as a media or task file, with or without
`commit_to_project`. The answer is a 201 with one task per media file or a 400 naming the file;
never a 5xx, and a 400 leaves no task, no upload row and no file on disk."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from labelwise.db.models import FileUpload
from labelwise.settings import Settings
from tests.api.test_fuzz_helpers import FUZZ_SMALL, check_response, make_project, row_counts
from tests.api.test_uploads import IMAGE_CONFIG, wav
from tests.storage.test_local import png

EXTENSIONS = ["png", "jpg", "wav", "mp3", "mp4", "svg", "html", "csv", "json", "zip", "txt", "", "PNG", "exe"]
names = st.builds(
    lambda stem, ext: f"{stem}.{ext}" if ext else stem,
    st.text(st.characters(blacklist_categories=["Cs"]), max_size=40),
    st.sampled_from(EXTENSIONS),
)
contents = st.one_of(
    st.binary(max_size=300),
    st.sampled_from([png(), wav(), b"", b"<svg onload=alert(1)>", b"\x89PNG\r\n\x1a\n", b"RIFF....WAVE"]),
    st.builds(
        lambda head, tail: head + tail, st.sampled_from([png()[:20], wav()[:16]]), st.binary(max_size=50)
    ),
)


def _disk(settings: Settings, pid: int) -> list[str]:
    folder = settings.data_dir / "media" / "upload" / str(pid)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# Real images under hostile names, so that a good share of examples reach the storing path.
good = st.tuples(st.builds(lambda stem: stem + ".png", st.text(max_size=30)), st.just(png()))


@FUZZ_SMALL
@given(
    files=st.one_of(
        st.lists(good, min_size=1, max_size=3),
        st.lists(st.one_of(good, st.tuples(names, contents)), min_size=1, max_size=3),
    ),
    commit=st.booleans(),
)
def test_any_upload_is_stored_whole_or_refused_cleanly(
    client: TestClient, db: Session, settings: Settings, files: list[tuple[str, bytes]], commit: bool
) -> None:
    pid = make_project(client, IMAGE_CONFIG)
    r = client.post(
        f"/api/projects/{pid}/import",
        params={"commit_to_project": str(commit).lower()},
        files=[("file", (name or "x", data, "application/octet-stream")) for name, data in files],
    )
    body: Any = check_response(r, frozenset({201, 400}))
    db.rollback()
    uploads = db.scalar(select(func.count()).select_from(FileUpload).where(FileUpload.project_id == pid))
    if r.status_code == 400:
        assert row_counts(db, pid)["tasks"] == 0 and uploads == 0 and _disk(settings, pid) == []
        return
    assert len(_disk(settings, pid)) == uploads == len(body["file_upload_ids"])
    if not commit:
        assert row_counts(db, pid)["tasks"] == 0 and uploads == len(files)
        return
    for task in client.get("/api/tasks", params={"project": pid}).json()["tasks"]:
        served = (
            client.get(task["data"]["image"])
            if str(task["data"].get("image", "")).startswith("/data/")
            else None
        )
        if served is not None:  # an uploaded image: served back as an image, byte for byte
            assert served.status_code == 200 and served.headers["content-type"].startswith("image/")
