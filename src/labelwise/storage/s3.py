"""S3-compatible storage: Label Studio's `s3` import storages, synced like every storage type.

A sync lists the bucket under the prefix (a folder: `photos` lists `photos/...`; without
`recursive_scan` only its direct objects) and imports the objects it has not synced before
(`storage.sync`). A media object's task holds `s3://bucket/key`, as Label Studio stores it, so
exports match; browsers reach it through `/tasks/{id}/presign/?fileuri=`, which redirects to a
presigned URL or, when `presign` is off, streams the bytes through Labelwise (`api.presign`).
`regex_filter` matches the whole key from its start, as in Label Studio.

The keys live in the storage's `settings`. `aws_secret_access_key` and `aws_session_token` are
write-only: never in a response, kept when an update sends them as null, cleared by "". The
endpoint is checked like any URL Labelwise fetches (`storage.fetch`) when it is saved, and again
at every connection.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import unquote

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.db.models import Storage
from labelwise.services import checks
from labelwise.services.errors import Invalid
from labelwise.settings import Settings
from labelwise.storage import buckets, fetch
from labelwise.storage.sync import COMMON_FIELDS, Kind, apply_common

TYPE = "s3"
SCHEME = "s3://"
SECRETS = ("aws_secret_access_key", "aws_session_token")
TEXTS = {  # settings kept as text, with their length limits
    "prefix": 1024,
    "region_name": 64,
    "s3_endpoint": 2000,
    "aws_access_key_id": 256,
    "aws_secret_access_key": 1024,
    "aws_session_token": 8192,
    "aws_sse_kms_key_id": 2048,
}
# What reaching the bucket depends on: a change to any of them is checked against the bucket.
CONNECTION = ("bucket", "prefix", "region_name", "s3_endpoint", "aws_access_key_id", *SECRETS)
FIELDS = ("bucket", *TEXTS, "presign", "presign_ttl", *COMMON_FIELDS)
MAX_TTL_MINUTES = 7 * 24 * 60  # the longest a SigV4 presigned URL may live
_REGION = re.compile(r"[a-z0-9-]*")


def connection(storage: Storage) -> buckets.Connection:
    s = storage.settings
    return buckets.Connection(
        bucket=s.get("bucket", ""),
        endpoint=s.get("s3_endpoint", ""),
        region=s.get("region_name", ""),
        access_key_id=s.get("aws_access_key_id", ""),
        secret_access_key=s.get("aws_secret_access_key", ""),
        session_token=s.get("aws_session_token", ""),
    )


def bucket(settings: Settings, storage: Storage) -> buckets.Bucket:
    return buckets.Bucket(connection(storage), fetch.Policy.from_settings(settings))


def folder(values: dict[str, Any]) -> str:
    """The key prefix settings cover: `prefix/` (Label Studio treats a prefix as a folder), or ""."""
    prefix = values.get("prefix") or ""
    return prefix.rstrip("/") + "/" if prefix else ""


# -- create, update --------------------------------------------------------------------------------


def _ttl(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TTL_MINUTES:
        raise Invalid(
            f"presign_ttl must be a whole number of minutes from 1 to {MAX_TTL_MINUTES}",
            {"presign_ttl": ["out of range"]},
        )
    return value


def _merged(current: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The settings after `data`: texts checked, secrets kept when sent as null."""
    merged = dict(current)
    if "bucket" in data:
        merged["bucket"] = buckets.check_name(data["bucket"])
    elif "bucket" not in merged:
        buckets.check_name(None)
    for key, limit in TEXTS.items():
        if key not in data or (data[key] is None and key in SECRETS):
            continue
        merged[key] = checks.text(data[key] or "", key, limit).strip()
    merged["prefix"] = merged.get("prefix", "").lstrip("/")
    if not _REGION.fullmatch(merged.get("region_name", "")):
        raise Invalid(
            "region_name: letters, digits and dashes only, like us-east-1", {"region_name": ["invalid"]}
        )
    if "presign" in data or "presign" not in merged:
        merged["presign"] = checks.flag(data, "presign", default=True)
    if data.get("presign_ttl") is not None:
        merged["presign_ttl"] = _ttl(data["presign_ttl"])
    merged.setdefault("presign_ttl", 1)
    key_id, secret = merged.get("aws_access_key_id", ""), merged.get("aws_secret_access_key", "")
    if bool(key_id) != bool(secret):
        missing = "aws_secret_access_key" if key_id else "aws_access_key_id"
        raise Invalid(
            f"{missing}: give the access key id and the secret access key together", {missing: ["required"]}
        )
    if merged.get("aws_session_token") and not key_id:
        raise Invalid(
            "aws_session_token: goes with an access key id and secret", {"aws_session_token": ["unused"]}
        )
    return merged


