"""The one HTTP client for every outgoing request: URL import now; S3, ML backends, LLMs and
webhooks later. Nothing else in Labelwise opens a connection to a URL a user gave.

Why the address check sits in the network backend: httpcore opens every connection through
`NetworkBackend.connect_tcp(host, port)`, with the host exactly as the URL parser left it.
`GuardedBackend` resolves that host once, checks every address (`storage.addresses`), and opens
the socket to one of those checked addresses itself. Checking and connecting are one step over one
resolution, so no resolver can answer differently in between (DNS rebinding), and no second URL
parser can read the host differently from the one that connects. The connection pool still sees
the original origin, so the Host header, the TLS server name and certificate verification stay with
the host name, and a pooled connection is reused only for the same name. Each connection of the
client passes there: the first request, every redirect hop, every request of `client()`.

Rewriting the URL to the vetted address and passing the name as `sni_hostname` was the other way;
it pools connections by address, so a TLS connection verified for one name could carry requests for
another name on the same address, and it has to rebuild IPv6 literals. httpx's `HTTPTransport`
takes no network backend, so `GuardedTransport` replaces its connection pool (`_pool`, the only
private attribute used here) and refuses to start when an httpx upgrade no longer has one.

Limits: one deadline per request (per `open_url` call, across its redirects) clamps every connect,
TLS handshake, read and write through a context variable, so a server that drips a byte a second
cannot stretch the time limit. Bodies are cut at `max_bytes`: Content-Length first, then counted
while streaming (raw bytes here, decoded bytes in `open_url`); a response in a content coding the
request did not offer is refused, so a small compressed body cannot expand past the count.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from labelwise.services.errors import Invalid
from labelwise.settings import Settings
from labelwise.storage.addresses import Allowlist, Refused, vet

CONNECT_TIMEOUT = 10.0
# Request extensions by which `open_url` hands one deadline and one size limit to every hop.
DEADLINE = "labelwise.deadline"
MAX_BYTES = "labelwise.max_bytes"

_deadline: ContextVar[float | None] = ContextVar("labelwise_fetch_deadline", default=None)


class FetchError(Invalid):
    """A URL that may not or could not be fetched; the API answers 400 naming the `url` field."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, {"url": [detail]})


@dataclass(frozen=True)
class Policy:
    allow: tuple[str, ...] = ()
    timeout: float = 30.0
    max_bytes: int = 1 << 30
    max_redirects: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        allow = tuple(h.strip() for h in settings.ssrf_allow_hosts.split(",") if h.strip())
        return cls(allow=allow, timeout=settings.fetch_timeout_seconds, max_bytes=settings.fetch_max_bytes)

    @property
    def allowlist(self) -> Allowlist:
        return Allowlist.parse(self.allow)


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[/\\]{2}")


def shown(url: object, limit: int = 120) -> str:
    """A URL fit for an error message: credentials cut, control characters masked, truncated.

    Works on text that does not parse as a URL too, since that is when messages are needed most:
    anything before an `@` ahead of the query goes, even if that also takes part of a path.
    """
    text = str(url)
    cut = min((i for i in (text.find("?"), text.find("#")) if i >= 0), default=len(text))
    if "@" in text[:cut]:
        scheme = _SCHEME.match(text)
        text = (scheme.group(0) if scheme else "") + "***@" + text[:cut].rsplit("@", 1)[1] + text[cut:]
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {shown(exc, 160)}" if str(exc) else type(exc).__name__


def _check_form(url: httpx.URL, text: str) -> None:
    """What can be refused before resolving anything; `text` is the URL as the user wrote it."""
    if url.scheme not in ("http", "https"):
        what = f"{url.scheme}: URLs" if url.scheme else "URLs without a scheme"
        raise FetchError(f"{shown(text)}: {what} cannot be fetched, only http and https")
    if not url.host:
        raise FetchError(f"{shown(text)}: the URL has no host")
    if url.port is not None and not 0 < url.port < 65536:
        raise FetchError(f"{shown(text)}: port {url.port} is out of range")


def _parse(url: str) -> httpx.URL:
    if not isinstance(url, str):
        raise FetchError(f"{shown(url)}: not a URL")
    try:
        parsed = httpx.URL(url)
    except Exception as exc:  # InvalidURL mostly; odd input can raise TypeError or ValueError
        raise FetchError(f"{shown(url)}: not a valid URL") from exc
    _check_form(parsed, url)
    return parsed


def check_url(url: str, policy: Policy) -> None:
    """Refuse `url` (FetchError) unless it could be fetched now: form, resolution, every address.

    For validating a URL when it is saved; fetching checks again at connect time, since the
    host's addresses may have changed by then.
    """
    parsed = _parse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        vet(parsed.raw_host.decode("ascii"), port, policy.allowlist)
    except (Refused, UnicodeDecodeError) as exc:
        raise FetchError(f"{shown(url)}: {exc}") from None


