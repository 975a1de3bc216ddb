# -*- coding: utf-8 -*-
"""A generator of malformed requests to the queue routes, over real HTTP.

It posts ``REQUESTS`` bad requests, each with valid credentials (a queue token for the
dispatch routes, a lab manager's password and a JSON content type for the others), so that
they reach the routes' own checks: wrong types for every field, missing fields, huge strings,
lists and numbers, nested garbage, broken JSON, non-UTF-8 bytes, other content types, lists
where objects are expected, wrong methods. It asserts that no answer is a 5xx (nor a 2xx for a
request to a route that writes) and that the store is unchanged after each request.

The generator is seeded (``SEED``): every run sends the same requests. Set the environment
variable ``SENAITE_QUEUE_FUZZ_SEED`` to try other seeds.
"""

import json
import os
import random
import time

import six
import transaction
from senaite.queue.protocol import TOKEN_HEADER
from senaite.queue.routing.payload import MAX_BODY_BYTES
from senaite.queue.tests.support import RouteTestCase
from six.moves.urllib.parse import quote

SEED = int(os.environ.get("SENAITE_QUEUE_FUZZ_SEED", "20260611"))
REQUESTS = 2400

# Fields of a task, by the kind of value they take
INT_FIELDS = ("priority", "delay", "retries", "chunk_size", "max_seconds", "min_seconds")
BOOL_FIELDS = ("unique", "ghost")
JSON_TYPE = "application/json"
OTHER_TYPES = ("text/plain", "application/x-www-form-urlencoded", "application/xml",
               "application/json; charset=latin-1", "multipart/form-data", "", "*/*")
BAD_METHODS = ("PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND", "TRACE", "MKCOL", "FOO")
WRITE_ROUTES = ("add", "pop", "done", "fail", "timeout", "conflict", "requeue", "delete")
TOKEN_ROUTES = ("pop", "done", "fail", "timeout", "conflict")


class Request(object):
    """One request: ``strict`` ones must be refused with a 4xx."""

    def __init__(self, label, method, route, body=None, content_type=JSON_TYPE, strict=True,
                 files=None):
        self.label = label
        self.method = method
        self.route = route
        self.body = body
        self.content_type = content_type
        self.strict = strict
        self.files = files
        self.accept = "application/json"

    def __repr__(self):
        body = self.body
        if body is not None and len(body) > 3000:
            body = body[:1500] + b"..." + body[-1500:]
        return "<{} {} {} {!r} {!r}>".format(self.label, self.method, self.route,
                                             self.content_type, body)


