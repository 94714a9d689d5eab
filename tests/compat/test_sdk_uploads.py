"""Media uploads through both label-studio-sdk clients over HTTP: an image file imported becomes a
task, and the SDK's file-upload calls list, fetch, download and delete it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from label_studio_sdk import Client, LabelStudio

from tests.storage.test_local import png

from ._scenario import unique_title

pytestmark = pytest.mark.compat

IMAGE_CONFIG = '<View><Image name="img" value="$image"/><Choices name="c" toName="img"><Choice value="cat"/></Choices></View>'


def test_an_image_uploaded_by_the_legacy_client_is_listed_downloaded_and_deleted_by_the_new_one(
    live_server: Any, tmp_path: Path
) -> None:
    legacy = Client(url=live_server.url, api_key=live_server.token)
    project = legacy.create_project(title=unique_title("uploads"), label_config=IMAGE_CONFIG)
    image = tmp_path / "kitten.png"
    image.write_bytes(png())
    ids = project.import_tasks(str(image))
    assert len(ids) == 1
    (task,) = project.get_tasks()
    url = task["data"]["image"]
    assert url.startswith(f"/data/upload/{project.id}/") and url.endswith("-kitten.png")

    ls = LabelStudio(base_url=live_server.url, api_key=live_server.token)
    (listed,) = ls.files.list(id=project.id)
    assert listed.file == url and listed.size == len(png())
    assert ls.files.get(id=listed.id).file == url
    # The SDK's download() returns nothing; its raw response carries the bytes.
    raw = ls.files.with_raw_response.download(filename=url.removeprefix("/data/upload/"))
    assert raw._response.status_code == 200 and raw._response.content == png()
    assert raw._response.headers["content-type"] == "image/png"
    ls.files.delete(id=listed.id)
    assert ls.files.list(id=project.id) == []
