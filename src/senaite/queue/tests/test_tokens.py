# -*- coding: utf-8 -*-
"""Attacks on the queue token (header X-Queue-Auth-Token) and the PAS plugin, over HTTP.

Every bad token gives a clean 401 JSON answer that says why, never a 500, and changes
nothing; a token never logs anyone in outside the queue's routes.
"""

import json
import time

from cryptography.fernet import Fernet
from plone.app.testing import SITE_OWNER_NAME
from senaite.queue.client.session import QueueClientError
from senaite.queue.client.session import QueueSession
from senaite.queue.protocol import TOKEN_HEADER
from senaite.queue.core import token
from senaite.queue.tests.support import CONSUMER
from senaite.queue.tests.support import RouteTestCase

POP = "queue_server/pop"


def flip(text, index):
    """``text`` with the character at ``index`` replaced by another one of base64."""
    char = text[index]
    other = "A" if char != "A" else "B"
    return text[:index] + other + text[index + 1:]


class TestTokens(RouteTestCase):

    def setUp(self):
        super(TestTokens, self).setUp()
        self.task = self.add_task()
        self.before = self.snapshot()

    def pop(self, value, method="POST", route=POP):
        """Pop with the raw header value ``value``."""
        return self.call(method, route, {"consumer_id": CONSUMER},
                         headers={TOKEN_HEADER: value})

    def assertRefusedToken(self, response, reason):
        data = self.assertRefused(self.before, response, 401, reason)
        self.assertEqual(self.queue.get_task(self.task.task_uid).status, "queued")
        return data

    def test_valid_token(self):
        data = self.assertOK(self.pop(self.mint("queue_consumer", "POST", POP)))
        self.assertEqual(data["task"]["task_uid"], self.task.task_uid)

    def test_expired(self):
        value = self.mint("queue_consumer", "POST", POP, now=time.time() - 60)
        self.assertRefusedToken(self.pop(value), "Token expired")

    def test_tampered(self):
        value = self.mint("queue_consumer", "POST", POP)
        for index in (10, len(value) // 2, -5):
            self.assertRefusedToken(self.pop(flip(value, index)), "Token")

    def test_replayed(self):
        value = self.mint("queue_consumer", "POST", POP)
        self.assertOK(self.pop(value))
        before = self.snapshot()
        response = self.pop(value)
        self.assertRefused(before, response, 401, "Token was used before")

    def test_replay_of_a_refused_request(self):
        """A token spent on a request its route refused cannot be used again either."""
        value = self.mint("queue_consumer", "POST", POP)
        response = self.call("POST", POP, {"consumer_id": "ab"}, headers={TOKEN_HEADER: value})
        self.assertRefused(self.before, response, 428)
        self.assertRefusedToken(self.pop(value), "Token was used before")

    def test_other_path(self):
        value = self.mint("queue_consumer", "POST", "queue_server/done")
        self.assertRefusedToken(self.pop(value), "Token is for POST /queue_server/done")

    def test_other_method(self):
        value = self.mint("queue_consumer", "GET", POP)
        self.assertRefusedToken(self.pop(value), "Token is for GET /queue_server/pop")

    def test_other_key(self):
        value = token.mint(token.generate_key(), "queue_consumer", "POST", "/" + POP)
        self.assertRefusedToken(self.pop(value), "Token signature is not valid")

    def test_rotated_key(self):
        """After a rotation, tokens signed with the old key are refused."""
        import transaction
        value = self.mint("queue_consumer", "POST", POP)
        self.queue.rotate_secret()
        transaction.commit()
        self.before = self.snapshot()
        self.assertRefusedToken(self.pop(value), "Token signature is not valid")
        self.assertOK(self.pop(self.mint("queue_consumer", "POST", POP)))

    def test_expiry_too_far_ahead(self):
        """A token signed with the key but valid for more than 30 s is refused."""
        payload = {"u": "queue_consumer", "e": time.time() + 3600, "m": "POST",
                   "p": "/queue_server/pop", "n": "a" * 32}
        value = Fernet(self.queue.get_secret().encode("ascii")).encrypt(
            json.dumps(payload).encode("utf-8"))
        self.assertRefusedToken(self.pop(value), "more than 30 s ahead")

    def test_payload_not_ours(self):
        fernet = Fernet(self.queue.get_secret().encode("ascii"))
        for plaintext in (b"not json", b"[1, 2]", json.dumps({"u": "queue_consumer"}).encode(
                "utf-8"), "{}:queue_consumer".format(time.time() + 10).encode("ascii")):
            self.assertRefusedToken(self.pop(fernet.encrypt(plaintext)), "Token")

    def test_garbage(self):
        values = ["garbage", "x" * 5000, "gAAAAA", "=" * 8, "%00", "a:b:c",
                  "gAAAAAB" + "A" * 100, u"t\xf6ken".encode("utf-8"), b"\xff\xfe\x80",
                  self.mint("queue_consumer", "POST", POP)[:-3]]
        for value in values:
            self.assertRefusedToken(self.pop(value), "Token")

    def test_empty(self):
        self.assertRefusedToken(self.pop(""), "Authentication required")

    def test_unknown_user(self):
        value = self.mint("nobody", "POST", POP)
        self.assertRefusedToken(self.pop(value), "Token user is not a user of this site")

    def test_zope_root_admin(self):
        """The plugin lives in the site's acl_users: even a forged token cannot log in the
        Zope root's admin."""
        value = self.mint(SITE_OWNER_NAME, "POST", POP)
        self.assertRefusedToken(self.pop(value), "not a user of this site")

    def test_bad_token_with_basic_auth(self):
        """A bad token next to a good password: the token routes still refuse."""
        response = self.call("POST", POP, {"consumer_id": CONSUMER}, user="labmanager",
                             headers={TOKEN_HEADER: "garbage"})
        self.assertRefusedToken(response, "queue token only")
        # a route that takes passwords answers as the password's user
        data = self.assertOK(self.call("GET", "queue_server/tasks", user="labmanager",
                                       headers={TOKEN_HEADER: "garbage"}))
        self.assertEqual(data["count"], 1)

    def test_token_on_any_queue_route(self):
        data = self.assertOK(self.call("GET", "queue_server/tasks", token_user="labclerk"))
        self.assertEqual(data["count"], 1)

    def test_token_ignored_outside_the_queue_routes(self):
        """A valid token for another @@API route logs nobody in."""
        route = "auth"
        response = self.call("GET", route, token_user="labmanager")
        self.assertEqual(response.status_code, 401)
        response = self.call("GET", route, user="labmanager")
        self.assertEqual(response.status_code, 200)

    def test_client_session(self):
        """The client's session mints a token per request."""
        session = QueueSession(self.site_url, self.queue.get_secret(), "queue_consumer")
        try:
            data = session.post(POP, {"consumer_id": CONSUMER})
            self.assertEqual(data["task"]["task_uid"], self.task.task_uid)
            data = session.get("queue_server/tasks/running")
            self.assertEqual(data["count"], 1)
            with self.assertRaises(QueueClientError) as ctx:
                session.post(POP, {"consumer_id": "ab"})
            self.assertEqual(ctx.exception.status, 428)
            self.assertIn("No valid consumer id", ctx.exception.message)
            with self.assertRaises(QueueClientError) as ctx:
                session.post("queue_server/done", {"task_uid": "f" * 32, "attempt": 1})
            self.assertEqual(ctx.exception.status, 404)
        finally:
            session.close()
        session = QueueSession(self.site_url, token.generate_key(), "queue_consumer")
        try:
            with self.assertRaises(QueueClientError) as ctx:
                session.post(POP, {"consumer_id": CONSUMER})
            self.assertEqual(ctx.exception.status, 401)
        finally:
            session.close()
        session = QueueSession("http://localhost:1/plone", self.queue.get_secret(), "x",
                               timeout=2)
        try:
            with self.assertRaises(QueueClientError) as ctx:
                session.get("queue_server/tasks")
            self.assertEqual(ctx.exception.status, 504)
        finally:
            session.close()


class TestGarbageTokenOnPages(RouteTestCase):
    """A bad token on a page that is not a queue route changes nothing for it."""

    PAGES = ["login", "", "@@API/senaite/v1/version", "@@API/senaite/v1/auth",
             "@@queue-controlpanel", "queue_consume"]

    def get(self, page, headers=None):
        url = "{}/{}".format(self.site_url, page).rstrip("/")
        headers = dict(headers or {})
        headers["Accept"] = "application/json" if "@@API" in page else "text/html"
        return self.http.get(url, headers=headers, allow_redirects=False)

    def test_pages(self):
        # each page answers as it does without a token: the same status, and where it
        # redirects, the same place
        without = dict((page, self.get(page)) for page in self.PAGES)
        values = [lambda: "garbage", lambda: "", lambda: "gAAAAAB" + "A" * 100,
                  lambda: b"\xff\xfe",
                  # a good token, of a route's: a new one each time (a token is used once)
                  lambda: self.mint("labmanager", "GET", "queue_server/tasks")]
        for make_value in values:
            for page in self.PAGES:
                value = make_value()
                response = self.get(page, {TOKEN_HEADER: value})
                self.assertEqual(response.status_code, without[page].status_code,
                                 (page, value, response.text[:500]))
                self.assertEqual(response.headers.get("Location"),
                                 without[page].headers.get("Location"), (page, value))
        response = self.http.get(self.site_url + "/login", headers={TOKEN_HEADER: "garbage"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("__ac_password", response.text)

    def test_login_with_garbage_token(self):
        response = self.http.post(self.site_url + "/login", data={
            "__ac_name": "labmanager", "__ac_password": "labmanager-secret",
            "buttons.login": "Log in", "came_from": ""},
            headers={TOKEN_HEADER: "garbage"}, allow_redirects=False)
        self.assertLess(response.status_code, 500)


class TestRetriedRequests(RouteTestCase):
    """ZPublisher runs a request again after a ConflictError, with the same token: the
    plugin checks it as of the first attempt, and does not take it for a replay."""

    def request_for(self, environ, retry_count):
        from io import BytesIO
        from senaite.queue.interfaces import ISenaiteQueueLayer
        from zope.interface import alsoProvides
        from ZPublisher.HTTPRequest import HTTPRequest
        from ZPublisher.HTTPResponse import HTTPResponse
        request = HTTPRequest(BytesIO(b""), environ, HTTPResponse())
        request.retry_count = retry_count
        alsoProvides(request, ISenaiteQueueLayer)
        return request

    def environ(self, value):
        return {"SERVER_NAME": "nohost", "SERVER_PORT": "80", "REQUEST_METHOD": "POST",
                "PATH_INFO": "/plone/@@API/senaite/v1/{}".format(POP),
                "HTTP_X_QUEUE_AUTH_TOKEN": value}

    def extract(self, environ, retry_count=0):
        plugin = self.portal.acl_users.senaite_queue_auth
        return plugin.extractCredentials(self.request_for(environ, retry_count))

    def test_retry_is_no_replay(self):
        environ = self.environ(self.mint("queue_consumer", "POST", POP))
        self.assertTrue(self.extract(environ))
        self.assertTrue(self.extract(environ, retry_count=1))
        self.assertTrue(self.extract(environ, retry_count=2))
        # the same token in another request is a replay
        self.assertEqual(self.extract(self.environ(environ["HTTP_X_QUEUE_AUTH_TOKEN"])), {})

    def test_retry_checked_as_of_the_first_attempt(self):
        from senaite.queue.protocol import FIRST_SEEN_KEY
        now = time.time()
        value = self.mint("queue_consumer", "POST", POP, now=now - 60)
        # first seen 58 s ago, when the token was still valid; expired by now
        environ = dict(self.environ(value), **{FIRST_SEEN_KEY: now - 58})
        self.assertEqual(self.extract(environ), {})
        self.assertTrue(self.extract(environ, retry_count=1))
