# -*- coding: utf-8 -*-
"""Auth tokens between the processes of the cluster.

A token is a Fernet token (AES-128-CBC + HMAC-SHA256) over a JSON payload:
user id, expiry (at most 30 s ahead), HTTP method, route path and a random
nonce. ``verify`` returns the user id or raises a ``TokenError`` subclass;
a ``NonceCache`` refuses a token seen before in this process.
"""
from __future__ import absolute_import

import base64
import binascii
import collections
import json
import os
import threading
import time

import six
from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken
from six.moves.urllib.parse import urlsplit

DEFAULT_TTL = 10
MAX_TTL = 30
DEFAULT_NONCE_CACHE_SIZE = 10000
# version byte + timestamp + IV + one AES block + HMAC
_MIN_TOKEN_BYTES = 1 + 8 + 16 + 16 + 32


class InvalidKeyError(ValueError):
    """The key is not a Fernet key (32 url-safe base64-encoded bytes)."""


class TokenError(Exception):
    """Base class of the reasons a token is refused."""


class TokenMalformed(TokenError):
    """Not a token at all, or its payload is not what we mint."""


class TokenInvalidSignature(TokenError):
    """Well-formed, but not signed with this key (or tampered with)."""


class TokenExpired(TokenError):
    """The token's expiry has passed."""


class TokenScopeError(TokenError):
    """The token was minted for another HTTP method or route path."""


class TokenReplayed(TokenError):
    """The token's nonce was seen before in this process."""


def generate_key():
    """A new random Fernet key (44 url-safe base64 characters, native str).
    """
    return six.ensure_str(Fernet.generate_key())


def _fernet(key):
    if isinstance(key, six.text_type):
        try:
            key = key.encode("ascii")
        except UnicodeEncodeError:
            raise InvalidKeyError("The key must be ASCII (url-safe base64)")
    if not isinstance(key, six.binary_type):
        raise InvalidKeyError("The key must be text or bytes, got {}"
                              .format(type(key).__name__))
    try:
        return Fernet(key)
    except (ValueError, TypeError, binascii.Error):
        raise InvalidKeyError("The key must be 32 url-safe base64-encoded "
                              "bytes (see generate_key)")


def _scope(method, path):
    """Normalised (METHOD, /path) that a token is bound to."""
    if not isinstance(method, six.string_types) or not method.strip():
        raise ValueError("method must be a non-empty string: {!r}"
                         .format(method))
    if not isinstance(path, six.string_types) or not path.strip():
        raise ValueError("path must be a non-empty string: {!r}".format(path))
    if "://" in path:
        path = urlsplit(path).path
    path = "/" + path.strip().strip("/")
    return six.ensure_str(method.strip().upper()), six.ensure_str(path)


def _now(now):
    return time.time() if now is None else float(now)


def mint(key, user_id, method, path, ttl=DEFAULT_TTL, now=None):
    """A token for ``user_id``, valid ``ttl`` seconds (0 < ttl <= 30) for one
    request ``method`` on route ``path``. Returns a native str."""
    if not isinstance(user_id, six.string_types) or not user_id:
        raise ValueError("user_id must be a non-empty string: {!r}"
                         .format(user_id))
    if isinstance(ttl, bool) or not isinstance(
            ttl, six.integer_types + (float,)) or not 0 < ttl <= MAX_TTL:
        raise ValueError("ttl must be a number of seconds in (0, {}]: {!r}"
                         .format(MAX_TTL, ttl))
    method, path = _scope(method, path)
    payload = {
        "u": six.ensure_text(user_id),
        "e": _now(now) + ttl,
        "m": method,
        "p": path,
        "n": six.ensure_str(binascii.hexlify(os.urandom(16))),
    }
    data = json.dumps(payload, sort_keys=True).encode("utf-8")
    return six.ensure_str(_fernet(key).encrypt(data))


