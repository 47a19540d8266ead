"""STUN/TURN configuration for the browsers, with TURN credentials minted by the platform in
the TURN REST API scheme that coturn checks (use-auth-secret / static-auth-secret). That
coturn accepts them is proven by tests/e2e/test_video_calls.py (a relay-only call)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from gateway.video_ice import IceConfig, turn_credentials


def test_turn_credentials_follow_the_turn_rest_api_scheme():
    username, password = turn_credentials("s3cret", 600, 1_800_000_000.7, "ab12")
    assert username == "1800000600:ab12"  # "<expiry as unix time>:<id>"
    expected = hmac.new(b"s3cret", b"1800000600:ab12", hashlib.sha1).digest()
    assert base64.b64decode(password) == expected


def test_each_participant_gets_short_lived_credentials_of_its_own_without_personal_data():
    ice = IceConfig(
        stun_urls=("stun:turn.kommune.dk:3478",),
        turn_urls=("turn:turn.kommune.dk:3478?transport=udp", "turns:turn.kommune.dk:443"),
        turn_secret="s3cret",
        ttl_s=3600,
        policy="relay",
    )
    one, two = ice.for_participant(now=1_000), ice.for_participant(now=1_000)
    assert one["iceTransportPolicy"] == "relay"
    stun, turn = one["iceServers"]
    assert stun == {"urls": ["stun:turn.kommune.dk:3478"]}
    expiry, user = turn["username"].split(":")
    assert int(expiry) == 4_600
    assert len(user) == 16 and int(user, 16) >= 0  # random hex: no name, no CPR, no id
    assert turn["username"] != two["iceServers"][1]["username"]


def test_without_a_secret_no_turn_server_is_offered():
    ice = IceConfig(turn_urls=("turn:127.0.0.1:3478",), turn_secret="")
    assert ice.for_participant() == {"iceServers": [], "iceTransportPolicy": "all"}


def test_the_configuration_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("SB_TURN_URLS", "turn:a:3478, turns:a:443")
    monkeypatch.setenv("SB_STUN_URLS", "stun:a:3478")
    monkeypatch.setenv("SB_TURN_SECRET", "x")
    monkeypatch.setenv("SB_TURN_TTL_S", "900")
    monkeypatch.setenv("SB_VIDEO_ICE_POLICY", "relay")
    ice = IceConfig.from_env()
    assert ice.turn_urls == ("turn:a:3478", "turns:a:443")
    assert ice.stun_urls == ("stun:a:3478",) and ice.ttl_s == 900 and ice.policy == "relay"
