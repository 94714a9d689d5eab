"""The guarded client against real HTTP(S) servers on loopback addresses.

Loopback is what the guard refuses by default, so each test that must reach a server allows exactly
that server's address (or name) and nothing else; the whole of 127/8 answers on Linux, so a second
server on 127.0.0.1 or 127.0.0.3 stands for "an internal service" that must never be reached.
"""

from __future__ import annotations

import gzip
import ipaddress
import json
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelwise.services.errors import Invalid
from labelwise.settings import Settings
from labelwise.storage import fetch
from labelwise.storage.addresses import Allowlist, Refused, judge
from labelwise.storage.fetch import FetchError, Policy

JSON_BODY = b'[{"text": "hello"}]'


@dataclass
class Seen:
    method: str
    path: str
    host: str
    authorization: str | None
    body: bytes


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    seen: list[Seen]
    sni: list[str | None]
    stopping: threading.Event

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that give up (limits, timeouts) are the point of these tests


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        fields = {"Content-Length": str(len(body))} | {k.replace("_", "-"): v for k, v in headers.items()}
        for name, value in fields.items():
            if value:  # an empty value leaves the header out
                self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append(
            Seen(
                self.command, self.path, self.headers.get("Host", ""), self.headers.get("Authorization"), body
            )
        )
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        n = int(query.get("n", "5000"))
        if parts.path == "/redirect":
            self._send(int(query.get("code", "302")), b"", Location=query["to"])
        elif parts.path == "/json":
            self._send(200, JSON_BODY, Content_Type="application/json")
        elif parts.path == "/echo":
            echo = {"method": self.command, "body": body.decode(), "auth": self.headers.get("Authorization")}
            self._send(200, json.dumps(echo).encode(), Content_Type="application/json")
        elif parts.path == "/status":
            self._send(int(query["code"]), b"nope")
        elif parts.path == "/declared":
            self._send(200, b"x" * n)
        elif parts.path == "/undeclared":  # no Content-Length: the body ends when the connection does
            self._send(200, b"x" * n, Content_Length="", Connection="close")
            self.close_connection = True
        elif parts.path == "/chunked":
            self._send(200, b"", Content_Length="", Transfer_Encoding="chunked")
            for _ in range(n // 1000):
                self.wfile.write(b"3e8\r\n" + b"x" * 1000 + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif parts.path == "/lying":  # declares 5 bytes, sends many more
            self._send(200, b"x" * n, Content_Length="5", Connection="close")
            self.close_connection = True
        elif parts.path == "/gzip":  # small on the wire, large once decoded; sent whatever was asked
            self._send(200, gzip.compress(b"0" * n), Content_Encoding="gzip")
        elif parts.path == "/sleep":
            self.server.stopping.wait(float(query["s"]))
            self._send(200, b"late")
        elif parts.path == "/drip":  # headers at once, then a byte every 50 ms
            self._send(200, b"", Content_Length="", Connection="close")
            self.close_connection = True
            for _ in range(n):
                if self.server.stopping.wait(0.05):
                    break
                self.wfile.write(b"x")
                self.wfile.flush()
        else:
            self._send(404, b"")

    do_GET = do_POST = do_HEAD = _handle


class Server:
    """A real HTTP(S) server on one loopback address that records every request it receives."""

    def __init__(self, address: str, port: int = 0, tls: tuple[Path, Path] | None = None) -> None:
        server_class = type(
            "S", (_Server,), {"address_family": socket.AF_INET6 if ":" in address else socket.AF_INET}
        )
        self.httpd: _Server = server_class((address, port), _Handler)
        self.httpd.seen, self.httpd.sni, self.httpd.stopping = [], [], threading.Event()
        if tls is not None:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(*tls)
            ctx.sni_callback = lambda _sock, name, _ctx: self.httpd.sni.append(name)
            self.httpd.socket = ctx.wrap_socket(
                self.httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self.port: int = self.httpd.server_address[1]
        host = f"[{address}]" if ":" in address else address
        self.url = f"{'https' if tls else 'http'}://{host}:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def seen(self) -> list[Seen]:
        return self.httpd.seen

    def stop(self) -> None:
        self.httpd.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def start() -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def _start(address: str = "127.0.0.2", port: int = 0, tls: tuple[Path, Path] | None = None) -> Server:
        servers.append(Server(address, port, tls))
        return servers[-1]

    yield _start
    for server in servers:
        server.stop()


@pytest.fixture
def server(start: Callable[..., Server]) -> Server:
    return start("127.0.0.2")


@pytest.fixture
def internal(start: Callable[..., Server]) -> Server:
    """The service that must stay out of reach."""
    return start("127.0.0.1")


ALLOW = Policy(allow=("127.0.0.2",))


# --- addresses ----------------------------------------------------------------------------------


def test_loopback_is_refused_by_default(server: Server) -> None:
    with pytest.raises(FetchError, match=r"127\.0\.0\.2 is a loopback address") as err:
        fetch.fetch_bytes(server.url + "/json", Policy())
    assert server.seen == []
    assert isinstance(err.value, Invalid) and err.value.errors == {"url": [err.value.detail]}


def test_allowed_by_address_keeps_the_host_header(server: Server) -> None:
    body, ctype, final = fetch.fetch_bytes(server.url + "/json", ALLOW)
    assert (body, ctype, final) == (JSON_BODY, "application/json", server.url + "/json")
    assert server.seen[-1].host == f"127.0.0.2:{server.port}"


def test_allowed_by_cidr(server: Server) -> None:
    assert fetch.fetch_bytes(server.url + "/json", Policy(allow=("127.0.0.0/30",)))[0] == JSON_BODY
    with pytest.raises(FetchError, match="loopback"):
        fetch.fetch_bytes(server.url + "/json", Policy(allow=("127.0.0.0/31",)))


def test_allowed_by_host_name_only_for_that_name(internal: Server) -> None:
    policy = Policy(allow=(" LocalHost ",))
    body, _, _ = fetch.fetch_bytes(f"http://localhost:{internal.port}/json", policy)
    assert body == JSON_BODY and internal.seen[-1].host == f"localhost:{internal.port}"
    with pytest.raises(FetchError, match="loopback"):  # the name is allowed, not its address
        fetch.fetch_bytes(internal.url + "/json", policy)


def test_settings_make_the_policy() -> None:
    settings = Settings(
        ssrf_allow_hosts=" ml-backend, 10.0.0.0/8 ,,", fetch_timeout_seconds=5, fetch_max_bytes=99
    )
    assert Policy.from_settings(settings) == Policy(("ml-backend", "10.0.0.0/8"), 5.0, 99, 5)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://2130706433/",  # decimal
        "http://0x7f000001/",  # hex
        "http://0x7f.0x0.0x0.0x1/",
        "http://0177.0.0.1/",  # octal (httpx refuses it as a URL)
        "http://127.000.000.001/",
        "http://127.1/",  # short forms
        "http://127.0.1/",
        "http://127.0.0.1./",  # trailing dot
        "http://localhost./",
        "http://localhost/",
        "http://LOCALHOST:8080/",
        "http://0/",
        "http://0.0.0.0/",
        "http://[::]/",
        "http://[::1]/",
        "http://[0:0:0:0:0:0:0:1]/",
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
        "http://[::ffff:7f00:1]/",
        "http://[::127.0.0.1]/",  # IPv4-compatible
        "http://[64:ff9b::127.0.0.1]/",  # NAT64
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of the metadata address
        "http://[2002:7f00:1::]/",  # 6to4
        "http://[::1%25lo]/",  # zone index
        "http://%31%32%37.0.0.1/",  # percent-encoded host
        "http://allowed.example@127.0.0.1/",  # userinfo trick
        "http://allowed.example:pw@127.0.0.1:80/",
        "http://169.254.169.254/latest/meta-data/",
        "http://2852039166/",  # 169.254.169.254 in decimal
        "http://[fd00:ec2::254]/",
        "http://100.100.100.200/",
        "http://192.0.0.192/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",  # shared address space
        "http://169.254.1.1/",
        "http://224.0.0.1/",  # multicast
        "http://255.255.255.255/",
        "http://240.0.0.1/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[ff02::1]/",
        "http://[fec0::1]/",
        "http://[2001:db8::1]/",
        "http://999999999999/",
    ],
)
def test_internal_addresses_and_numeric_tricks_are_refused(url: str) -> None:
    with pytest.raises(FetchError):
        fetch.check_url(url, Policy())


@pytest.mark.parametrize(
    "url",
    [
        "http://8.8.8.8/",
        "https://1.1.1.1:8443/x",
        "http://[2606:4700::1111]/",
        "http://[::ffff:8.8.8.8]/",
        "http://[64:ff9b::808:808]/",
        "http://134744072/",  # 8.8.8.8 in decimal: numeric forms are judged, not banned
    ],
)
def test_public_addresses_pass_the_check(url: str) -> None:
    fetch.check_url(url, Policy())


def test_one_internal_answer_among_public_ones_refuses_the_host() -> None:
    public, private = ipaddress.ip_address("8.8.8.8"), ipaddress.ip_address("10.1.2.3")
    judge("mixed.example", [public], Allowlist())
    with pytest.raises(Refused, match=r"mixed.example resolves to 10.1.2.3, a private address"):
        judge("mixed.example", [public, private], Allowlist())
    judge("mixed.example", [public, private], Allowlist.parse(("10.0.0.0/8",)))
    judge("mixed.example", [public, private], Allowlist.parse(("MIXED.example.",)))


def test_an_allowed_mapped_address_is_allowed_in_its_ipv6_forms() -> None:
    allow = Allowlist.parse(("127.0.0.2",))
    assert allow.allows(ipaddress.ip_address("::ffff:127.0.0.2"))
    assert not allow.allows(ipaddress.ip_address("::ffff:127.0.0.1"))


def test_ipv6_loopback_server(start: Callable[..., Server]) -> None:
    try:
        v6 = start("::1")
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with pytest.raises(FetchError, match="::1 is a loopback address"):
        fetch.fetch_bytes(v6.url + "/json", Policy())
    assert fetch.fetch_bytes(v6.url + "/json", Policy(allow=("[::1]",)))[0] == JSON_BODY
    assert v6.seen[-1].host == f"[::1]:{v6.port}"


# --- schemes and messages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/x",
        "gopher://example.com:70/_x",
        "data:text/plain,hi",
        "jar:http://example.com!/x",
        "javascript:alert(1)",
        "//example.com/x",
        "example.com/x",
        "",
        "http://",
        "http:///x",
        "http://example.com:99999/",
    ],
)
def test_other_schemes_and_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(FetchError) as err:
        fetch.check_url(url, Policy())
    assert err.value.detail.startswith(fetch.shown(url))


