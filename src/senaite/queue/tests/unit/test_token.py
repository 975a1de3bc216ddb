# -*- coding: utf-8 -*-
"""Auth tokens: mint, verify and every way a token is refused."""
from __future__ import absolute_import

import base64
import json
import threading

import pytest
import six
from cryptography.fernet import Fernet

from senaite.queue.core.token import InvalidKeyError
from senaite.queue.core.token import NonceCache
from senaite.queue.core.token import TokenError
from senaite.queue.core.token import TokenExpired
from senaite.queue.core.token import TokenInvalidSignature
from senaite.queue.core.token import TokenMalformed
from senaite.queue.core.token import TokenReplayed
from senaite.queue.core.token import TokenScopeError
from senaite.queue.core.token import generate_key
from senaite.queue.core.token import mint
from senaite.queue.core.token import verify

NOW = 1600000000.0
POP = "/senaite/@@API/senaite/v1/queue_server/pop"


@pytest.fixture
def key():
    return generate_key()


def test_generate_key_is_a_native_fernet_key(key):
    assert isinstance(key, str) and len(key) == 44
    assert len(base64.urlsafe_b64decode(key)) == 32
    assert generate_key() != key


def test_happy_path(key):
    token = mint(key, "queue_consumer", "POST", POP, now=NOW)
    assert isinstance(token, str)
    assert verify(key, token, "POST", POP, now=NOW + 1,
                  nonces=NonceCache()) == "queue_consumer"


def test_key_as_text_or_bytes(key):
    token = mint(six.ensure_text(key), "u", "POST", POP)
    assert verify(six.ensure_binary(key), six.ensure_text(token), "POST",
                  POP) == "u"


def test_colon_in_user_id(key):
    token = mint(key, "ldap:john:doe", "POST", POP, now=NOW)
    assert verify(key, token, "POST", POP, now=NOW) == "ldap:john:doe"


def test_non_ascii_user_id(key):
    token = mint(key, u"jos\xe9", "POST", POP, now=NOW)
    assert verify(key, token, "POST", POP, now=NOW) == six.ensure_str(
        u"jos\xe9")


def test_expired(key):
    token = mint(key, "u", "POST", POP, ttl=10, now=NOW)
    assert verify(key, token, "POST", POP, now=NOW + 10) == "u"
    with pytest.raises(TokenExpired):
        verify(key, token, "POST", POP, now=NOW + 10.5)


def test_ttl_is_bounded(key):
    for ttl in (0, -1, 31, "5", True):
        with pytest.raises(ValueError):
            mint(key, "u", "POST", POP, ttl=ttl)
    assert mint(key, "u", "POST", POP, ttl=30)


def test_expiry_too_far_ahead_is_refused(key):
    # a key holder could sign anything: a long-lived token is still refused
    payload = {"u": "u", "e": NOW + 3600, "m": "POST", "p": POP, "n": "x"}
    token = Fernet(key).encrypt(json.dumps(payload).encode("utf-8"))
    with pytest.raises(TokenMalformed):
        verify(key, token, "POST", POP, now=NOW)


def test_tampered(key):
    token = mint(key, "u", "POST", POP, now=NOW)
    raw = bytearray(base64.urlsafe_b64decode(token))
    raw[30] ^= 1
    tampered = base64.urlsafe_b64encode(bytes(raw))
    with pytest.raises(TokenInvalidSignature):
        verify(key, tampered, "POST", POP, now=NOW)


def test_another_key(key):
    token = mint(generate_key(), "u", "POST", POP, now=NOW)
    with pytest.raises(TokenInvalidSignature):
        verify(key, token, "POST", POP, now=NOW)


def test_replayed(key):
    nonces = NonceCache()
    token = mint(key, "u", "POST", POP, now=NOW)
    assert verify(key, token, "POST", POP, now=NOW, nonces=nonces) == "u"
    with pytest.raises(TokenReplayed):
        verify(key, token, "POST", POP, now=NOW + 1, nonces=nonces)
    # a fresh token of the same user is fine
    other = mint(key, "u", "POST", POP, now=NOW)
    assert verify(key, other, "POST", POP, now=NOW, nonces=nonces) == "u"