class Generator(object):
    """Malformed requests for the routes, given the uids of the stored tasks."""

    def __init__(self, rng, queued, running, failed, ghost):
        self.rng = rng
        self.queued = queued
        self.running = running
        self.failed = failed
        self.ghost = ghost

    # -- values -----------------------------------------------------------

    def uid(self):
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(32))

    def text(self):
        rng = self.rng
        return rng.choice([
            lambda: u"",
            lambda: u" ",
            lambda: u"x",
            lambda: u"0",
            lambda: u"null",
            lambda: u"true",
            lambda: u"\u2603\xe9\u0000",
            lambda: u"\ud800",
            lambda: u"\ud800\udc00\u0000",
            lambda: u"<script>alert(1)</script>",
            lambda: u"../../../etc/passwd",
            lambda: u"x" * rng.choice([201, 501, 10001, 60000]),
            lambda: self.uid().upper(),
            lambda: self.uid() + u"0",
            lambda: u"".join(six.unichr(rng.randint(1, 0xffff)) for _ in range(20)),
        ])()

    def segment(self):
        """Text for a path segment (URL-quoted) that stays below queue_server/: no slashes,
        no dot segments (the publisher would resolve them), ASCII only (plone.jsonapi.core's
        router fails on other paths before it finds a route, for every @@API route)."""
        while True:
            text = self.text()
            if "/" not in text and "\\" not in text and not text.startswith(".") and \
                    text.strip() and all(32 <= ord(char) < 127 for char in text):
                return quote(text.encode("utf-8"), safe="")

    def not_a_uid(self):
        """Text that is no UID (``text`` may give "0", the portal's UID)."""
        while True:
            text = self.text()
            if text != u"0":
                return text

    def bad_int(self):
        """A value an integer field refuses (integral floats such as -0.0 are accepted)."""
        while True:
            value = self.bad(six.integer_types)
            if not (isinstance(value, float) and value.is_integer()):
                return value

    def number(self):
        return self.rng.choice([0, -1, 1.5, -0.0, 2 ** 31, 2 ** 53 + 1, 2 ** 63, 10 ** 30,
                                -10 ** 30, 10 ** 400, 1e308, -1e308, 5e-324])

    def scalar(self):
        rng = self.rng
        return rng.choice([None, True, False, self.number(), self.text()])

    def value(self, depth=0):
        """Any JSON value, nested at most a few levels."""
        rng = self.rng
        kind = rng.random()
        if depth > 3 or kind < 0.5:
            return self.scalar()
        if kind < 0.7:
            return [self.value(depth + 1) for _ in range(rng.randint(0, 4))]
        if kind < 0.75:
            return [rng.randint(0, 9) for _ in range(rng.choice([1000, 5000]))]
        if kind < 0.8:
            return self.deep(rng.randint(33, 200))
        return dict((self.key(), self.value(depth + 1)) for _ in range(rng.randint(0, 4)))

    def key(self):
        return self.rng.choice([u"", u"__zeo", u"status", u"attempt", u"a" * 300, u"\u2603",
                                u"context", u"name", u"x", u"uid", u"task_uid"])

    def deep(self, depth):
        value = self.scalar()
        for _ in range(depth):
            value = [value] if self.rng.random() < 0.5 else {u"a": value}
        return value

    def bad(self, *good_types):
        """A value that is none of ``good_types`` (and not None)."""
        while True:
            value = self.value()
            if value is not None and not isinstance(value, good_types):
                return value

    def noise(self, payload, avoid=()):
        """Add keys that are not fields (or are runtime keys, which are ignored)."""
        for _ in range(self.rng.randint(0, 3)):
            key = self.rng.choice([u"__zeo", u"status", u"attempt", u"started", u"junk",
                                   u"\u2603", u"consumer_id", u"finished", u"error_message"])
            if key not in avoid:
                payload[key] = self.value()
        return payload

    # -- bodies -----------------------------------------------------------

    def dumps(self, value):
        return json.dumps(value).encode("utf-8")

    def broken_json(self):
        rng = self.rng
        valid = self.dumps({u"task_uid": self.running, u"name": u"queue_test_record",
                            u"context_uid": u"0", u"uids": [self.uid()]})
        return rng.choice([
            lambda: valid[:rng.randint(1, len(valid) - 1)],
            lambda: valid.replace(b'"', b"'"),
            lambda: b"\xff\xfe" + valid,
            lambda: valid.decode("utf-8").encode("utf-16"),
            lambda: b"\xef\xbb\xbf" + valid,
            lambda: valid + b"garbage",
            lambda: b"{" * rng.randint(1, 5000),
            lambda: b"[" * 3000 + b"]" * 3000,
            lambda: b'{"a": NaN}',
            lambda: b'{"priority": Infinity}',
            lambda: b'{"since": -Infinity}',
            lambda: b'{"a": 1e999}',
            lambda: b'{"a": "\xc3\x28"}',
            lambda: b'{"a" 1}',
            lambda: b"'single'",
            lambda: bytes(bytearray(rng.randint(0, 255) for _ in range(rng.randint(1, 300)))),
        ])()

    def not_an_object(self):
        return self.dumps(self.rng.choice([
            [], [{}], [1, 2], u"text", 1, None, True, [[self.running]], [u"task_uid"]]))

    # -- requests per route ----------------------------------------------

    def add(self):
        rng = self.rng
        payload = {u"name": u"queue_test_record", u"context_uid": u"0",
                   u"context_path": u"/plone"}
        mutations = [
            lambda: payload.__setitem__(u"name", self.bad(six.string_types)),
            lambda: payload.pop(u"name"),
            lambda: payload.__setitem__(u"name", u"fuzz_" + self.text()),
            lambda: payload.__setitem__(u"context_uid", self.rng.choice([
                self.bad(six.string_types), self.not_a_uid()])),
            lambda: payload.__setitem__(u"context_uid", self.not_a_uid()),
            lambda: payload.__setitem__(u"context_uid", self.uid()),
            lambda: payload.pop(u"context_uid"),
            lambda: payload.__setitem__(u"context_path", u"/plone/" + self.text()),
            lambda: payload.__setitem__(u"context_path", self.bad(six.string_types)),
            lambda: payload.__setitem__(rng.choice(INT_FIELDS), self.bad_int()),
            lambda: payload.__setitem__(rng.choice(INT_FIELDS), rng.choice([
                1.5, -0.5, 2 ** 53 + 1, 10 ** 400, -10 ** 30])),
            lambda: payload.__setitem__(u"uids", self.bad(list)),
            lambda: payload.__setitem__(u"uids", [self.uid(), self.bad()]),
            lambda: payload.__setitem__(u"uids", [self.not_a_uid()]),
            lambda: payload.__setitem__(rng.choice(BOOL_FIELDS), rng.choice([
                2, -1, 1.5, u"perhaps", [], {}, [True]])),
            lambda: payload.__setitem__(u"slots", rng.choice([u"1", 5, {}, [{}], [[1]],
                                                              [10 ** 30]])),
            lambda: payload.__setitem__(u"created", rng.choice([
                -1, u"now", True, [], 10 ** 400])),
            lambda: payload.__setitem__(u"top_uid", self.not_a_uid()),
            lambda: payload.__setitem__(u"action", self.bad(six.string_types)),
            lambda: payload.__setitem__(u"context", self.value()),
            lambda: payload.__setitem__(u"extra", self.deep(rng.randint(33, 400))),
        ]
        mutation = rng.randrange(len(mutations))
        mutations[mutation]()
        self.noise(payload, avoid=(u"name", u"context_uid"))
        shape = rng.random()
        if shape < 0.15:
            body = [{u"name": u"queue_test_record", u"context_uid": u"0"}, payload]
            rng.shuffle(body)
        elif shape < 0.2:
            body = [payload] * rng.choice([0, 501])
        else:
            body = payload
        return Request("add#{}".format(mutation), "POST", "queue_server/add", self.dumps(body))

    def pop(self):
        rng = self.rng
        payload = {}
        rng.choice([
            lambda: None,
            lambda: payload.__setitem__(u"consumer_id", self.bad(six.string_types)),
            lambda: payload.__setitem__(u"consumer_id", rng.choice([
                u"", u"a", u"abc", u"  ab  ", u"\t\n\r ", u"x" * 501, u"x" * 100000])),
        ])()
        self.noise(payload, avoid=(u"consumer_id", ))
        return Request("pop", "POST", "queue_server/pop", self.dumps(payload))

    def ack(self, route):
        """done, fail, timeout: never the current attempt of the running task, unless the
        error message is bad."""
        rng = self.rng
        bad_attempt = rng.choice([0, -1, u"1", 1.0, True, None, [1], {}, 10 ** 400])
        payload = rng.choice([
            lambda: {u"attempt": 1},
            lambda: {u"task_uid": self.bad(six.string_types), u"attempt": 1},
            lambda: {u"task_uid": self.text(), u"attempt": 1},
            lambda: {u"task_uid": self.uid(), u"attempt": rng.randint(1, 5)},
            lambda: {u"task_uid": self.running, u"attempt": rng.choice([2, 3, 10 ** 20])},
            lambda: {u"task_uid": self.running, u"attempt": bad_attempt},
            lambda: {u"task_uid": self.running},
            lambda: {u"task_uid": rng.choice([self.queued, self.ghost]),
                     u"attempt": rng.randint(1, 3)},
            lambda: {u"task_uid": self.failed, u"attempt": rng.randint(1, 3)},
        ])()
        if route in ("fail", "conflict") and rng.random() < 0.3:
            payload = {u"task_uid": self.running, u"attempt": 1,
                       u"error_message": rng.choice([self.bad(six.string_types),
                                                     u"x" * 10001])}
        self.noise(payload, avoid=(u"task_uid", u"attempt", u"error_message"))
        return Request(route, "POST", "queue_server/" + route, self.dumps(payload))

    def bad_task_uid(self, running=False):
        choices = [self.bad(six.string_types), self.text(), self.uid()]
        if running:
            choices.append(self.running)
        return self.rng.choice(choices)

    def requeue(self):
        rng = self.rng
        if rng.random() < 0.4:
            uid = rng.choice([self.uid(), self.running, self.segment(), u"%2e%2e", u"0"])
            route = u"queue_server/requeue/" + quote(uid, safe="%")
            return Request("requeue/<uid>", "POST", route,
                           self.dumps(self.noise({}, avoid=(u"task_uid", ))))
        payload = rng.choice([{}, {u"task_uid": self.bad_task_uid(running=True)}])
        self.noise(payload, avoid=(u"task_uid", ))
        return Request("requeue", "POST", "queue_server/requeue", self.dumps(payload))

    def delete(self):
        payload = self.rng.choice([{}, {u"task_uid": self.bad_task_uid()}])
        self.noise(payload, avoid=(u"task_uid", ))
        return Request("delete", "POST", "queue_server/delete", self.dumps(payload))

    def read(self):
        """A read route with a junk payload: refused or answered, never a 5xx."""
        rng = self.rng
        route = rng.choice([
            u"tasks", u"tasks/" + self.segment(), u"diff",
            u"uids", u"uids/" + rng.choice([u"ghost", u"x", u"failed%00"]), u"search",
            self.segment(), self.uid(), u"status"])
        payload = rng.choice([
            lambda: {u"status": self.bad(six.string_types)},
            lambda: {u"status": [self.text()]},
            lambda: {u"since": self.bad(six.integer_types, float)},
            lambda: {u"complete": self.bad(bool)},
            lambda: {u"uids": self.bad(list)},
            lambda: {u"uids": [self.running, self.bad()]},
            lambda: {u"uid": self.bad()},
            lambda: {u"uid": u"0", u"name": self.bad(six.string_types)},
            lambda: dict((self.key(), self.value()) for _ in range(3)),
        ])()
        method = "GET" if route == u"status" else "POST"
        return Request("read", method, u"queue_server/" + route, self.dumps(payload),
                       strict=False)

    # -- any route ----------------------------------------------------------

    def route_request(self):
        rng = self.rng
        kind = rng.random()
        if kind < 0.22:
            return self.add()
        if kind < 0.34:
            return self.pop()
        if kind < 0.58:
            return self.ack(rng.choice(("done", "fail", "timeout", "conflict")))
        if kind < 0.68:
            return self.requeue()
        if kind < 0.76:
            return self.delete()
        return self.read()

    def request(self):
        """One request: a route's malformed payload, possibly with its body, content type or
        method broken too."""
        rng = self.rng
        request = self.route_request()
        kind = rng.random()
        if kind < 0.12:
            request.body = self.broken_json()
            request.label += "+broken-json"
            request.strict = request.strict or request.method == "POST"
        elif kind < 0.18:
            request.body = self.not_an_object()
            request.label += "+not-an-object"
            if request.route.endswith("/add"):
                # a list is a list of tasks: refused unless it held one valid task
                request.body = self.dumps(rng.choice([[], [1], [[]], u"x", None, 5]))
        elif kind < 0.26:
            self.other_content_type(request)
        elif kind < 0.31:
            request.method = rng.choice(BAD_METHODS)
            request.label += "+method"
            request.strict = True
        elif kind < 0.32:
            request.body = b'{"junk": "' + b"x" * (MAX_BODY_BYTES + 1) + b'"}'
            request.label += "+oversized"
            request.strict = request.strict or request.method == "POST"
        elif kind < 0.34:
            # @@API would render the answer as a zip file
            request.accept = rng.choice(["application/zip", "application/xml"])
            request.label += "+accept"
            request.strict = request.strict or request.accept == "application/zip"
        return request

    def other_content_type(self, request):
        """The same route with a body that is not JSON."""
        rng = self.rng
        request.label += "+content-type"
        request.content_type = rng.choice(OTHER_TYPES)
        route = request.route.rsplit("/", 1)[-1]
        if request.content_type == "multipart/form-data":
            request.content_type = None
            request.files = {rng.choice(["consumer_id", "task_uid", "name", "x"]): (
                "f.txt", self.text().encode("utf-8"))}
            request.body = None
        elif request.content_type == "application/x-www-form-urlencoded":
            request.body = self.form(route).encode("utf-8")
        # without a queue token a write must come as JSON: any other type is refused
        # (forms to the token routes are read: they carry no valid values)

    def form(self, route):
        """A form body without valid values (with Zope's :list, :record, :int...).

        Zope itself answers 500 to a value its converter cannot convert (``x:int=abc``), on
        any page, before any add-on code runs: the converted values below convert."""
        rng = self.rng
        fields = []
        # one marshalling type per key: Zope fails (500) on a key given as a record and as
        # something else
        keys = rng.sample([u"consumer_id", u"task_uid", u"attempt", u"status", u"x",
                           u"error_message"], rng.randint(0, 4))
        for key in keys:
            suffix, value = rng.choice([
                (rng.choice([u"", u":list", u":record", u":boolean", u":tokens", u":lines",
                             u":string", u":ignore_empty", u":default", u".a:record",
                             u":text"]),
                 rng.choice([u"ab", u"", u"x" * 501, u"1", u"nan", u"%", u"\u2603"])),
                (rng.choice([u":int", u":long"]), rng.choice([u"1", u"-1", u"0"])),
                (u":float", rng.choice([u"1.5", u"nan", u"-inf"])),
                (u":date", u"2020-01-01"),
            ])
            fields.append(u"{}{}={}".format(key, suffix, quote(value.encode("utf-8"))))
        if rng.random() < 0.2:
            # the same key twice: a list
            fields.extend([u"consumer_id=ab", u"consumer_id=abcdef"] if route == "pop" else
                          [u"task_uid=x", u"task_uid=y"])
        rng.shuffle(fields)
        return u"&".join(fields)


