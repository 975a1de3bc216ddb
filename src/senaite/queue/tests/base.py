# -*- coding: utf-8 -*-
"""Base classes of the integration tests."""

import time
import unittest

import requests
import transaction
from plone.app.testing import TEST_USER_ID
from plone.app.testing import setRoles
from senaite.queue import api
from senaite.queue.protocol import API_PATH
from senaite.queue.protocol import TOKEN_HEADER
from senaite.queue.protocol import route_path
from senaite.queue.core import token
from senaite.queue.testing import SENAITE_QUEUE_HTTP_TESTING
from senaite.queue.tests.users import password


def until(probe, seconds=30, step=0.1):
    """Call ``probe()`` until it gives something true; that, or None after ``seconds``."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(step)
    return None


class QueueHTTPTestCase(unittest.TestCase):
    """A SENAITE site served over HTTP, acting as queue server, with the layer's users."""

    layer = SENAITE_QUEUE_HTTP_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.request = self.layer["request"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        transaction.commit()
        self.site_url = "http://{}:{}/plone".format(self.layer["host"], self.layer["port"])
        self.queue = api.get_task_queue()
        self.http = requests.Session()

    def tearDown(self):
        self.http.close()

    def url(self, route):
        return "{}/{}{}".format(self.site_url, API_PATH, route_path(route))

    def call(self, method, route, payload=None, user=None, token_user=None, headers=None,
             data=None):
        """A real HTTP request to a route, as ``user`` (basic auth) or ``token_user``."""
        headers = dict(headers or {})
        headers.setdefault("Accept", "application/json")
        if token_user:
            headers[TOKEN_HEADER] = self.mint(token_user, method, route)
        auth = (user, password(user)) if user else None
        response = self.http.request(method, self.url(route), json=payload, data=data,
                                     headers=headers, auth=auth, allow_redirects=False)
        transaction.begin()  # see what the server committed
        return response

    def mint(self, user_id, method, route, **kw):
        return token.mint(self.queue.get_secret(), user_id, method, route_path(route), **kw)

    def add_task(self, name="queue_test_record", uids=None, **kw):
        """Queue a test task on the portal (committed); return it."""
        task = api.add_task(name, self.portal, uids=uids or [], **kw)
        transaction.commit()
        return task
