"""The guarded client against real HTTP servers on loopback addresses."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelwise.storage import fetch
from labelwise.storage.addresses import public
from labelwise.storage.fetch import FetchError, Policy


class _Handler(BaseHTTPRequestHandler):
    hosts_seen: list[str] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        type(self).hosts_seen.append(self.headers.get("Host", ""))
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", self.path.split("to=", 1)[1])
            self.end_headers()
            return
        if self.path == "/big-undeclared":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x" * 5000)
            return
        body = b'[{"text": "hello"}]'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _serve(address: str) -> Iterator[str]:
    server = ThreadingHTTPServer((address, 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://{address}:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def server() -> Iterator[str]:
    yield from _serve("127.0.0.2")


@pytest.fixture
def other() -> Iterator[str]:
    yield from _serve("127.0.0.1")


def test_loopback_is_refused_by_default(server: str) -> None:
    with pytest.raises(FetchError, match="internal address"):
        fetch.fetch_bytes(server + "/tasks.json", Policy())


def test_an_allowed_address_is_fetched_with_its_host_header(server: str) -> None:
    body, ctype, final = fetch.fetch_bytes(server + "/tasks.json", Policy(allow=("127.0.0.2",)))
    assert body == b'[{"text": "hello"}]' and ctype == "application/json" and final.endswith("/tasks.json")
    assert _Handler.hosts_seen[-1] == server.removeprefix("http://")


def test_allowed_by_cidr_and_by_name(server: str, other: str) -> None:
    assert fetch.fetch_bytes(server + "/t", Policy(allow=("127.0.0.0/30",)))[0]
    port = other.rsplit(":", 1)[1]
    policy = Policy(allow=("localhost",))
    assert fetch.fetch_bytes(f"http://localhost:{port}/t", policy)[0] == b'[{"text": "hello"}]'
    with pytest.raises(FetchError):  # the name is allowed, not the address behind other names
        fetch.fetch_bytes(other + "/t", policy)


def test_redirect_to_a_refused_address_is_refused(server: str, other: str) -> None:
    policy = Policy(allow=("127.0.0.2",))
    with pytest.raises(FetchError, match="internal address"):
        fetch.fetch_bytes(f"{server}/redirect?to={other}/tasks.json", policy)


def test_redirect_chain_is_limited(server: str) -> None:
    url = f"{server}/tasks.json"
    for _ in range(7):
        url = f"{server}/redirect?to={url}"
    with pytest.raises(FetchError, match="redirects"):
        fetch.fetch_bytes(url, Policy(allow=("127.0.0.2",), max_redirects=5))


def test_body_limits_declared_and_counted(server: str) -> None:
    policy = Policy(allow=("127.0.0.2",), max_bytes=10)
    with pytest.raises(FetchError, match="larger than 10 bytes"):
        fetch.fetch_bytes(server + "/tasks.json", policy)
    with pytest.raises(FetchError, match="larger than 10 bytes"):
        fetch.fetch_bytes(server + "/big-undeclared", policy)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://100.100.100.200/",
        "http://192.0.0.192/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://0.0.0.0/",
        "http://[::]/",
        "http://[64:ff9b::7f00:1]/",
        "http://[2002:7f00:1::]/",
        "http://localhost./",
    ],
)
def test_internal_addresses_and_numeric_tricks_are_refused(url: str) -> None:
    with pytest.raises(FetchError):
        fetch.check_url(url, Policy())


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://x/", "data:text/plain,hi", "//x/y", "x"]
)
def test_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(FetchError):
        fetch.check_url(url, Policy())


def test_credentials_in_urls_are_refused_and_never_echoed() -> None:
    with pytest.raises(FetchError) as err:
        fetch.check_url("http://user:s3cret@example.com/x", Policy())
    assert "s3cret" not in err.value.detail


def test_rebinding_connects_to_the_vetted_address(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A resolver that answers with the allowed address at the check and a refused one after:
    the connection must still go to the vetted address (the boundary we cannot run: DNS)."""
    port = int(server.rsplit(":", 1)[1])
    answers = iter(["127.0.0.2", "127.0.0.2"] + ["10.9.9.9"] * 10)  # check, then the transport's vet
    calls: list[str] = []
    real = socket.getaddrinfo

    def resolver(host: str, *args: object, **kwargs: object) -> list:  # type: ignore[type-arg]
        if host == "rebind.test":
            calls.append(host)
            addr = next(answers)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (addr, port))]
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    body, _, _ = fetch.fetch_bytes(f"http://rebind.test:{port}/t", Policy(allow=("127.0.0.2",)))
    assert body == b'[{"text": "hello"}]'
    assert _Handler.hosts_seen[-1] == f"rebind.test:{port}"
    assert len(calls) == 2  # the connection went to the vetted address, without resolving again


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_check_url_only_ever_refuses_with_fetch_error(text: str) -> None:
    for url in (text, "http://" + text, "https://" + text + "/x"):
        with contextlib.suppress(FetchError):
            fetch.check_url(url, Policy())


@given(st.ip_addresses())
def test_public_never_admits_an_internal_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    if public(ip):
        assert ip.is_global and not ip.is_private and not ip.is_loopback and not ip.is_link_local