def _clamp(timeout: float | None, error: type[Exception]) -> float | None:
    """`timeout` shortened to what is left before the current request's deadline."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the time limit for the request was reached")
    return left if timeout is None else min(timeout, left)


class _TimedStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        clamped = _clamp(timeout, httpcore.ConnectTimeout)
        return _TimedStream(self.inner.start_tls(ssl_context, server_hostname, clamped))

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """Connects only to addresses it has just checked (see the module docstring)."""

    def __init__(self, allow: Allowlist) -> None:
        self.allow = allow
        self.inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        failure: Exception | None = None
        for ip in vet(host, port, self.allow):
            try:
                stream = self.inner.connect_tcp(
                    str(ip), port, _clamp(timeout, httpcore.ConnectTimeout), local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc  # try the host's next checked address, as create_connection would
                continue
            return _TimedStream(stream)
        assert failure is not None  # vet returns at least one address
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise Refused("connections to unix sockets are not allowed")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def _check_headers(request: httpx.Request, response: httpx.Response, limit: int) -> None:
    declared = response.headers.get("content-length", "").strip()
    if request.method != "HEAD" and declared.isdigit() and int(declared) > limit:
        raise FetchError(
            f"{shown(request.url)}: the response declares {int(declared)} bytes, more than the limit of {limit}"
        )
    offered = {c.split(";")[0].strip().lower() for c in request.headers.get("accept-encoding", "").split(",")}
    codings = [c.strip().lower() for c in response.headers.get("content-encoding", "").split(",")]
    unexpected = [c for c in codings if c and c != "identity" and c not in offered and "*" not in offered]
    if unexpected:
        raise FetchError(
            f"{shown(request.url)}: the response is encoded with {', '.join(unexpected)}, "
            "which the request did not accept"
        )


class _Body(httpx.SyncByteStream):
    """A response body read under its request's deadline and cut at the size limit."""

    def __init__(
        self, inner: httpx.SyncByteStream, request: httpx.Request, deadline: float, limit: int
    ) -> None:
        self.inner = inner
        self.request = request
        self.deadline = deadline
        self.limit = limit

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self.inner)
        seen = 0
        while True:
            if time.monotonic() >= self.deadline:
                raise httpx.ReadTimeout("the time limit for the request was reached", request=self.request)
            token = _deadline.set(self.deadline)
            try:
                chunk = next(chunks, None)
            finally:
                _deadline.reset(token)
            if chunk is None:
                return
            seen += len(chunk)
            if seen > self.limit:
                raise FetchError(f"{shown(self.request.url)}: the response is larger than {self.limit} bytes")
            yield chunk

    def close(self) -> None:
        self.inner.close()


class GuardedTransport(httpx.HTTPTransport):
    """http(s) only, every connection through `GuardedBackend`, deadline and size limit per request."""

    def __init__(self, policy: Policy) -> None:
        ssl_context = httpx.create_ssl_context()  # honours SSL_CERT_FILE / SSL_CERT_DIR for private CAs
        super().__init__(verify=ssl_context, retries=0)
        if not isinstance(getattr(self, "_pool", None), httpcore.ConnectionPool):
            raise RuntimeError(
                "httpx.HTTPTransport changed; the SSRF guard cannot install its network backend"
            )
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=20,
            max_keepalive_connections=10,
            keepalive_expiry=5.0,
            http1=True,
            http2=False,
            retries=0,
            network_backend=GuardedBackend(policy.allowlist),
        )
        self.policy = policy

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        _check_form(request.url, str(request.url))
        deadline = request.extensions.get(DEADLINE) or time.monotonic() + self.policy.timeout
        limit = request.extensions.get(MAX_BYTES)
        limit = self.policy.max_bytes if limit is None else limit
        token = _deadline.set(deadline)
        try:
            response = super().handle_request(request)
        except Refused as exc:
            raise FetchError(f"{shown(request.url)}: {exc}") from None
        finally:
            _deadline.reset(token)
        try:
            _check_headers(request, response, limit)
        except BaseException:
            response.close()
            raise
        assert isinstance(response.stream, httpx.SyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_Body(response.stream, request, deadline, limit),
            extensions=response.extensions,
        )


def _timeout(policy: Policy) -> httpx.Timeout:
    return httpx.Timeout(policy.timeout, connect=min(policy.timeout, CONNECT_TIMEOUT))


