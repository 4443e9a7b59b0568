"""Webhook URLs: https to public addresses only, unless the operator allows a host."""

from __future__ import annotations

import pytest

from finder.watch.netguard import AllowList, WebhookUrlRefused, check_webhook_url


def resolver(table: dict[str, list[str]]):
    """A stand-in for DNS: `table` says what each name resolves to; others are unknown."""

    def resolve(host: str, port: int) -> list[str]:
        return list(table.get(host, []))

    return resolve


PUBLIC = resolver(
    {"hooks.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]}
)


def test_an_https_url_of_a_public_host_is_accepted_with_the_addresses_to_connect_to():
    target = check_webhook_url("https://hooks.example.com/finder?x=1", resolver=PUBLIC)
    assert (target.scheme, target.host, target.port, target.path) == (
        "https",
        "hooks.example.com",
        443,
        "/finder?x=1",
    )
    assert target.addresses == ("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c")


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "a loopback address (this machine)"),
        ("::1", "a loopback address (this machine)"),
        ("10.1.2.3", "a private address"),
        ("172.16.0.9", "a private address"),
        ("192.168.1.20", "a private address"),
        ("169.254.169.254", "a link-local address"),  # cloud metadata
        ("fd00:ec2::254", "a private address"),  # AWS metadata over IPv6
        ("fe80::1", "a link-local address"),
        ("100.64.0.1", "a shared (carrier-grade NAT) address"),
        ("224.0.0.251", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("0.0.0.0", "an unspecified address"),
        ("::ffff:127.0.0.1", "a loopback address (this machine)"),  # IPv4-mapped IPv6
        ("::ffff:169.254.169.254", "a link-local address"),
        ("2002:a00:1::1", "a private address"),  # 6to4 wrapping 10.0.0.1
        ("::7f00:1", "a reserved address"),  # IPv4-compatible 127.0.0.1
        ("fec0::1", "a private (site-local) address"),
        ("192.0.2.10", "a private address"),  # documentation range
    ],
)
def test_a_host_resolving_to_a_non_public_address_is_refused_saying_which(address, why):
    lookup = resolver({"sneaky.example.com": ["93.184.215.14", address]})
    with pytest.raises(WebhookUrlRefused) as refused:
        check_webhook_url("https://sneaky.example.com/hook", resolver=lookup)
    assert refused.value.message == (
        f"The webhook URL's host sneaky.example.com ({address}) is {why}: webhooks go only to "
        "public addresses (an operator can allow a host with FINDER_WEBHOOK_ALLOW_HOSTS)."
    )
    assert (refused.value.status, refused.value.code) == (400, "webhook_url_refused")


@pytest.mark.parametrize(
    "url",
    ["https://127.0.0.1/hook", "https://[::1]:8443/hook", "https://[::ffff:7f00:1]/hook"],
)
def test_an_address_written_in_the_url_is_checked_too(url):
    with pytest.raises(WebhookUrlRefused, match="is a loopback address"):
        check_webhook_url(url, resolver=resolver({}))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/x", "A webhook URL must start with https://"),
        ("ftp://hooks.example.com/x", "is not a web address"),
        ("hooks.example.com/x", "is not a web address"),
        ("", "The webhook URL is empty"),
        ("https://user:pw@hooks.example.com/", "may not hold a user name or password"),
        ("https://hooks.example.com:99999/", "is not a web address"),
        ("https://hooks.example.com:0/", "is not a web address"),  # not quietly port 443
        ("https://hooks.example.com/a b", "without spaces"),
        ("https://unknown.example.com/", "could not be found"),
    ],
)
def test_a_url_that_is_not_an_https_address_is_refused_with_a_clear_message(url, message):
    with pytest.raises(WebhookUrlRefused, match=message):
        check_webhook_url(url, resolver=PUBLIC)


def test_an_allowed_address_may_be_loopback_and_use_http():
    target = check_webhook_url("http://127.0.0.1:8080/hook", "127.0.0.1", resolver=resolver({}))
    assert (target.scheme, target.port, target.addresses) == ("http", 8080, ("127.0.0.1",))


def test_allowing_an_address_does_not_allow_its_neighbours_or_other_hosts_resolving_there():
    with pytest.raises(WebhookUrlRefused, match="loopback"):
        check_webhook_url("https://127.0.0.2/hook", "127.0.0.1", resolver=resolver({}))
    # A name that resolves to an allowed address connects there, but must still use https.
    lookup = resolver({"receiver.test": ["127.0.0.1"]})
    with pytest.raises(WebhookUrlRefused, match="must start with https://"):
        check_webhook_url("http://receiver.test/hook", "127.0.0.1", resolver=lookup)
    assert check_webhook_url("https://receiver.test/", "127.0.0.1", resolver=lookup).addresses == (
        "127.0.0.1",
    )


def test_an_allowed_host_name_or_network_lets_its_private_addresses_through():
    lookup = resolver({"hooks.internal": ["10.0.0.7"], "other.internal": ["10.9.9.9"]})
    assert check_webhook_url("http://hooks.internal/", "hooks.internal", resolver=lookup).addresses
    assert check_webhook_url("https://other.internal/", "10.0.0.0/8", resolver=lookup).addresses
    with pytest.raises(WebhookUrlRefused, match="private"):
        check_webhook_url("https://other.internal/", "hooks.internal", resolver=lookup)


def test_the_allow_list_reads_names_addresses_and_networks():
    allow = AllowList.parse(" 127.0.0.1, Hooks.Internal. ; 10.0.0.0/8,, [::1] ")
    assert allow.names == frozenset({"hooks.internal"})
    assert [str(n) for n in allow.networks] == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]
