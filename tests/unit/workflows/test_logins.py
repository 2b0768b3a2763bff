"""The short browser names and masked addresses the owner sees on the sessions page."""

from __future__ import annotations

import pytest

from workflows.logins import describe_browser, mask_address, parse_cookie_id


@pytest.mark.parametrize(
    ("agent", "shown"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge · Windows",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/128.0.0.0 Whale/3.28.266.14 Safari/537.36",
            "Whale · Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari · iOS",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "Chrome · macOS",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Firefox · Linux",
        ),
        ("curl/8.5.0", "curl/8.5.0"),
        ("", ""),
        (None, ""),
        ("x" * 500, "x" * 80),
    ],
)
def test_a_user_agent_becomes_a_short_browser_name(agent, shown):
    assert describe_browser(agent) == shown


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("203.0.113.7", "203.0.*.*"),
        ("::ffff:198.51.100.23", "198.51.*.*"),
        ("2001:0db8:85a3::8a2e:0370:7334", "2001:db8:*"),
        ("", ""),
        ("not an address", ""),
        (None, ""),
    ],
)
def test_addresses_keep_only_their_first_two_parts(address, shown):
    assert mask_address(address) == shown


@pytest.mark.parametrize(
    ("cookie_id", "parsed"),
    [
        ("12:34:abc", (12, 34, "abc")),
        ("12:abc", None),  # the form before login sessions
        ("12:34:", None),
        ("x:34:abc", None),
        ("12:34:abc:d", None),
        ("", None),
    ],
)
def test_only_the_three_part_cookie_id_is_read(cookie_id, parsed):
    assert parse_cookie_id(cookie_id) == parsed