def test_messages_never_echo_credentials_and_stay_short() -> None:
    for url in ("http://user:s3cret@127.0.0.1/x", "ftp://user:s3cret@example.com/", "http://u:s3cret@[bad/"):
        with pytest.raises(FetchError) as err:
            fetch.check_url(url, Policy())
        assert "s3cret" not in err.value.detail and "s3cret" not in str(err.value.errors)
    with pytest.raises(FetchError) as err:
        fetch.check_url("gopher://example.com/" + "a" * 5000, Policy())
    assert len(err.value.detail) < 200


def test_credentials_go_to_the_first_origin_only(server: Server, start: Callable[..., Server]) -> None:
    other = start("127.0.0.3")
    policy = Policy(allow=("127.0.0.2", "127.0.0.3"))
    url = f"http://user:pw@127.0.0.2:{server.port}/redirect?to={other.url}/json"
    body, _, final = fetch.fetch_bytes(url, policy)
    assert body == JSON_BODY and final == other.url + "/json"
    assert server.seen[-1].authorization and server.seen[-1].authorization.startswith("Basic ")
    assert other.seen[-1].authorization is None
    fetch.fetch_bytes(f"{server.url}/redirect?to={other.url}/json", policy, auth=("user", "pw"))
    assert server.seen[-1].authorization and other.seen[-1].authorization is None


