"""Which network addresses Labelwise may connect to.

Only globally routable unicast addresses, unless an admin allowed a host name, address or range
(`LABELWISE_SSRF_ALLOW_HOSTS`). Checking `is_global` after unwrapping every IPv6 form that embeds an
IPv4 address (mapped, 6to4, Teredo, NAT64) covers loopback, private, link-local, shared (CGNAT),
reserved and documentation ranges, and with them the cloud metadata addresses (169.254.169.254,
fd00:ec2::254, 100.100.100.200, 192.0.0.192).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def embedded_v4(ip: IP) -> IP:
    """The IPv4 address an IPv6 address carries, or the address itself."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]
        if ip in NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


# Ranges refused even where the standard library counts them global in some Python versions:
# the IETF protocol block (Oracle's metadata 192.0.0.192 lies in it) and the metadata addresses.
DENY = tuple(
    ipaddress.ip_network(n)
    for n in ("192.0.0.0/24", "169.254.169.254/32", "100.100.100.200/32", "fd00:ec2::254/128")
)


def public(ip: IP) -> bool:
    inner = embedded_v4(ip)
    if any(ip in net or inner in net for net in DENY):
        return False
    return inner.is_global and not inner.is_multicast and ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class Allowlist:
    names: frozenset[str]
    networks: tuple[Network, ...]

    @classmethod
    def parse(cls, entries: tuple[str, ...]) -> Allowlist:
        names: set[str] = set()
        networks: list[Network] = []
        for entry in entries:
            entry = entry.strip().lower().rstrip(".")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                names.add(entry)
        return cls(frozenset(names), tuple(networks))

    def allows_name(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.names

    def allows(self, ip: IP) -> bool:
        return any(ip in net or embedded_v4(ip) in net for net in self.networks)
