"""`/tasks/{id}/media`: plain http(s) media URLs of a task, proxied through the guarded client.

A real HTTP server on a loopback address plays the media host; the app under test is allowed to
reach it only through `LABELWISE_SSRF_ALLOW_HOSTS`, as a deployment would configure it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from labelwise.app import create_app
from labelwise.db.runtime import Database
from labelwise.services import media_proxy
from labelwise.settings import Settings
from tests.api.media_files import png, wav
from tests.conftest import ADMIN_TOKEN

PNG = png(32, 24)
WAV = wav(0.5, tones=((0.1, 0.3),))
FILES: dict[str, tuple[str, bytes]] = {
    "/img/cat.png": ("image/png", PNG),
    "/audio/tone.wav": ("audio/wav", WAV),
    "/blob/tone.wav": ("application/octet-stream", WAV),
    "/page.html": ("text/html; charset=utf-8", b"<script>alert(1)</script>"),
    "/pic.png": ("image/svg+xml", b"<svg onload='alert(1)'/>"),
}
CONFIG = """<View>
  <Image name="img" value="$image"/>
  <RectangleLabels name="box" toName="img"><Label value="Car"/></RectangleLabels>
  <Audio name="audio" value="$audio"/>
  <Image name="gallery" valueList="$pages"/>
  <Text name="note" value="$note"/>