# --- redirects ----------------------------------------------------------------------------------


def test_redirect_from_an_allowed_server_to_a_refused_address_is_refused(
    server: Server, internal: Server
) -> None:
    with pytest.raises(FetchError, match=r"redirected to .*127.0.0.1 is a loopback address"):
        fetch.fetch_bytes(f"{server.url}/redirect?to={internal.url}/json", ALLOW)
    assert internal.seen == [] and len(server.seen) == 1


@pytest.mark.parametrize(
    "target",
    [
        "http://localhost:{port}/json",
        "http://2130706433:{port}/json",
        "http://[::ffff:127.0.0.1]:{port}/json",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "gopher://127.0.0.2:{port}/x",
    ],
)
def test_every_hop_is_checked_like_the_first(server: Server, internal: Server, target: str) -> None:
    for code in (301, 302, 303, 307, 308):
        with pytest.raises(FetchError, match="redirected to"):
            fetch.fetch_bytes(
                f"{server.url}/redirect?code={code}&to={target.format(port=internal.port)}", ALLOW
            )
    assert internal.seen == []


def test_relative_redirects_are_followed(server: Server) -> None:
    body, _, final = fetch.fetch_bytes(f"{server.url}/redirect?to=/json", ALLOW)
    assert body == JSON_BODY and final == server.url + "/json"


