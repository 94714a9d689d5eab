"""A real S3-compatible server (moto's) on loopback and a free port, and a botocore client the
tests use to put objects straight into it, past Labelwise."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any

import botocore.session
import httpx

from tests.support.postgres import free_port

KEY_ID = "test-key-id"
SECRET = "test-secret-key"


@dataclass
class S3Server:
    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def client(self) -> Any:
        return botocore.session.Session().create_client(
            "s3",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET,
        )

    def bucket(self, objects: dict[str, bytes] | None = None) -> str:
        """A new bucket with a name of its own (the server is shared by the session), filled."""
        name = f"lw-{uuid.uuid4().hex[:16]}"
        client = self.client()
        client.create_bucket(Bucket=name)
        for key, body in (objects or {}).items():
            client.put_object(Bucket=name, Key=key, Body=body)
        return name

    def put(self, bucket: str, key: str, body: bytes) -> None:
        self.client().put_object(Bucket=bucket, Key=key, Body=body)


def start_s3() -> S3Server:
    port = free_port()
    env = {**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true"}
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the S3 server (moto) exited at start")
        try:
            httpx.get(url + "/moto-api/", timeout=1)
            return S3Server(url, process)
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the S3 server (moto) did not start")
