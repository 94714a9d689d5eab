"""The one HTTP client for every outgoing request: URL import now; S3, ML backends, LLMs and
webhooks later.

Every request, and every redirect hop, is vetted by `GuardedTransport`: http(s) only, no
credentials in the URL, the host resolved and every address it resolves to checked
(`storage.addresses`). The connection is then made to the vetted address itself, with the
original Host header and TLS server name, so a resolver that answers differently a moment later
(DNS rebinding) cannot redirect it. Size and time limits are enforced while the body streams.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from labelwise.services.errors import Invalid
from labelwise.settings import Settings
from labelwise.storage.addresses import IP, Allowlist, public

CHUNK = 1 << 16


class FetchError(Invalid):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, {"url": [detail]})


def shown(url: object) -> str:
    """A URL fit for an error message: no credentials, at most 120 characters."""
    text = str(url)
    try:
        parsed = httpx.URL(text)
        if parsed.userinfo:
            text = str(parsed.copy_with(username=None, password=None))
    except (httpx.InvalidURL, TypeError, ValueError):
        pass
    return text if len(text) <= 120 else text[:117] + "..."


@dataclass(frozen=True)
class Policy:
    allow: tuple[str, ...] = ()
    timeout: float = 30.0
    max_bytes: int = 1 << 30
    max_redirects: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        allow = tuple(h for h in settings.ssrf_allow_hosts.split(",") if h.strip())
        return cls(allow, settings.fetch_timeout_seconds, settings.fetch_max_bytes)


def _resolve(host: str, port: int) -> list[IP]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise FetchError(f"cannot resolve host {host[:80]!r}") from exc
    out: list[IP] = []
    for info in infos:
        addr = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 zone index
        ip = ipaddress.ip_address(addr)
        if ip not in out:
            out.append(ip)
    return out


def vet(url: httpx.URL, policy: Policy) -> IP:
    """The address to connect to for `url`, or FetchError saying why not."""
    if url.scheme not in ("http", "https"):
        raise FetchError(f"{shown(url)}: only http and https URLs can be fetched")
    if url.userinfo:
        raise FetchError(f"{shown(url)}: credentials in the URL are not accepted")
    host = url.host
    if not host:
        raise FetchError(f"{shown(url)}: the URL has no host")
    allow = Allowlist.parse(policy.allow)
    port = url.port or (443 if url.scheme == "https" else 80)
    addresses = _resolve(host, port)
    if not addresses:
        raise FetchError(f"cannot resolve host {host[:80]!r}")
    if allow.allows_name(host):
        return addresses[0]
    for ip in addresses:
        if not public(ip) and not allow.allows(ip):
            raise FetchError(
                f"{shown(url)}: {host[:80]} resolves to a private, loopback, link-local or otherwise "
                "internal address; an admin can allow it with LABELWISE_SSRF_ALLOW_HOSTS"
            )
    return addresses[0]


def check_url(url: str, policy: Policy) -> None:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FetchError(f"{shown(url)}: not a valid URL") from exc
    vet(parsed, policy)


class GuardedTransport(httpx.BaseTransport):
    """Vets each request and connects to the vetted address (see the module docstring)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.inner = httpx.HTTPTransport(retries=0)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        ip = vet(request.url, self.policy)
        pinned = request.url.copy_with(host=str(ip))
        extensions = dict(request.extensions)
        if request.url.scheme == "https":
            extensions["sni_hostname"] = request.url.host
        headers = httpx.Headers(request.headers)
        headers["host"] = request.url.netloc.decode("ascii")
        forwarded = httpx.Request(
            request.method, pinned, headers=headers, stream=request.stream, extensions=extensions
        )
        return self.inner.handle_request(forwarded)

    def close(self) -> None:
        self.inner.close()


def client(policy: Policy, **kwargs: Any) -> httpx.Client:
    """A client whose every request and redirect goes through the guard."""
    kwargs.setdefault("timeout", httpx.Timeout(policy.timeout, connect=min(policy.timeout, 10.0)))
    kwargs.setdefault("max_redirects", policy.max_redirects)
    return httpx.Client(transport=GuardedTransport(policy), trust_env=False, **kwargs)


class Download:
    """A streaming response whose body is cut at the policy's size and time limits."""

    def __init__(self, response: httpx.Response, policy: Policy, max_bytes: int, deadline: float) -> None:
        self.response = response
        self.policy = policy
        self.max_bytes = max_bytes
        self.deadline = deadline
        self.status_code = response.status_code
        self.headers = response.headers
        self.url = str(response.url)

    def iter_bytes(self) -> Iterator[bytes]:
        declared = self.response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(f"{shown(self.url)}: the file is larger than {self.max_bytes} bytes")
        seen = 0
        for chunk in self.response.iter_bytes(CHUNK):
            seen += len(chunk)
            if seen > self.max_bytes:
                raise FetchError(f"{shown(self.url)}: the file is larger than {self.max_bytes} bytes")
            if time.monotonic() > self.deadline:
                raise FetchError(
                    f"{shown(self.url)}: the download took longer than {self.policy.timeout:g} s"
                )
            yield chunk


@contextmanager
def open_url(
    url: str, policy: Policy, *, method: str = "GET", max_bytes: int | None = None, **kwargs: Any
) -> Iterator[Download]:
    check_url(url, policy)
    deadline = time.monotonic() + policy.timeout
    with client(policy, follow_redirects=True) as http:
        try:
            with http.stream(method, url, **kwargs) as response:
                yield Download(response, policy, max_bytes or policy.max_bytes, deadline)
        except httpx.TooManyRedirects as exc:
            raise FetchError(f"{shown(url)}: more than {policy.max_redirects} redirects") from exc
        except httpx.TimeoutException as exc:
            raise FetchError(f"{shown(url)}: timed out after {policy.timeout:g} s") from exc
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise FetchError(f"{shown(url)}: a redirect led to an invalid or unsupported URL") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{shown(url)}: {type(exc).__name__}") from exc


def fetch_bytes(url: str, policy: Policy, **kwargs: Any) -> tuple[bytes, str | None, str]:
    with open_url(url, policy, **kwargs) as download:
        if not 200 <= download.status_code < 300:
            raise FetchError(f"{shown(url)}: the server answered {download.status_code}")
        body = b"".join(download.iter_bytes())
        return body, download.headers.get("content-type"), download.url