def test_redirect_chain_is_limited(server: Server) -> None:
    def chain(hops: int) -> str:
        url = f"{server.url}/json"
        for _ in range(hops):
            url = str(httpx.URL(f"{server.url}/redirect", params={"to": url}))
        return url

    policy = Policy(allow=("127.0.0.2",), max_redirects=5)
    assert fetch.fetch_bytes(chain(5), policy)[0] == JSON_BODY
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch.fetch_bytes(chain(6), policy)
    with pytest.raises(FetchError, match="more than 0 redirects"):
        fetch.fetch_bytes(chain(1), Policy(allow=("127.0.0.2",), max_redirects=0))


def test_a_post_is_sent_and_its_status_yielded(server: Server) -> None:
    with fetch.open_url(server.url + "/echo", ALLOW, method="POST", json={"a": 1}) as response:
        assert response.status_code == 200
        assert json.loads(response.read())["body"] == '{"a":1}'
    with fetch.open_url(server.url + "/status?code=404", ALLOW) as response:
        assert response.status_code == 404 and response.read() == b"nope"
    with pytest.raises(FetchError, match="answered 404"):
        fetch.fetch_bytes(server.url + "/status?code=404", ALLOW)


# --- limits -------------------------------------------------------------------------------------


def test_body_limit_by_content_length_before_reading(server: Server) -> None:
    with pytest.raises(FetchError, match="declares 5000 bytes, more than the limit of 10"):
        fetch.fetch_bytes(server.url + "/declared?n=5000", Policy(allow=("127.0.0.2",), max_bytes=10))
    assert (
        fetch.fetch_bytes(server.url + "/declared?n=10", Policy(allow=("127.0.0.2",), max_bytes=10))[0]
        == b"x" * 10
    )


@pytest.mark.parametrize("path", ["/undeclared?n=300000", "/chunked?n=300000"])
def test_body_limit_by_counting_when_no_length_is_declared(server: Server, path: str) -> None:
    with pytest.raises(FetchError, match="larger than 100000 bytes"):
        fetch.fetch_bytes(server.url + path, Policy(allow=("127.0.0.2",), max_bytes=100_000))
    assert len(fetch.fetch_bytes(server.url + path, ALLOW)[0]) == 300_000


def test_a_lying_content_length_never_yields_more_than_it_declared(server: Server) -> None:
    assert (
        fetch.fetch_bytes(server.url + "/lying?n=100000", Policy(allow=("127.0.0.2",), max_bytes=10))[0]
        == b"xxxxx"
    )


def test_the_limit_counts_decoded_bytes(server: Server) -> None:
    with pytest.raises(FetchError, match="larger than 100000 bytes"):
        fetch.fetch_bytes(server.url + "/gzip?n=1000000", Policy(allow=("127.0.0.2",), max_bytes=100_000))
    assert fetch.fetch_bytes(server.url + "/gzip?n=1000", ALLOW)[0] == b"0" * 1000