def _check_format(token):
    """The raw bytes of a token, or TokenMalformed."""
    if isinstance(token, six.text_type):
        try:
            token = token.strip().encode("ascii")
        except UnicodeEncodeError:
            raise TokenMalformed("Token is not ASCII")
    if not isinstance(token, six.binary_type) or not token:
        raise TokenMalformed("Token is empty or not a string")
    try:
        raw = base64.urlsafe_b64decode(token)
    except (TypeError, ValueError, binascii.Error):
        raise TokenMalformed("Token is not url-safe base64")
    if len(raw) < _MIN_TOKEN_BYTES or raw[:1] != b"\x80" or \
            (len(raw) - _MIN_TOKEN_BYTES) % 16:
        raise TokenMalformed("Token is not a Fernet token")
    return token


def _payload(data):
    try:
        payload = json.loads(data.decode("utf-8"))
    except ValueError:
        raise TokenMalformed("Token payload is not JSON")
    if not isinstance(payload, dict):
        raise TokenMalformed("Token payload is not an object")
    user_id, expires = payload.get("u"), payload.get("e")
    if not isinstance(user_id, six.string_types) or not user_id or \
            isinstance(expires, bool) or \
            not isinstance(expires, six.integer_types + (float,)):
        raise TokenMalformed("Token payload lacks a user id or expiry")
    for field in ("m", "p", "n"):
        if not isinstance(payload.get(field), six.string_types):
            raise TokenMalformed("Token payload lacks '{}'".format(field))
    return payload


def verify(key, token, method, path, now=None, nonces=None):
    """The user id of a valid token for this method and path.

    Raises ``TokenMalformed``, ``TokenInvalidSignature``, ``TokenExpired``,
    ``TokenScopeError`` or ``TokenReplayed`` (checked in that order; the
    nonce is recorded in ``nonces`` only when everything else is valid).
    Pass the process's ``NonceCache`` as ``nonces`` to refuse replays.
    """
    fernet = _fernet(key)
    token = _check_format(token)
    try:
        data = fernet.decrypt(token)
    except InvalidToken:
        raise TokenInvalidSignature("Token signature is not valid")
    payload = _payload(data)
    now = _now(now)
    expires = float(payload["e"])
    if expires < now:
        raise TokenExpired("Token expired {:.1f} s ago".format(now - expires))
    if expires - now > MAX_TTL:
        raise TokenMalformed("Token expiry is more than {} s ahead"
                             .format(MAX_TTL))
    if (payload["m"], payload["p"]) != _scope(method, path):
        raise TokenScopeError("Token is for {} {}, not {} {}".format(
            payload["m"], payload["p"], *_scope(method, path)))
    if nonces is not None and not nonces.add(payload["n"], expires, now=now):
        raise TokenReplayed("Token was used before")
    return six.ensure_str(payload["u"])


class NonceCache(object):
    """A bounded, thread-safe set of nonces seen, each kept until its token
    expires. When full, the oldest entry is dropped."""

    def __init__(self, maxsize=DEFAULT_NONCE_CACHE_SIZE):
        if isinstance(maxsize, bool) or not isinstance(
                maxsize, six.integer_types) or maxsize < 1:
            raise ValueError("maxsize must be a positive integer: {!r}"
                             .format(maxsize))
        self.maxsize = maxsize
        self._seen = collections.OrderedDict()
        self._lock = threading.Lock()

    def add(self, nonce, expires, now=None):
        """Record a nonce; False if it is already there (a replay)."""
        now = _now(now)
        with self._lock:
            while self._seen:
                old, old_expires = next(six.iteritems(self._seen))
                if old_expires >= now:
                    break
                del self._seen[old]
            if nonce in self._seen:
                return False
            while len(self._seen) >= self.maxsize:
                self._seen.popitem(last=False)
            self._seen[nonce] = expires
            return True

    def __len__(self):
        with self._lock:
            return len(self._seen)
