"""Media of a task as the browser loads it: every URL same-origin, plain http(s) URLs proxied.

Why: annotators should never need direct access to the store a task's media live in (a bucket, an
intranet host), and the page's Content-Security-Policy allows images and audio only from Labelwise's
own origin. So the editor payload rewrites each media URL of a task (`same_origin`) and the browser
asks Labelwise, which checks who asks and what is asked before it fetches anything:

- `/data/upload/...`, `/data/local-files/?d=...` and other same-origin paths stay as they are;
- `s3://bucket/key` goes to Label Studio's `/tasks/{id}/presign?fileuri=<base64>` (`api/presign.py`);
- `http(s)://...` goes to `/tasks/{id}/media?fileuri=<base64>` (`api/media_proxy.py`), which fetches
  through the SSRF-guarded client (`storage.fetch`) only a URL that the task's own data names under
  one of its config's media tags (never an open proxy), streams the body with a Range passed
  through, and serves it only as an image, audio or video type of `io.readers.media`'s table (HTML,
  SVG and anything else are refused, so a proxied URL cannot run script on Labelwise's origin).

The original URL stays in the task's data and in exports; only the editor's copy is rewritten. The
outgoing request carries nothing of the caller's (no cookie, no authorization, no client headers
other than a checked Range).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from labelwise import labeling
from labelwise.io.readers import media
from labelwise.services.errors import Invalid, NotFound, Upstream
from labelwise.settings import Settings
from labelwise.storage import fetch

# Object tags whose value is the URL of a media file the browser loads itself.
MEDIA_TAGS = frozenset({"Image", "Audio", "AudioPlus", "Video"})
RANGE = re.compile(r"bytes=(\d{1,19}-\d{0,19}|-\d{1,19})")
# Headers of the upstream answer a browser needs to play, seek and cache the file.
PASSED = ("content-length", "content-range", "etag", "last-modified", "accept-ranges")
SERVED = frozenset(media.CONTENT_TYPES.values())
# Statuses of the upstream answer passed on as they are; any other is a 502 naming it.
_OK = (200, 206)


def media_keys(schema: labeling.Schema) -> tuple[str, ...]:
    """The task-data keys (value and valueList) that hold media URLs under this config."""
    keys: list[str] = []
    for obj in schema.objects.values():
        if obj.tag in MEDIA_TAGS:
            keys.extend(k for k in (obj.value_key, obj.value_list_key) if k and k not in keys)
    return tuple(keys)


def encode(uri: str) -> str:
    """Label Studio's `fileuri`: the URI in URL-safe base64 (padding dropped, as LS does)."""
    return base64.urlsafe_b64encode(uri.encode("utf-8")).decode("ascii").rstrip("=")


def decode(fileuri: str) -> str:
    """The URI a `fileuri` names; 400 naming the field when it is not base64 of UTF-8 text."""
    padded = fileuri + "=" * (-len(fileuri) % 4)
    try:
        return base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (ValueError, UnicodeError):
        raise Invalid("fileuri: not a URI in URL-safe base64", {"fileuri": ["not base64"]}) from None


def same_origin(task_id: int, url: str) -> str:
    """The URL the browser should load for one media URL of task `task_id`."""
    lowered = url[:8].lower()
    if lowered.startswith(("http://", "https://")):
        return f"/tasks/{task_id}/media?fileuri={encode(url)}"
    if lowered.startswith("s3://"):
        return f"/tasks/{task_id}/presign?fileuri={encode(url)}"
    return url  # a same-origin path (uploads, local files), data: or a scheme nothing here can fetch


def _values(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        yield from (v for v in value if isinstance(v, str))


def rewrite(keys: Iterable[str], task_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """A copy of the task data with every media URL made same-origin (`data` is not changed)."""
    out = dict(data)
    for key in keys:
        value = out.get(key)
        if isinstance(value, str):
            out[key] = same_origin(task_id, value)
        elif isinstance(value, list):
            out[key] = [same_origin(task_id, v) if isinstance(v, str) else v for v in value]
    return out


def names(keys: Iterable[str], data: dict[str, Any], url: str) -> bool:
    """Whether the task data names `url` as one of its media URLs (what the proxy may fetch)."""
    return any(url == v for key in keys for v in _values(data.get(key)))


def check_url(url: str) -> None:
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise Invalid(
            "fileuri: only http and https media URLs are proxied", {"fileuri": ["not an http(s) URL"]}
        )


@dataclass
class Proxied:
    """An upstream answer ready to stream: status, the headers passed on, the body (closes when done)."""

    status: int
    media_type: str
    headers: dict[str, str]
    body: Iterator[bytes]
    close: Callable[[], None]


def _media_type(url: str, declared: str | None) -> str | None:
    """The type to serve the body as: the upstream's own when the table has it; for a generic
    `application/octet-stream` (or none), the type of the URL path's extension; else None."""
    base = (declared or "").split(";", 1)[0].strip().lower()
    if base in SERVED:
        return base
    if base in ("", "application/octet-stream", "binary/octet-stream"):
        return media.content_type(urlsplit(url).path)
    return None


def open_media(settings: Settings, url: str, byte_range: str | None) -> Proxied:
    """Fetch `url` through the guarded client and hand back its body to stream.

    Raises FetchError (400: the address is refused, the host does not answer, the time limit),
    NotFound (the upstream has no such file) or Upstream (502: another error status, or a content
    type that is not media, such as HTML or SVG).
    """
    policy = fetch.Policy.from_settings(settings)
    headers = {"Accept-Encoding": "identity", "Accept": "image/*, audio/*, video/*"}
    if byte_range and RANGE.fullmatch(byte_range.strip()):
        headers["Range"] = byte_range.strip()
    stack = ExitStack()
    try:
        response = stack.enter_context(fetch.open_url(url, policy, headers=headers))
        shown = fetch.shown(url)
        if response.status_code in (404, 410):
            raise NotFound(f"{shown}: the media server has no such file ({response.status_code})")
        if response.status_code == 416:
            return Proxied(416, "text/plain", _passed(response.headers), iter(()), stack.close)
        if response.status_code not in _OK:
            raise Upstream(f"{shown}: the media server answered {response.status_code}")
        declared = response.headers.get("content-type")
        media_type = _media_type(response.url, declared)
        if media_type is None:
            raise Upstream(
                f"{shown}: the media server sent {declared or 'no content type'}, "
                "not an image, audio or video type, so it is not shown"
            )
    except BaseException:
        stack.close()
        raise
    return Proxied(
        response.status_code, media_type, _passed(response.headers), response.iter_bytes(), stack.close
    )


def _passed(headers: Any) -> dict[str, str]:
    return {k: headers[k] for k in PASSED if k in headers}