def _check_endpoint(settings: Settings, endpoint: str) -> None:
    if not endpoint:
        return
    try:
        fetch.check_url(endpoint, fetch.Policy.from_settings(settings))
    except fetch.FetchError as exc:
        raise Invalid(f"s3_endpoint: {exc.detail}", {"s3_endpoint": [exc.detail]}) from None


def _apply(settings: Settings, storage: Storage, data: dict[str, Any], synced: bool) -> None:
    current = dict(storage.settings)
    merged = _merged(current, data)
    if synced and (merged["bucket"], folder(merged)) != (current.get("bucket"), folder(current)):
        raise Invalid(
            "bucket: this storage has synced objects from its bucket and prefix already; "
            "create another storage to read another place",
            {"bucket": ["cannot change after a sync"]},
        )
    changed = not current or any(merged.get(k) != current.get(k) for k in CONNECTION)
    apply_common(storage, data)
    storage.settings = merged
    if changed:
        _check_endpoint(settings, merged.get("s3_endpoint", ""))
        bucket(settings, storage).check(merged.get("prefix", ""))


def public(storage: Storage) -> dict[str, Any]:
    """The type's fields in a response: the settings without their secrets."""
    s = storage.settings
    out: dict[str, Any] = {
        "bucket": s.get("bucket"),
        "prefix": s.get("prefix") or None,
        "region_name": s.get("region_name") or None,
        "s3_endpoint": s.get("s3_endpoint") or None,
        "aws_access_key_id": s.get("aws_access_key_id") or None,
        "aws_sse_kms_key_id": s.get("aws_sse_kms_key_id") or None,
        "presign": bool(s.get("presign", True)),
        "presign_ttl": int(s.get("presign_ttl", 1)),
    }
    out.update(dict.fromkeys(SECRETS))
    return out


# -- sync ------------------------------------------------------------------------------------------


class _Objects:
    """The bucket under the storage's prefix as a sync source."""

    match_names = False

    def __init__(self, settings: Settings, storage: Storage) -> None:
        self.bucket = bucket(settings, storage)
        self.prefix = storage.settings.get("prefix", "")
        self.recursive = storage.recursive_scan

    def entries(self) -> Iterator[buckets.Listed]:
        return self.bucket.objects(self.prefix, self.recursive)

    def media_url(self, key: str) -> str:
        return f"{SCHEME}{self.bucket.name}/{key}"

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        with self.bucket.spooled(key) as spool:
            yield spool


KIND = Kind(TYPE, "S3 storage", FIELDS, _apply, _Objects, {"use_blob_urls": False, "recursive_scan": False})


# -- serving ---------------------------------------------------------------------------------------


def decode_uri(fileuri: str) -> str:
    """Label Studio's `fileuri`: the URI in URL-safe base64, or (older clients) the URI itself."""
    if fileuri.startswith(SCHEME) or "://" in unquote(fileuri)[:16]:
        return unquote(fileuri)
    padded = fileuri + "=" * (-len(fileuri) % 4)
    try:
        return base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        return unquote(fileuri)


@dataclass(frozen=True)
class Located:
    """An object a `s3://bucket/key` URI names, in a storage that covers it."""

    storage: Storage
    key: str


def locate(db: Session, project_id: int, uri: str) -> Located | None:
    """The first S3 storage of the project whose bucket and prefix hold the URI's object.

    Only those: the endpoint is no open proxy to other buckets, or to keys outside the prefix.
    """
    if not uri.startswith(SCHEME):
        return None
    name, _, key = uri[len(SCHEME) :].partition("/")
    if not name or not key or key.endswith("/") or "\x00" in key or len(key) > 1024:
        return None
    if any(part in (".", "..") for part in key.split("/")):
        # S3 itself keeps such keys literally, but a server or proxy on the way may normalize
        # `prefix/../other` to `other`, outside the prefix that was checked.
        return None
    storages = db.scalars(
        select(Storage).where(Storage.project_id == project_id, Storage.type == TYPE).order_by(Storage.id)
    )
    for storage in storages:
        if storage.settings.get("bucket") == name and key.startswith(folder(storage.settings)):
            return Located(storage, key)
    return None


def presigned_url(settings: Settings, found: Located) -> str:
    ttl = int(found.storage.settings.get("presign_ttl", 1))
    return bucket(settings, found.storage).presign(found.key, ttl * 60)


def fetch_object(settings: Settings, found: Located, byte_range: str | None) -> buckets.Fetched | None:
    return bucket(settings, found.storage).get(found.key, byte_range)