def test_refused_token_does_not_burn_its_nonce(key):
    nonces = NonceCache()
    token = mint(key, "u", "POST", POP, now=NOW)
    with pytest.raises(TokenScopeError):
        verify(key, token, "POST", "/other", now=NOW, nonces=nonces)
    assert verify(key, token, "POST", POP, now=NOW, nonces=nonces) == "u"


def test_another_path(key):
    token = mint(key, "u", "POST", POP, now=NOW)
    with pytest.raises(TokenScopeError):
        verify(key, token, "POST", POP.replace("pop", "done"), now=NOW)


def test_another_method(key):
    token = mint(key, "u", "POST", POP, now=NOW)
    with pytest.raises(TokenScopeError):
        verify(key, token, "GET", POP, now=NOW)


def test_scope_is_normalised(key):
    token = mint(key, "u", "post", POP + "/", now=NOW)
    assert verify(key, token, "POST", "http://localhost:8090" + POP,
                  now=NOW) == "u"


@pytest.mark.parametrize("garbage", [
    None, 42, "", "   ", "garbage", "a" * 200, u"t\xf6ken", b"\x00\xff",
    base64.urlsafe_b64encode(b"\x80" + b"\x00" * 40),
    base64.urlsafe_b64encode(b"\x81" + b"\x00" * 100),
])
def test_malformed(key, garbage):
    with pytest.raises(TokenMalformed):
        verify(key, garbage, "POST", POP, now=NOW)


def test_signed_but_unexpected_payload_is_malformed(key):
    for data in (b"not json", b"[1, 2]", b'{"u": "x"}',
                 b'{"u": "x", "e": 1e9, "m": "POST", "p": "/x"}'):
        with pytest.raises(TokenMalformed):
            verify(key, Fernet(key).encrypt(data), "POST", POP, now=NOW)


def test_all_token_errors_share_a_base_class():
    for error in (TokenExpired, TokenInvalidSignature, TokenMalformed,
                  TokenReplayed, TokenScopeError):
        assert issubclass(error, TokenError)


@pytest.mark.parametrize("bad", ["short", u"\xe9" * 44, 12, None, "=" * 44])
def test_invalid_key(bad):
    with pytest.raises(InvalidKeyError):
        mint(bad, "u", "POST", POP)
    with pytest.raises(InvalidKeyError):
        verify(bad, "token", "POST", POP)


def test_mint_checks_its_arguments(key):
    for args in ((None, "POST", POP), ("", "POST", POP), ("u", "", POP),
                 ("u", "POST", ""), ("u", None, POP)):
        with pytest.raises(ValueError):
            mint(key, *args)


def test_nonce_cache_is_bounded_and_forgets_expired_nonces():
    cache = NonceCache(maxsize=3)
    for i in range(5):
        assert cache.add("n{}".format(i), expires=NOW + 100, now=NOW)
    assert len(cache) == 3
    assert not cache.add("n4", expires=NOW + 100, now=NOW)
    assert cache.add("n0", expires=NOW + 100, now=NOW)  # evicted: forgotten
    short = NonceCache()
    short.add("a", expires=NOW + 1, now=NOW)
    short.add("b", expires=NOW + 50, now=NOW)
    assert short.add("c", expires=NOW + 60, now=NOW + 2)
    assert len(short) == 2  # "a" expired and was dropped
    with pytest.raises(ValueError):
        NonceCache(maxsize=0)


def test_nonce_cache_is_thread_safe():
    cache = NonceCache(maxsize=100000)
    accepted = []

    def worker():
        for i in range(2000):
            if cache.add("n{}".format(i), expires=NOW + 100, now=NOW):
                accepted.append(i)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(accepted) == list(range(2000))
