"""Which hosts and network addresses Labelwise may connect to.

The policy is a deny list written out here rather than the standard library's `is_global`, whose
ranges changed between Python patch releases (3.11.7 counts 192.0.0.192, Oracle's metadata address,
and every multicast address as global). IPv6 is stricter still: only the global unicast block
2000::/3 is accepted, so a range IANA reserves tomorrow is refused today. IPv6 forms that carry an
IPv4 address (mapped, NAT64, 6to4) are judged by that IPv4 address, because that is where the
packets end up; the deprecated IPv4-compatible form is refused outright.

Host names are resolved with `getaddrinfo` and every answer must pass; numeric hosts in the forms
`inet_aton` accepts (2130706433, 0x7f000001, 0177.0.0.1, 127.1) are parsed here, so they are judged
without asking a resolver, whatever the platform's C library would make of them.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Refused(Exception):
    """The host cannot be used: not resolvable, malformed, or an address the policy refuses."""


def _table(*rows: tuple[str, str]) -> tuple[tuple[Network, str], ...]:
    return tuple((ipaddress.ip_network(net), why) for net, why in rows)


# The metadata services of the clouds come first so the message names them.
METADATA = _table(
    ("169.254.169.254/32", "a cloud metadata address"),
    ("fd00:ec2::254/128", "a cloud metadata address"),
    ("100.100.100.200/32", "a cloud metadata address (Alibaba)"),
    ("192.0.0.192/32", "a cloud metadata address (Oracle)"),
)
REFUSED_V4 = _table(
    ("0.0.0.0/8", "an unspecified ('this network') address"),
    ("10.0.0.0/8", "a private address"),
    ("100.64.0.0/10", "a shared (carrier-grade NAT) address"),
    ("127.0.0.0/8", "a loopback address"),
    ("169.254.0.0/16", "a link-local address"),
    ("172.16.0.0/12", "a private address"),
    ("192.0.0.0/24", "an IETF protocol address"),
    ("192.0.2.0/24", "a documentation address"),
    ("192.88.99.0/24", "a 6to4 relay address"),
    ("192.168.0.0/16", "a private address"),
    ("198.18.0.0/15", "a benchmarking address"),
    ("198.51.100.0/24", "a documentation address"),
    ("203.0.113.0/24", "a documentation address"),
    ("224.0.0.0/4", "a multicast address"),
    ("240.0.0.0/4", "a reserved address"),
)
REFUSED_V6 = _table(
    ("::/128", "the unspecified address"),
    ("::1/128", "a loopback address"),
    ("::/96", "an IPv4-compatible address (deprecated, routed unpredictably)"),
    ("64:ff9b:1::/48", "a local-use NAT64 address"),
    ("100::/64", "a discard-only address"),
    ("2001::/23", "an IETF protocol address"),
    ("2001:db8::/32", "a documentation address"),
    ("3fff::/20", "a documentation address"),
    ("fc00::/7", "a unique local (private) address"),
    ("fe80::/10", "a link-local address"),
    ("fec0::/10", "a site-local address"),
    ("ff00::/8", "a multicast address"),
)
GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address delivers to (mapped, NAT64, 6to4), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def refusal(ip: IP) -> str | None:
    """Why `ip` is refused ("a loopback address"), or None when it may be connected to."""
    for net, why in METADATA:
        if ip.version == net.version and ip in net:
            return why
    if isinstance(ip, ipaddress.IPv6Address):
        for net, why in REFUSED_V6:
            if ip in net:
                return why
        inner = embedded_v4(ip)
        if inner is not None:
            why_inner = refusal(inner)
            return f"a form of {inner}, {why_inner}" if why_inner else None
        if ip not in GLOBAL_UNICAST_V6:
            return "a reserved address"
    else:
        for net, why in REFUSED_V4:
            if ip in net:
                return why
    # A second net, in case the standard library knows of a range this table does not.
    if ip.is_private or ip.is_reserved or ip.is_multicast or ip.is_link_local or not ip.is_global:
        return "a non-global address"
    return None


def _number(part: str) -> int | None:
    """One part of a numeric IPv4 host as `inet_aton` reads it: 0x.. hex, 0.. octal, decimal."""
    if part[:2].lower() == "0x":
        digits, base = part[2:], 16
        if not digits:
            return 0
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if not digits.isascii() or not digits.isalnum():
        return None
    try:
        return int(digits, base)
    except ValueError:
        return None


def legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The address of an all-numeric IPv4 host in any form `inet_aton` or a browser accepts
    (one to four parts, the last filling the remaining bytes), or None for anything else."""
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()  # one trailing dot, as in "127.0.0.1."
    if not 1 <= len(parts) <= 4 or any(not p for p in parts):
        return None
    values = [_number(p) for p in parts]
    if any(v is None for v in values):
        return None
    numbers = [v for v in values if v is not None]
    *head, last = numbers
    if any(v > 255 for v in head) or last >= 1 << (8 * (4 - len(head))):
        raise Refused(f"{host[:80]!r} is not a valid IPv4 address")
    value = last
    for i, v in enumerate(head):
        value |= v << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\Z")