def test_the_limit_can_be_set_per_call(server: Server) -> None:
    with pytest.raises(FetchError, match="larger than 100 bytes"):
        fetch.fetch_bytes(server.url + "/undeclared?n=5000", ALLOW, max_bytes=100)
    with fetch.open_url(server.url + "/declared?n=5000", ALLOW, max_bytes=5000) as response:
        assert len(response.read()) == 5000


def test_a_server_that_does_not_answer_times_out(server: Server) -> None:
    began = time.monotonic()
    with pytest.raises(FetchError, match=r"time limit of 0\.5 s"):
        fetch.fetch_bytes(server.url + "/sleep?s=10", Policy(allow=("127.0.0.2",), timeout=0.5))
    assert time.monotonic() - began < 2


def test_a_dripping_server_cannot_stretch_the_time_limit(server: Server) -> None:
    """Every byte arrives well within a read timeout; only the total deadline stops it."""
    began = time.monotonic()
    with pytest.raises(FetchError, match="time limit"):
        fetch.fetch_bytes(server.url + "/drip?n=200", Policy(allow=("127.0.0.2",), timeout=0.6))
    assert time.monotonic() - began < 2


def test_the_deadline_covers_every_redirect_hop(server: Server) -> None:
    url = str(httpx.URL(f"{server.url}/redirect", params={"to": f"{server.url}/sleep?s=10"}))
    began = time.monotonic()
    with pytest.raises(FetchError, match="time limit"):
        fetch.fetch_bytes(url, Policy(allow=("127.0.0.2",), timeout=0.5))
    assert time.monotonic() - began < 2


# --- the guarded client -------------------------------------------------------------------------


def test_client_checks_every_request_and_redirect(server: Server, internal: Server) -> None:
    with fetch.client(ALLOW) as http:
        assert http.post(server.url + "/echo", json={"a": 1}).json()["body"] == '{"a":1}'
        with pytest.raises(FetchError, match="loopback"):
            http.get(internal.url + "/json")
        redirect = http.get(f"{server.url}/redirect?to={internal.url}/json")
        assert redirect.status_code == 302  # not followed unless asked
        with pytest.raises(FetchError, match="loopback"):
            http.get(f"{server.url}/redirect?to={internal.url}/json", follow_redirects=True)
        with pytest.raises(FetchError, match="only http and https"):
            http.get("file:///etc/passwd")
    assert internal.seen == []


def test_client_limits_and_refuses_unasked_compression(server: Server) -> None:
    with fetch.client(Policy(allow=("127.0.0.2",), max_bytes=1000)) as http:
        with pytest.raises(FetchError, match="larger than 1000 bytes"):
            http.get(server.url + "/undeclared?n=5000")
        with pytest.raises(FetchError, match="encoded with gzip, which the request did not accept"):
            http.get(server.url + "/gzip?n=100000")
    with (
        fetch.client(Policy(allow=("127.0.0.2",), timeout=0.5)) as http,
        pytest.raises(httpx.TimeoutException),
    ):
        http.get(server.url + "/drip?n=200")


# --- DNS rebinding ------------------------------------------------------------------------------