class TestFuzz(RouteTestCase):

    def setUp(self):
        super(TestFuzz, self).setUp()
        self.queued = self.add_task(uids=[self.new_uid()])
        self.ghost = self.add_task(ghost=True)
        # a lease that does not expire while the test runs
        self.running = self.lease(max_seconds=3600)
        self.failed = self.failed_task()
        self.before = self.snapshot()
        self.assertEqual(self.before[0], {"queued": 2, "running": 1, "failed": 1, "done": 0})

    def send(self, request):
        headers = {"Accept": request.accept}
        if request.content_type is not None:
            headers["Content-Type"] = request.content_type
        auth = None
        route = request.route.rsplit("/", 1)[-1]
        if route in TOKEN_ROUTES:
            headers[TOKEN_HEADER] = self.mint("queue_consumer", request.method, request.route)
        else:
            auth = ("labmanager", "labmanager-secret")
        return self.http.request(request.method, self.url(request.route), data=request.body,
                                 files=request.files, headers=headers, auth=auth,
                                 allow_redirects=False)

    def test_fuzz(self):
        rng = random.Random(SEED)
        generator = Generator(rng, self.queued.task_uid, self.running.task_uid,
                              self.failed.task_uid, self.ghost.task_uid)
        statuses = {}
        routes = set()
        start = time.time()
        for number in range(REQUESTS):
            request = generator.request()
            where = "request #{} (seed {}): {!r}".format(number, SEED, request)
            response = self.send(request)
            status = response.status_code
            statuses[status] = statuses.get(status, 0) + 1
            routes.add(request.route.split("/")[1] if "/" in request.route else "")
            self.assertLess(status, 500, "{}\n{}".format(where, response.content[:2000]))
            if request.strict:
                self.assertGreaterEqual(status, 400, "{}\n{}".format(
                    where, response.content[:2000]))
            if request.accept == "application/xml":
                self.assertNotIn("Traceback", response.text, where)
            elif status != 406 and request.method != "HEAD":
                # 406: @@API's zip rendering, refused before the route runs
                data = self.decode(response)
                self.assertNotIn("Traceback", json.dumps(data), "{}\n{}".format(
                    where, response.content[:3000]))
                if status >= 400:
                    self.assertIs(data["success"], False, where)
            transaction.begin()
            self.assertUnchanged(self.before, where)
        elapsed = time.time() - start
        print("\nfuzz: {} requests in {:.1f} s (seed {}), statuses {}".format(
            REQUESTS, elapsed, SEED, sorted(statuses.items())))
        # every route that writes was tried
        self.assertEqual(set(WRITE_ROUTES) - routes, set())
        # the routes' own checks were reached
        for status in (400, 403, 404, 405, 406, 409, 412, 413, 428):
            self.assertIn(status, statuses)
