"""A Label Studio ML backend for the tests, in its own process, speaking the protocol of
label-studio-ml-backend's `label_studio_ml/api.py` exactly: `GET /health` (and `/`), `POST /setup`,
`POST /predict` → `{"results": [...]}`, `POST /webhook` with the training events, HTTP basic auth from
`BASIC_AUTH_USER`/`BASIC_AUTH_PASS` (401 with `WWW-Authenticate` otherwise).

Why not `LabelStudioMLBase` itself: the `label-studio-ml` package pins Flask 1.1.2, Jinja2 3.0.3 and
Werkzeug 2.0.2, which would downgrade the server's own Jinja2 in the shared environment.

The model: the first `<Choices>` of the config; a task whose text says "good" gets its first choice
(score 0.9), anything else the second (score 0.6). Knobs by environment: `ML_DELAY` seconds before each
prediction answer, `ML_BROKEN=json` answers /predict with text that is not JSON. `GET /_log` and `DELETE /_log` (the
tests' own window, not the protocol) list and forget the requests seen.
"""

from __future__ import annotations

import base64
import hmac
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from lxml import etree

from tests.support.postgres import free_port

MODEL_VERSION = os.environ.get("ML_MODEL_VERSION", "ml-test-1")
TRAIN_EVENTS = ("ANNOTATION_CREATED", "ANNOTATION_UPDATED", "ANNOTATION_DELETED", "START_TRAINING")
LOG: list[dict[str, Any]] = []

app = FastAPI()


@app.middleware("http")
async def basic_auth(request: Request, call_next: Any) -> Response:
    user, password = os.environ.get("BASIC_AUTH_USER"), os.environ.get("BASIC_AUTH_PASS")
    if user and password and request.url.path != "/_log":
        header = request.headers.get("authorization", "")
        given = ""
        if header.lower().startswith("basic "):
            given = base64.b64decode(header[6:]).decode("utf-8", "replace")
        if not hmac.compare_digest(given, f"{user}:{password}"):
            LOG.append({"path": request.url.path, "refused": True})
            return PlainTextResponse(
                "Unauthorized", 401, {"WWW-Authenticate": 'Basic realm="Login required"'}
            )
    response: Response = await call_next(request)
    return response


def _choices(label_config: str) -> tuple[str, str, list[str]]:
    root = etree.fromstring(label_config.encode())
    tag = next(root.iter("Choices"))
    return str(tag.get("name")), str(tag.get("toName")), [str(c.get("value")) for c in tag.iter("Choice")]


@app.get("/")
@app.get("/health")
def health() -> dict[str, Any]:
    LOG.append({"path": "/health"})
    return {"status": "UP", "model_class": "KeywordClassifier"}


@app.post("/setup")
async def setup(request: Request) -> dict[str, Any]:
    data = await request.json()
    LOG.append({"path": "/setup", "body": data})
    return {"model_version": MODEL_VERSION}


@app.post("/predict")
async def predict(request: Request) -> Response:
    data = await request.json()
    LOG.append({"path": "/predict", "tasks": [t["id"] for t in data["tasks"]], "body": data})
    time.sleep(float(os.environ.get("ML_DELAY", "0")))  # a slow model, holding this request
    if os.environ.get("ML_BROKEN") == "json":
        return PlainTextResponse("<html>not json</html>")
    name, to_name, options = _choices(data["label_config"])
    results = []
    for task in data["tasks"]:
        good = "good" in str(task["data"].get("text", ""))
        value = options[0] if good else options[-1]
        region = {"from_name": name, "to_name": to_name, "type": "choices", "value": {"choices": [value]}}
        results.append({"result": [region], "score": 0.9 if good else 0.6, "model_version": MODEL_VERSION})
    return JSONResponse({"results": results})


@app.post("/webhook")
async def webhook(request: Request) -> Response:
    data = await request.json()
    event = data.pop("action")
    LOG.append({"path": "/webhook", "action": event, "body": data})
    if event not in TRAIN_EVENTS:
        return JSONResponse({"status": "Unknown event"}, 200)
    return JSONResponse({"result": {"trained_on": data["project"]["id"]}, "status": "ok"}, 201)


@app.get("/_log")
def log() -> list[dict[str, Any]]:
    return LOG


@app.delete("/_log")
def clear_log() -> Response:
    LOG.clear()
    return Response(status_code=204)


@dataclass
class Backend:
    url: str
    process: subprocess.Popen[bytes]

    def log(self) -> list[dict[str, Any]]:
        return list(httpx.get(self.url + "/_log", timeout=5).json())

    def clear(self) -> None:
        httpx.delete(self.url + "/_log", timeout=5).raise_for_status()


@contextmanager
def running(**env: str) -> Iterator[Backend]:
    """Start the backend with uvicorn in a subprocess on a free port and wait until /health answers."""
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", "tests.support.ml_backend:app", "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning", "--workers", "1"]  # fmt: skip
    process = subprocess.Popen(cmd, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    auth = (env["BASIC_AUTH_USER"], env["BASIC_AUTH_PASS"]) if "BASIC_AUTH_USER" in env else None
    try:
        deadline = time.time() + 30
        while True:
            try:
                if httpx.get(url + "/health", timeout=1, auth=auth).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline or process.poll() is not None:
                raise RuntimeError("the test ML backend did not start")
            time.sleep(0.05)
        yield Backend(url, process)
    finally:
        process.terminate()
        process.wait(timeout=10)
