"""Which webhook URLs finder will POST to: https, and only to public addresses.

A watchlist's owner chooses the URL, so without a check anyone with an API key could make the
monitor send requests into the network it runs in (a database's admin port, a cloud metadata
service at 169.254.169.254). A URL is accepted when it is https and every address its host
resolves to is public: not loopback, private, link-local, shared (CGNAT), multicast, reserved
or unspecified, also when written as an IPv4-mapped or 6to4 IPv6 address. FINDER_WEBHOOK_ALLOW_HOSTS
names the exceptions (host names, addresses or networks): a listed host may resolve anywhere
and may use http (for tests, or a receiver on the operator's own network).

The check runs when a watchlist is made and again at every delivery, whose connection goes to
an address just checked (`Target.addresses`), never to a fresh lookup: a host that answered
with a public address at the check and a private one a moment later (DNS rebinding) cannot
move the request.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from finder.errors import InvalidInput

MAX_URL_LENGTH = 2000
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


class WebhookUrlRefused(InvalidInput):
    """A webhook URL finder will not send to, and why."""

    code = "webhook_url_refused"


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (`addresses`, each checked) and what to ask for."""

    url: str
    scheme: str
    host: str  # the name to send as Host and to verify the certificate against
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class AllowList:
    """FINDER_WEBHOOK_ALLOW_HOSTS read: host names, and addresses or networks."""

    names: frozenset[str]
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]

    @classmethod
    def parse(cls, setting: str) -> AllowList:
        names, networks = set(), []
        for item in str(setting or "").replace(";", ",").split(","):
            item = item.strip().lower()
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
            except ValueError:
                names.add(item.rstrip("."))
        return cls(frozenset(names), tuple(networks))

    def lists_host(self, host: str) -> bool:
        """Whether the URL's host itself is listed (by name, or as an address in a network)."""
        if host in self.names:
            return True
        address = _literal(host)
        return address is not None and self.lists_address(address)

    def lists_address(self, address: Address) -> bool:
        return any(address.version == net.version and address in net for net in self.networks)


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the system resolver, as a connection would use)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_webhook_url(
    url: str, allow_hosts: str | AllowList = "", *, resolver: Resolver = resolve
) -> Target:
    """The URL as a Target to deliver to, or WebhookUrlRefused saying why not.

    `allow_hosts` is FINDER_WEBHOOK_ALLOW_HOSTS (or an AllowList read from it).
    """
    allow = allow_hosts if isinstance(allow_hosts, AllowList) else AllowList.parse(allow_hosts)
    url = url.strip() if isinstance(url, str) else ""
    if not url:
        raise WebhookUrlRefused("The webhook URL is empty: give an https:// address.")
    if len(url) > MAX_URL_LENGTH or any(ord(c) <= 32 or ord(c) == 127 for c in url):
        raise WebhookUrlRefused(
            f"The webhook URL must be one address of at most {MAX_URL_LENGTH} characters, "
            "without spaces."
        )
    try:
        parts = urlsplit(url)
        port = parts.port
        if port == 0:  # no server listens there: refuse it rather than quietly use 443
            raise ValueError("port 0")
    except ValueError:
        raise WebhookUrlRefused(f"{url!r} is not a web address.") from None
    host = (parts.hostname or "").rstrip(".")
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not host:
        raise WebhookUrlRefused(
            f"{url!r} is not a web address: a webhook URL looks like https://example.com/hooks."
        )
    if parts.username is not None or parts.password is not None:
        raise WebhookUrlRefused(
            "A webhook URL may not hold a user name or password: each delivery is signed "
            "instead (see the README)."
        )
    listed = allow.lists_host(host)
    if scheme == "http" and not listed:
        raise WebhookUrlRefused(
            "A webhook URL must start with https:// (http is allowed only for the hosts in "
            "FINDER_WEBHOOK_ALLOW_HOSTS)."
        )
    try:
        ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise WebhookUrlRefused(f"{host!r} is not a valid host name.") from None
    port = port or (443 if scheme == "https" else 80)
    addresses = _addresses(ascii_host, port, resolver)
    for text in addresses:
        address = _literal(text)
        if address is None or listed or allow.lists_address(address):
            continue
        why = refusal(address)
        if why:
            shown = host if text == host else f"{host} ({text})"
            raise WebhookUrlRefused(
                f"The webhook URL's host {shown} is {why}: webhooks go only to public "
                "addresses (an operator can allow a host with FINDER_WEBHOOK_ALLOW_HOSTS)."
            )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(url, scheme, ascii_host, port, path, tuple(addresses))


def _addresses(host: str, port: int, resolver: Resolver) -> list[str]:
    literal = _literal(host)
    if literal is not None:
        return [str(literal)]
    try:
        found = resolver(host, port)
    except (OSError, UnicodeError):
        found = []
    if not found:
        raise WebhookUrlRefused(f"The webhook URL's host {host} could not be found (no address).")
    return found


def refusal(address: Address) -> str | None:
    """Why `address` is not a public one, in words; None when it is."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # ::ffff:127.0.0.1 reaches 127.0.0.1
            return refusal(address.ipv4_mapped)
        if address.sixtofour is not None:  # 2002:7f00:1:: wraps 127.0.0.1
            inner = refusal(address.sixtofour)
            if inner:
                return inner
        if address.is_site_local:
            return "a private (site-local) address"
    if address.is_loopback:
        return "a loopback address (this machine)"
    if address.is_link_local:  # 169.254.169.254, the cloud metadata service, among them
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "an unspecified address"
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return "a shared (carrier-grade NAT) address"
    if address.is_private:  # fd00:ec2::254, the IPv6 metadata service, is a unique local one
        return "a private address"
    if address.is_reserved or not address.is_global:
        return "a reserved address"
    return None


_SHARED = ipaddress.ip_network("100.64.0.0/10")


def _literal(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None
