"""An S3-compatible bucket reached through botocore, with every request sent by the guarded client.

botocore does what S3 needs done exactly (SigV4 signing, request building, XML parsing,
pagination, presigned URLs); it never opens a connection of its own. A handler on the client's
`before-send` event sends each prepared request through `storage.fetch` and hands botocore the
response, so an endpoint (and every address it resolves to) passes the same SSRF checks as a URL
import, and `LABELWISE_SSRF_ALLOW_HOSTS` is the only way to reach a loopback or private server.

botocore also knows how to find credentials by itself: environment, config files, and the cloud
metadata service over connections the guard does not see. Clients here never ask: they get the
storage's keys, or sign nothing (anonymous access to a public bucket), and read no config file.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, BinaryIO, cast

import botocore.session
import httpx
from botocore import UNSIGNED
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError
from botocore.handlers import validate_bucket_name

from labelwise.services.errors import Invalid
from labelwise.storage import fetch

DEFAULT_REGION = "us-east-1"
# Task files are copied to a spool before they are read: readers of Parquet and ZIP need to seek,
# and the connection is not held open while rows are validated and written.
SPOOL_IN_MEMORY = 8 << 20
_CHUNK = 1 << 16
_client_lock = threading.Lock()


@dataclass(frozen=True)
class Connection:
    """Where a bucket is and how to sign for it (the storage's settings, secrets included)."""

    bucket: str
    endpoint: str = ""
    region: str = ""
    access_key_id: str = ""
    secret_access_key: str = ""
    session_token: str = ""


@dataclass(frozen=True)
class Listed:
    """An object a listing found: its full key, size and last modification (seconds since the epoch)."""

    key: str
    size: int
    mtime: float


@dataclass(frozen=True)
class Fetched:
    """An object's bytes as the store answered (200, or 206 for a range), to stream on."""

    status: int
    headers: dict[str, str]
    body: Iterator[bytes]
    close: Any


class BucketError(Invalid):
    """A bucket that could not be reached or read; names the field a client would fix."""

    def __init__(self, detail: str, field: str = "bucket") -> None:
        super().__init__(detail, {field: [detail]})


def check_name(bucket: object) -> str:
    """The bucket name, or a BucketError saying why S3 would refuse it (botocore's own rule)."""
    if not isinstance(bucket, str) or not bucket:
        raise BucketError("bucket: give the bucket's name")
    try:
        validate_bucket_name({"Bucket": bucket})
    except ParamValidationError as exc:
        raise BucketError(f"bucket: {exc.kwargs.get('report', exc)}") from None
    return bucket


class _Raw:
    """A guarded response body as botocore reads it: `stream()` for documents, `read(n)` for
    objects; httpx and size-limit failures surface as FetchError."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self._chunks = response.iter_bytes()
        self._left = b""
        self._seen = 0

    def _next(self) -> bytes:
        try:
            return next(self._chunks, b"")
        except httpx.HTTPError as exc:
            raise fetch.FetchError(f"{fetch.shown(self._response.url)}: the download failed ({exc})") from exc

    def stream(self, amt: int = _CHUNK) -> Iterator[bytes]:
        while chunk := self.read(amt):
            yield chunk

    def read(self, amt: int | None = None) -> bytes:
        if amt is None:
            parts = [self._left, *iter(self._next, b"")]
            self._left = b""
            data = b"".join(parts)
        else:
            while len(self._left) < amt:
                chunk = self._next()
                if not chunk:
                    break
                self._left += chunk
            data, self._left = self._left[:amt], self._left[amt:]
        self._seen += len(data)
        return data

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._seen

    def close(self) -> None:
        self._response.close()


def _sender(http: httpx.Client, policy: fetch.Policy, endpoint_field: str) -> Any:
    def send(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        body = request.body
        if body is not None and not isinstance(body, bytes | bytearray | str):
            body = body.read()  # small XML documents; this module uploads nothing large
        outgoing = http.build_request(
            request.method,
            request.url,
            headers=[
                (str(k), v.decode() if isinstance(v, bytes) else str(v)) for k, v in request.headers.items()
            ],
            content=body or None,
        )
        try:
            response = fetch.send(http, outgoing, policy)
        except fetch.FetchError as exc:
            raise BucketError(f"{endpoint_field}: {exc.detail}", endpoint_field) from None
        return AWSResponse(
            str(response.url), response.status_code, dict(response.headers.items()), _Raw(response)
        )

    return send


@lru_cache(maxsize=64)
def _client(connection: Connection, policy: fetch.Policy) -> Any:
    """A botocore S3 client for one connection; cached because building one reads service models."""
    config = Config(
        region_name=connection.region or DEFAULT_REGION,
        signature_version="s3v4" if connection.access_key_id else UNSIGNED,
        retries={"total_max_attempts": 1},
        s3={"addressing_style": "path" if connection.endpoint else "auto"},
        ignore_configured_endpoint_urls=True,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        s3_disable_express_session_auth=True,
        parameter_validation=True,
    )
    with _client_lock:
        session = botocore.session.Session()
        for variable in ("config_file", "credentials_file"):
            session.set_config_variable(variable, os.devnull)
        keys: dict[str, str | None] = {}
        if connection.access_key_id:
            keys = {
                "aws_access_key_id": connection.access_key_id,
                "aws_secret_access_key": connection.secret_access_key,
                "aws_session_token": connection.session_token or None,
            }
        client = session.create_client("s3", endpoint_url=connection.endpoint or None, config=config, **keys)
    http = fetch.client(policy)
    client.meta.events.register("before-send", _sender(http, policy, "s3_endpoint"))
    return client


class Bucket:
    """One bucket of one connection: list, check, read, presign."""

    def __init__(self, connection: Connection, policy: fetch.Policy) -> None:
        self.connection = connection
        self.name = connection.bucket
        self._s3 = _client(connection, policy)

    def _fail(self, exc: Exception, what: str) -> BucketError:
        if isinstance(exc, BucketError):
            return exc
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            code = error.get("Code") or str(status)
            if code in ("NoSuchBucket", "404") and what.endswith("bucket"):
                return BucketError(f"bucket: s3://{self.name} does not exist")
            if code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                return BucketError(
                    f"s3://{self.name}: access denied to {what} ({code}); check the keys and the bucket's policy",
                    "aws_access_key_id",
                )
            message = error.get("Message") or ""
            return BucketError(f"s3://{self.name}: cannot {what}: {code} {message}".strip())
        if isinstance(exc, ParamValidationError):
            return BucketError(f"bucket: {exc.kwargs.get('report', exc)}")
        return BucketError(f"s3://{self.name}: cannot {what}: {exc}", "s3_endpoint")

    def objects(self, prefix: str, recursive: bool) -> Iterator[Listed]:
        """Every object under `prefix` (a folder: `photos` lists `photos/...`), in key order, folder
        markers left out; without `recursive`, only those directly in it, as Label Studio lists."""
        params: dict[str, Any] = {"Bucket": self.name}
        if prefix:
            params["Prefix"] = prefix.rstrip("/") + "/"
            if not recursive:
                params["Delimiter"] = "/"
        try:
            for page in self._s3.get_paginator("list_objects_v2").paginate(**params):
                for obj in page.get("Contents", ()):
                    key = obj["Key"]
                    if key.endswith("/"):
                        continue
                    modified = obj.get("LastModified")
                    mtime = modified.timestamp() if isinstance(modified, datetime) else 0.0
                    yield Listed(key, int(obj.get("Size") or 0), mtime)
        except (ClientError, BotoCoreError, BucketError) as exc:
            raise self._fail(exc, "list the bucket") from None

    def check(self, prefix: str) -> None:
        """That the bucket answers with these keys (and has something under `prefix`, if given)."""
        try:
            if prefix:
                folder = prefix.rstrip("/") + "/"
                found = self._s3.list_objects_v2(Bucket=self.name, Prefix=folder, MaxKeys=1)
                if not found.get("KeyCount"):
                    raise BucketError(f"prefix: nothing found under s3://{self.name}/{folder}", "prefix")
            else:
                self._s3.head_bucket(Bucket=self.name)
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, "read the bucket") from None

    @contextmanager
    def spooled(self, key: str) -> Iterator[BinaryIO]:
        """The object's bytes in a temporary file at position 0 (in memory while small)."""
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
            try:
                body = self._s3.get_object(Bucket=self.name, Key=key)["Body"]
                try:
                    while chunk := body.read(1 << 20):
                        spool.write(chunk)
                finally:
                    body.close()
            except (ClientError, BotoCoreError, BucketError) as exc:
                raise self._fail(exc, f"read {key}") from None
            spool.seek(0)
            yield cast(BinaryIO, spool)

    def get(self, key: str, byte_range: str | None = None) -> Fetched | None:
        """The object streamed (a Range passed through); None when it does not exist."""
        params: dict[str, Any] = {"Bucket": self.name, "Key": key}
        if byte_range:
            params["Range"] = byte_range
        try:
            got = self._s3.get_object(**params)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NoSuchBucket"):
                return None
            raise self._fail(exc, f"read {key}") from None
        except BotoCoreError as exc:
            raise self._fail(exc, f"read {key}") from None
        meta = got.get("ResponseMetadata", {})
        body = got["Body"]
        return Fetched(
            status=int(meta.get("HTTPStatusCode") or 200),
            headers={k.lower(): v for k, v in meta.get("HTTPHeaders", {}).items()},
            body=body.iter_chunks(_CHUNK),
            close=body.close,
        )

    def presign(self, key: str, seconds: int) -> str:
        """A URL that fetches the object without credentials for `seconds` (signing only, no request)."""
        url: str = self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.name, "Key": key}, ExpiresIn=seconds
        )
        return url
