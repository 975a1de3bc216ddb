# -*- coding: utf-8 -*-
"""A requests session that calls the queue's JSON routes of a site.

Every request carries a fresh token (``protocol.TOKEN_HEADER``) for the user it acts as,
scoped to its method and route. Transport and HTTP errors become ``QueueClientError`` with
the status and reason the server gave.
"""

import requests
import six
from senaite.queue import protocol
from senaite.queue.core import token

DEFAULT_TIMEOUT = 10


class QueueClientError(Exception):
    """A call failed: ``status`` is the HTTP status (504 when nobody answered);
    ``conflict`` says that the route lost a write conflict."""

    def __init__(self, status, message, conflict=False):
        self.status = status
        self.message = message
        self.conflict = conflict
        super(QueueClientError, self).__init__("{} {}".format(status, message))


class QueueTimeoutError(QueueClientError):
    """The server did not answer in time."""


class QueueSession(object):
    """Calls ``<site_url>/@@API/senaite/v1/<route>`` as ``user_id``."""

    def __init__(self, site_url, secret, user_id, timeout=DEFAULT_TIMEOUT):
        self.site_url = site_url.rstrip("/")
        self.secret = secret
        self.user_id = user_id
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"

    def url(self, route):
        return protocol.route_url(self.site_url, route)

    def get(self, route, timeout=None):
        return self.request("GET", route, None, timeout)

    def post(self, route, payload=None, timeout=None):
        return self.request("POST", route, payload or {}, timeout)

    def request(self, method, route, payload=None, timeout=None):
        """The decoded JSON answer of the route, or ``QueueClientError``."""
        headers = {protocol.TOKEN_HEADER: token.mint(
            self.secret, self.user_id, method, protocol.route_path(route))}
        try:
            response = self.session.request(
                method, self.url(route), json=payload, headers=headers,
                timeout=timeout or self.timeout, allow_redirects=False)
        except requests.Timeout:
            raise QueueTimeoutError(504, "Busy: no answer from {}".format(self.site_url))
        except requests.ConnectionError:
            raise QueueClientError(504, "Refused connection: {}".format(self.site_url))
        except requests.RequestException as exc:
            raise QueueClientError(500, "{}: {}".format(type(exc).__name__, exc))
        return self.decode(response)

    def decode(self, response):
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise QueueClientError(
                response.status_code if response.status_code >= 400 else 502,
                "Not a JSON answer from {}".format(response.url))
        if response.status_code >= 300 or data.get("success") is False:
            status = response.status_code if response.status_code >= 300 else 500
            raise QueueClientError(status, six.text_type(data.get("message", "")),
                                   conflict=data.get("conflict") is True)
        return data

    def close(self):
        self.session.close()


def ping(site_url, timeout=DEFAULT_TIMEOUT):
    """Whether the site at ``site_url`` answers its status route as the queue server."""
    url = protocol.route_url(site_url, protocol.STATUS)
    try:
        response = requests.get(url, timeout=timeout, allow_redirects=False,
                                headers={"Accept": "application/json"})
        data = response.json()
        return response.status_code == 200 and data.get("server") is True
    except (requests.RequestException, ValueError):
        return False