def client(
    policy: Policy,
    *,
    base_url: str = "",
    headers: Mapping[str, str] | None = None,
    auth: httpx.Auth | tuple[str, str] | None = None,
) -> httpx.Client:
    """A guarded httpx client: every request, and every redirect it follows, is checked like the
    first URL; each request has `policy.timeout` in all and at most `policy.max_bytes` of body.

    Redirects are not followed unless a call asks (`follow_redirects=True`), then at most
    `policy.max_redirects`. Responses are asked for without compression, so the size limit on the
    bytes received is the limit on the body; a caller who asks for gzip gets the raw count only.
    """
    return httpx.Client(
        transport=GuardedTransport(policy),
        trust_env=False,  # no proxies or .netrc from the environment: a proxy would bypass the guard
        timeout=_timeout(policy),
        follow_redirects=False,
        max_redirects=policy.max_redirects,
        headers={"Accept-Encoding": "identity", **(headers or {})},
        base_url=base_url,
        auth=auth,
    )


class Response:
    """An open response of `open_url`: status, headers, the final URL (without credentials) and a
    body cut at the size limit after decoding, so compressed bodies count at their real size."""

    def __init__(self, response: httpx.Response, max_bytes: int) -> None:
        self.status_code: int = response.status_code
        self.headers: httpx.Headers = response.headers
        self.url: str = str(response.url.copy_with(username=None, password=None))
        self.max_bytes = max_bytes
        self._response = response

    def iter_bytes(self) -> Iterator[bytes]:
        seen = 0
        try:
            for chunk in self._response.iter_bytes():
                seen += len(chunk)
                if seen > self.max_bytes:
                    raise FetchError(f"{shown(self.url)}: the response is larger than {self.max_bytes} bytes")
                yield chunk
        except httpx.TimeoutException as exc:
            raise FetchError(f"{shown(self.url)}: the download took longer than the time limit") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{shown(self.url)}: the download failed ({_describe(exc)})") from exc

    def read(self) -> bytes:
        return b"".join(self.iter_bytes())


def send(
    http: httpx.Client,
    request: httpx.Request,
    policy: Policy,
    *,
    auth: httpx.Auth | tuple[str, str] | None = None,
    label: str | None = None,
) -> httpx.Response:
    """Send one request of a `client()` and return its response with the body still to stream;
    redirects are not followed. Transport failures (refused address, no connection, time limit)
    are a FetchError naming `label` (default: the request's URL), so callers that speak another
    protocol over the guarded client (S3 through botocore) report them like a URL import."""
    where = shown(label if label is not None else request.url)
    try:
        return http.send(request, stream=True, auth=auth)
    except FetchError:
        raise
    except httpx.TimeoutException as exc:
        raise FetchError(f"{where}: no answer within the time limit of {policy.timeout:g} s") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"{where}: the request failed ({_describe(exc)})") from exc


def _origin(url: httpx.URL) -> tuple[str, bytes, int | None]:
    return url.scheme, url.raw_host, url.port


@contextmanager
def open_url(
    url: str,
    policy: Policy,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    json: Any = None,
    content: bytes | str | None = None,
    auth: httpx.Auth | tuple[str, str] | None = None,
    max_bytes: int | None = None,
) -> Iterator[Response]:
    """Send one request and yield its response, redirects followed here one hop at a time.

    Every hop is checked like the first URL (in the transport and at connect time); credentials go
    only to the first URL's origin; one deadline covers all hops and the body. A non-2xx answer is
    yielded like any other.
    """
    first = _parse(url)
    limit = policy.max_bytes if max_bytes is None else max_bytes
    deadline = time.monotonic() + policy.timeout
    with client(policy, headers={"Accept-Encoding": "gzip, deflate"}) as http:
        request = http.build_request(method, first, headers=headers, json=json, content=content)
        hops = 0
        while True:
            request.extensions = {**request.extensions, DEADLINE: deadline, MAX_BYTES: limit}
            try:
                response = send(
                    http,
                    request,
                    policy,
                    auth=auth if _origin(request.url) == _origin(first) else None,
                    label=url,
                )
            except FetchError as exc:
                if hops:
                    raise FetchError(f"{shown(url)}: redirected to {exc.detail}") from None
                raise
            if response.next_request is None:
                break
            response.close()
            hops += 1
            if hops > policy.max_redirects:
                raise FetchError(f"{shown(url)}: more than {policy.max_redirects} redirects")
            request = response.next_request
        try:
            yield Response(response, limit)
        finally:
            response.close()


def fetch_bytes(url: str, policy: Policy, **kwargs: Any) -> tuple[bytes, str | None, str]:
    """(body, content type, final URL) of a small document; a non-2xx answer is a FetchError."""
    with open_url(url, policy, **kwargs) as response:
        if not 200 <= response.status_code < 300:
            raise FetchError(f"{shown(url)}: the server answered {response.status_code}")
        return response.read(), response.headers.get("content-type"), response.url
