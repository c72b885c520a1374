"""The one client-address rule (kernel.network): the socket peer; a forwarded-for header only from a
trusted proxy, read from the right, so a header the client writes itself never names the client."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.network import client_address, parse_trusted_proxies, trusted_proxies_from_env

PROXY = parse_trusted_proxies("10.0.0.2")


def test_a_client_set_forwarded_for_is_ignored_when_no_proxy_is_trusted():
    assert client_address("203.0.113.5", "192.0.2.1") == "203.0.113.5"


def test_a_client_set_forwarded_for_is_ignored_when_the_peer_is_not_the_trusted_proxy():
    assert client_address("10.0.0.3", "198.51.100.7", PROXY) == "10.0.0.3"


def test_the_trusted_proxys_header_names_the_client():
    assert client_address("10.0.0.2", "198.51.100.7", PROXY) == "198.51.100.7"


def test_a_hop_the_client_prepended_is_not_believed_behind_an_appending_proxy():
    assert client_address("10.0.0.2", "192.0.2.1, 198.51.100.7", PROXY) == "198.51.100.7"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right():
    trusted = parse_trusted_proxies("10.0.0.0/24, 2001:db8::/32")
    assert client_address("10.0.0.2", "192.0.2.1, 198.51.100.7, 10.0.0.5", trusted) == "198.51.100.7"
    assert client_address("2001:db8::1", "2001:db8::9, 203.0.113.9", trusted) == "203.0.113.9"


def test_a_malformed_hop_stops_at_the_last_address_known():
    assert client_address("10.0.0.2", "garbage", PROXY) == "10.0.0.2"
    assert client_address("10.0.0.2", "198.51.100.7, <script>", PROXY) == "10.0.0.2"


def test_no_peer_is_no_address():
    assert client_address(None, "198.51.100.7", PROXY) is None and client_address("", None) is None


def test_trusted_proxies_setting_parses_addresses_and_networks_and_names_a_bad_entry():
    assert [str(n) for n in parse_trusted_proxies(" 127.0.0.1 , 10.1.0.0/16,-")] == ["127.0.0.1/32", "10.1.0.0/16"]
    assert parse_trusted_proxies("") == () == trusted_proxies_from_env({})
    with pytest.raises(ValueError, match="TRUSTED_PROXIES.*proxy.local"):
        parse_trusted_proxies("proxy.local")


@given(st.lists(st.ip_addresses(v=4).map(str), min_size=1, max_size=5))
def test_whatever_a_client_writes_an_untrusted_peer_stays_the_client(forged):
    assert client_address("198.51.100.50", ", ".join(forged), PROXY) == "198.51.100.50"


@given(st.lists(st.ip_addresses(v=4).map(str), max_size=5))
def test_whatever_a_client_prepends_the_proxys_own_entry_wins(forged):
    header = ", ".join([*forged, "203.0.113.77"])
    assert client_address("10.0.0.2", header, PROXY) == "203.0.113.77"
