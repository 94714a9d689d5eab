"""A real Labelwise server on a free port, in a thread of the test process."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import httpx
import uvicorn
from fastapi import FastAPI

from tests.support.postgres import free_port


@dataclass
class LiveServer:
    url: str
    token: str
    email: str
    password: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve(app: FastAPI, token: str, email: str, password: str) -> LiveServer:
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    else:
        raise RuntimeError("live server did not start")
    return LiveServer(url, token, email, password, server, thread)