@pytest.fixture
def rebinding(monkeypatch: pytest.MonkeyPatch) -> Callable[[list[str]], list[str]]:
    """A resolver for `rebind.test` that gives the next answer on each call (the DNS boundary we
    cannot run here); every other name resolves as usual. Returns the list of answers given."""

    def install(answers: list[str]) -> list[str]:
        given: list[str] = []
        real = socket.getaddrinfo

        def resolver(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            if host == "rebind.test":
                given.append(answers[min(len(given), len(answers) - 1)])
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (given[-1], port))]
            return real(host, port, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", resolver)
        return given

    return install


def test_rebinding_cannot_move_the_connection(
    server: Server, start: Callable[..., Server], rebinding: Callable[[list[str]], list[str]]
) -> None:
    """The first answer is checked and connected to; a naive check-then-connect would resolve
    again and reach 127.0.0.3, the second answer."""
    target = start("127.0.0.3", server.port)
    given = rebinding(["127.0.0.2", "127.0.0.3"])
    body, _, final = fetch.fetch_bytes(f"http://rebind.test:{server.port}/json", ALLOW)
    assert body == JSON_BODY and final == f"http://rebind.test:{server.port}/json"
    assert given == ["127.0.0.2"]  # one resolution, and its answer was the one used
    assert server.seen[-1].host == f"rebind.test:{server.port}"
    assert target.seen == []


def test_a_url_checked_earlier_is_checked_again_when_fetched(
    server: Server, start: Callable[..., Server], rebinding: Callable[[list[str]], list[str]]
) -> None:
    target = start("127.0.0.3", server.port)
    given = rebinding(["127.0.0.2", "127.0.0.3"])
    fetch.check_url(f"http://rebind.test:{server.port}/json", ALLOW)  # e.g. when an ML backend is saved
    with pytest.raises(FetchError, match=r"rebind\.test resolves to 127\.0\.0\.3, a loopback address"):
        fetch.fetch_bytes(f"http://rebind.test:{server.port}/json", ALLOW)
    assert given == ["127.0.0.2", "127.0.0.3"] and target.seen == [] and server.seen == []


# --- TLS: the connection is pinned, the name is still what is verified ---------------------------


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A throwaway CA and a server certificate for localhost and rebind.test (no IP addresses)."""
    d = tmp_path_factory.mktemp("tls")

    def openssl(*args: str) -> None:
        try:
            subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            pytest.skip(f"openssl is not usable here: {exc}")

    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl(
        "req",
        "-x509",
        *ec,
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Labelwise test CA",
    )
    openssl("req", *ec, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost")
    (d / "ext.cnf").write_text(
        "subjectAltName=DNS:localhost,DNS:rebind.test\nbasicConstraints=CA:FALSE\n"
        "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n"
    )
    openssl(
        "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "leaf.pem", "-days", "2", "-extfile", "ext.cnf",
    )  # fmt: skip
    return {"ca": d / "ca.pem", "cert": d / "leaf.pem", "key": d / "leaf.key"}


def test_tls_verifies_the_host_name_not_the_pinned_address(
    start: Callable[..., Server], certificates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates["ca"]))
    tls = start("127.0.0.1", tls=(certificates["cert"], certificates["key"]))
    body, _, _ = fetch.fetch_bytes(f"https://localhost:{tls.port}/json", Policy(allow=("localhost",)))
    assert body == JSON_BODY and tls.httpd.sni == ["localhost"]
    with pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED"):  # no certificate for the address
        fetch.fetch_bytes(f"https://127.0.0.1:{tls.port}/json", Policy(allow=("127.0.0.1",)))
    monkeypatch.delenv("SSL_CERT_FILE")
    with pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED"):  # an unknown CA is not trusted
        fetch.fetch_bytes(f"https://localhost:{tls.port}/json", Policy(allow=("localhost",)))


def test_rebinding_over_tls(
    start: Callable[..., Server],
    certificates: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    rebinding: Callable[[list[str]], list[str]],
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates["ca"]))
    pair = (certificates["cert"], certificates["key"])
    vetted = start("127.0.0.2", tls=pair)
    target = start("127.0.0.3", vetted.port, tls=pair)
    given = rebinding(["127.0.0.2", "127.0.0.3"])
    body, _, _ = fetch.fetch_bytes(f"https://rebind.test:{vetted.port}/json", ALLOW)
    assert body == JSON_BODY and given == ["127.0.0.2"]
    assert vetted.httpd.sni == ["rebind.test"] and vetted.seen[-1].host == f"rebind.test:{vetted.port}"
    assert target.seen == [] and target.httpd.sni == []


# --- properties ---------------------------------------------------------------------------------

SHARED = ipaddress.ip_network("100.64.0.0/10")
METADATA = {
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "192.0.0.192")
}
COMPATIBLE, NAT64 = ipaddress.ip_network("::/96"), ipaddress.ip_network("64:ff9b::/96")
REFUSED_RANGES = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4", "::/128", "::1/128", "fc00::/7", "fe80::/10",
        "ff00::/8", "::ffff:127.0.0.0/104", "::ffff:10.0.0.0/104", "64:ff9b::a9fe:0/112", "2002:a9fe::/32",
    )
]  # fmt: skip


def internal_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """An oracle independent of `storage.addresses`: the standard library's flags plus the few
    ranges and addresses it does not flag, with IPv6 forms that carry an IPv4 address unwrapped."""
    if isinstance(ip, ipaddress.IPv6Address):
        # Mapped: the kernel connects to the IPv4 address itself; NAT64: a translator does.
        if ip.ipv4_mapped is not None:
            return internal_address(ip.ipv4_mapped)
        if ip in NAT64:
            return internal_address(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        inner = [ip.sixtofour, *(ip.teredo or ())]
        if ip in COMPATIBLE:
            inner.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if any(v4 is not None and internal_address(v4) for v4 in inner):
            return True
        if ip.is_site_local:
            return True
    flags = ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
    return flags or ip.is_unspecified or ip in SHARED or ip in METADATA


def host_forms(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list[str]:
    if isinstance(ip, ipaddress.IPv6Address):
        return [f"[{ip.compressed}]", f"[{ip.exploded}]"]
    n, b = int(ip), ip.packed
    return [
        str(ip),
        str(n),
        hex(n),
        ".".join(oct(x).replace("0o", "0") for x in b),
        f"{b[0]}.{b[1]}.{int.from_bytes(b[2:], 'big')}",
        f"{b[0]}.{int.from_bytes(b[1:], 'big')}",
        f"{ip}.",
    ]


in_refused_ranges = st.sampled_from(REFUSED_RANGES).flatmap(
    lambda net: st.integers(0, net.num_addresses - 1).map(lambda i: net[i])
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.ip_addresses(), in_refused_ranges))
def test_no_form_of_an_internal_address_passes(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    for host in host_forms(ip):
        try:
            fetch.check_url(f"http://{host}:8080/x", Policy())
        except FetchError:
            continue
        assert not internal_address(ip), f"{host} ({ip}) passed"


# Strings that happen to be valid host names are looked up for real: kept few, since a failed DNS
# lookup can take a tenth of a second.
@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80))
def test_check_url_only_ever_refuses_with_fetch_error(text: str) -> None:
    for url in (
        text,
        "http://" + text,
        "https://" + text + "/x",
        "http://[" + text + "]/",
        "http://x@" + text,
    ):
        try:
            fetch.check_url(url, Policy())
        except FetchError as exc:
            assert isinstance(exc.detail, str) and exc.errors == {"url": [exc.detail]}


urls = st.builds(
    "{}{}{}{}{}".format,
    st.sampled_from(["http://", "https://", "HTTP://", "ftp://", "file://", "http:", "//", ""]),
    st.sampled_from(["", "user@", "user:secret@", "a@b@", "%40@"]),
    st.one_of(
        st.ip_addresses().map(lambda ip: f"[{ip}]" if ip.version == 6 else str(ip)),
        st.from_regex(r"[0-9a-fA-Fx.]{1,20}", fullmatch=True),
        st.from_regex(r"[a-z0-9.\-_%\[\]:]{0,30}", fullmatch=True),
    ),
    st.sampled_from(["", ":80", ":0", ":65536", ":x", ":"]),
    st.sampled_from(["", "/", "/a?b=c#d", "/%00", "/\u00e9"]),
)


@settings(max_examples=200, deadline=None)
@given(urls)
def test_structured_urls_only_ever_refuse_with_fetch_error(url: str) -> None:
    try:
        fetch.check_url(url, Policy())
    except FetchError as exc:
        assert "secret" not in exc.detail


@given(st.from_regex(r"[A-Za-z0-9]{4,12}", fullmatch=True), st.text(max_size=40))
def test_shown_never_contains_the_password(password: str, rest: str) -> None:
    secret = "PW" + password
    for url in (
        f"http://user:{secret}@host/{rest}",
        f"https://{secret}@{rest}",
        f"http:\\\\u:{secret}@h/{rest}",
    ):
        assert secret not in fetch.shown(url)