</View>"""


class _Media(BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        _Media.seen.append(dict(self.headers.items()))
        found = FILES.get(self.path)
        if found is None:
            self.send_error(404)
            return
        kind, body = found
        status, extra = 200, {"Accept-Ranges": "bytes"}
        wanted = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if wanted:
            start = int(wanted.group(1))
            end = int(wanted.group(2) or len(body) - 1)
            extra["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
            status, body = 206, body[start : end + 1]
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", "upstream=1")
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def host() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.2", 0), _Media)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.2:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def allowed(settings: Settings, database: Database, client: TestClient) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"ssrf_allow_hosts": "127.0.0.2"}), database)
    with TestClient(app, headers={"Authorization": f"Token {ADMIN_TOKEN}"}) as c:
        yield c


def _task(client: TestClient, host: str, **extra: object) -> int:
    pid = client.post("/api/projects", json={"title": "media", "label_config": CONFIG}).json()["id"]
    item = {
        "image": f"{host}/img/cat.png",
        "audio": f"{host}/audio/tone.wav",
        "pages": [f"{host}/page.html", "/data/upload/1/a.png", "s3://bucket/dir/b.png"],
        "note": f"{host}/img/cat.png",
        **extra,
    }
    r = client.post(f"/api/projects/{pid}/import?return_task_ids=1", json=[item])
    assert r.status_code == 201, r.text
    return int(r.json()["task_ids"][0])


def test_the_editor_payload_gets_same_origin_urls_and_the_task_keeps_its_own(
    client: TestClient, host: str
) -> None:
    tid = _task(client, host, image_2="/data/local-files/?d=x/y.png")
    data = client.get(f"/api/tasks/{tid}/editor").json()["task"]["data"]
    enc = media_proxy.encode
    assert data["image"] == f"/tasks/{tid}/media?fileuri={enc(host + '/img/cat.png')}"
    assert data["audio"] == f"/tasks/{tid}/media?fileuri={enc(host + '/audio/tone.wav')}"
    assert data["pages"] == [
        f"/tasks/{tid}/media?fileuri={enc(host + '/page.html')}",
        "/data/upload/1/a.png",
        f"/tasks/{tid}/presign?fileuri={enc('s3://bucket/dir/b.png')}",
    ]
    assert data["note"] == f"{host}/img/cat.png"  # Text is not media: left as written
    assert client.get(f"/api/tasks/{tid}").json()["data"]["image"] == f"{host}/img/cat.png"
    pid = client.get(f"/api/tasks/{tid}").json()["project"]
    exported = client.get(f"/api/projects/{pid}/export", params={"download_all_tasks": "true"}).json()
    assert exported[0]["data"]["audio"] == f"{host}/audio/tone.wav"


def test_an_image_and_a_wav_stream_through_with_their_types(
    allowed: TestClient, client: TestClient, host: str
) -> None:
    tid = _task(client, host)
    data = allowed.get(f"/api/tasks/{tid}/editor").json()["task"]["data"]
    image = allowed.get(data["image"], headers={"Cookie": "sessionid=secret"})
    assert image.status_code == 200 and image.content == PNG
    assert image.headers["content-type"] == "image/png"
    assert image.headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in image.headers
    audio = allowed.get(data["audio"])
    assert audio.status_code == 200 and audio.content == WAV and audio.headers["content-type"] == "audio/wav"
    # Nothing of the caller's reaches the media host.
    for headers in _Media.seen[-2:]:
        assert not {"Cookie", "Authorization"} & set(headers)


def test_a_range_is_passed_through(allowed: TestClient, client: TestClient, host: str) -> None:
    tid = _task(client, host)
    url = allowed.get(f"/api/tasks/{tid}/editor").json()["task"]["data"]["audio"]
    r = allowed.get(url, headers={"Range": "bytes=0-11"})
    assert r.status_code == 206 and r.content == WAV[:12]
    assert r.headers["content-range"] == f"bytes 0-11/{len(WAV)}"
    assert r.headers["content-length"] == "12"


def test_a_generic_type_is_served_by_the_extension(
    allowed: TestClient, client: TestClient, host: str
) -> None:
    tid = _task(client, host, audio=f"{host}/blob/tone.wav")
    r = allowed.get(f"/tasks/{tid}/media", params={"fileuri": media_proxy.encode(f"{host}/blob/tone.wav")})
    assert r.status_code == 200 and r.headers["content-type"] == "audio/wav" and r.content == WAV


def test_html_and_svg_are_refused(allowed: TestClient, client: TestClient, host: str) -> None:
    tid = _task(client, host, image=f"{host}/pic.png")
    page = allowed.get(f"/tasks/{tid}/media", params={"fileuri": media_proxy.encode(f"{host}/page.html")})
    assert page.status_code == 502 and "text/html" in page.json()["detail"]
    assert "script" not in page.text
    svg = allowed.get(f"/tasks/{tid}/media", params={"fileuri": media_proxy.encode(f"{host}/pic.png")})
    assert svg.status_code == 502 and "image/svg+xml" in svg.json()["detail"]


def test_only_urls_of_the_task_are_fetched(allowed: TestClient, client: TestClient, host: str) -> None:
    tid = _task(client, host)
    other = allowed.get(
        f"/tasks/{tid}/media", params={"fileuri": media_proxy.encode(f"{host}/blob/tone.wav")}
    )
    assert other.status_code == 404 and "not media of this task" in other.json()["detail"]
    # A URL in a non-media field of the task is not fetched either.
    _Media.seen.clear()
    note = allowed.get(f"/tasks/{tid}/media", params={"fileuri": media_proxy.encode(f"{host}/img/cat.png")})
    assert note.status_code == 200  # it is also the Image's value
    tid2 = _task(client, host, image="/data/upload/1/a.png")
    text_only = allowed.get(
        f"/tasks/{tid2}/media", params={"fileuri": media_proxy.encode(f"{host}/img/cat.png")}
    )
    assert text_only.status_code == 404
    assert allowed.get(f"/tasks/{tid}/media", params={"fileuri": "%%%"}).status_code == 400
    assert allowed.get(f"/tasks/{tid}/media").json()["validation_errors"] == {"fileuri": ["required"]}
    assert allowed.get("/tasks/99999999/media", params={"fileuri": "eA"}).status_code == 404


def test_a_missing_file_upstream_is_a_404(allowed: TestClient, client: TestClient, host: str) -> None:
    tid = _task(client, host, image=f"{host}/img/gone.png")
    r = allowed.get(f"/tasks/{tid}/media", params={"fileuri": media_proxy.encode(f"{host}/img/gone.png")})
    assert r.status_code == 404 and "no such file" in r.json()["detail"]


def test_a_private_address_is_refused_without_the_allow_list(client: TestClient, host: str) -> None:
    tid = _task(client, host)
    url = client.get(f"/api/tasks/{tid}/editor").json()["task"]["data"]["image"]
    r = client.get(url)
    assert r.status_code == 400
    assert "LABELWISE_SSRF_ALLOW_HOSTS" in r.json()["detail"]


def test_callers_who_may_not_view_the_task_get_nothing(
    anon: TestClient, client: TestClient, host: str
) -> None:
    tid = _task(client, host)
    url = client.get(f"/api/tasks/{tid}/editor").json()["task"]["data"]["image"]
    assert anon.get(url).status_code == 401