def valid_name(host: str) -> bool:
    name = host[:-1] if host.endswith(".") else host
    return 0 < len(name) <= 253 and all(_LABEL.match(label) for label in name.lower().split("."))


def literal(host: str) -> IP | None:
    """The address a numeric host names, or None for a host name."""
    if "%" in host:
        # Percent-encoded names and IPv6 zone indexes: neither is a host anyone needs to fetch from.
        raise Refused(f"{host[:80]!r}: percent-encoded hosts and IPv6 zones are not accepted")
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise Refused(f"{host[:80]!r} is not a valid IPv6 address") from None
    return legacy_ipv4(host)


def resolve(host: str, port: int) -> list[IP]:
    """Every address `host` resolves to, in the resolver's order, without duplicates."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as exc:
        raise Refused(f"cannot resolve host {host[:80]}") from exc
    out: list[IP] = []
    for info in infos:
        try:
            ip = ipaddress.ip_address(str(info[4][0]))
        except ValueError:  # a scoped IPv6 address: link-local, refused anyway
            raise Refused(f"{host[:80]} resolves to a scoped address {info[4][0]}") from None
        if ip not in out:
            out.append(ip)
    if not out:
        raise Refused(f"cannot resolve host {host[:80]}")
    return out


@dataclass(frozen=True)
class Allowlist:
    """What an admin allowed despite the policy: exact host names, addresses, CIDR ranges."""

    names: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, entries: tuple[str, ...]) -> Allowlist:
        names: set[str] = set()
        networks: list[Network] = []
        for raw in entries:
            entry = raw.strip().lower()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.removeprefix("[").removesuffix("]"), strict=False))
            except ValueError:
                names.add(entry.rstrip("."))
        return cls(frozenset(names), tuple(networks))

    def allows_name(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.names

    def allows(self, ip: IP) -> bool:
        inner = embedded_v4(ip) if isinstance(ip, ipaddress.IPv6Address) else None
        return any(ip in net or (inner is not None and inner in net) for net in self.networks)


def vet(host: str, port: int, allow: Allowlist) -> list[IP]:
    """The addresses to connect to for `host`, each one checked; `Refused` says why not.

    `host` must be the very string the connection would use (after URL parsing), so nothing
    can be read one way here and another way by the code that connects.
    """
    ip = literal(host)
    if ip is not None:
        addresses = [ip]
    elif valid_name(host):
        addresses = resolve(host, port)
    else:
        raise Refused(f"{host[:80]!r} is not a valid host name")
    judge(host, addresses, allow, resolved=ip is None)
    return addresses


def judge(host: str, addresses: list[IP], allow: Allowlist, *, resolved: bool = True) -> None:
    """Refuse unless the host name is allowed or every one of its addresses is acceptable: one
    internal answer among public ones is enough for a resolver to steer a connection inside."""
    if allow.allows_name(host):
        return
    for address in addresses:
        why = refusal(address)
        if why is None or allow.allows(address):
            continue
        if resolved:
            subject = f"{host[:80]} resolves to {address},"
        elif ":" in host or host == str(address):
            subject = f"{host} is"
        else:
            subject = f"{host[:80]} is {address},"
        raise Refused(
            f"{subject} {why}; Labelwise connects to internal addresses only where an admin allowed "
            "them in LABELWISE_SSRF_ALLOW_HOSTS"
        )
