# -*- coding: utf-8 -*-
"""Whether the queue server answers, as a process finds out: cached, and since when not."""

import unittest

from senaite.queue.client import health
from senaite.queue.tests.test_api import UNREACHABLE
from senaite.queue.tests.test_api import patched


class FakeClock(object):

    def __init__(self, now=1000000.0):
        self.now = now

    def time(self):
        return self.now


class TestServerCheck(unittest.TestCase):

    def setUp(self):
        health.forget()
        self.clock = FakeClock()
        self.answers = []
        self.calls = []

    def tearDown(self):
        health.forget()

    def ping(self, url, timeout=None):
        self.calls.append((url, timeout))
        return self.answers.pop(0)

    def check(self):
        with patched(health, ping=self.ping, time=self.clock):
            return health.check(UNREACHABLE)

    def test_cached_per_process(self):
        self.answers = [False, False]
        for _ in range(5):
            self.assertFalse(self.check().answers)
        self.assertEqual(self.calls, [(UNREACHABLE, health.CHECK_TIMEOUT)])
        self.clock.now += health.CHECK_SECONDS - 0.5
        self.check()
        self.assertEqual(len(self.calls), 1)
        self.clock.now += 1
        self.check()
        self.assertEqual(len(self.calls), 2)
        self.assertLessEqual(health.CHECK_SECONDS, 10)

    def test_silent_since_the_first_unanswered_check(self):
        self.answers = [True, False, False, False, True, False]
        self.assertEqual(self.check(), (self.clock.now, True, None))
        start = self.clock.now
        for _ in range(3):
            self.clock.now += health.CHECK_SECONDS
            check = self.check()
            self.assertFalse(check.answers)
            self.assertEqual(check.silent_since, start + health.CHECK_SECONDS)
        self.clock.now += health.CHECK_SECONDS
        self.assertIsNone(self.check().silent_since)
        self.clock.now += health.CHECK_SECONDS
        self.assertEqual(self.check().silent_since, self.clock.now)

    def test_unreachable_server_is_checked_once_with_a_short_timeout(self):
        # a real ping of a port nobody listens on, asked for 20 times in a row
        health.forget()
        pings = []

        def ping(url, timeout=None):
            pings.append(timeout)
            return real_ping(url, timeout=timeout)
        real_ping = health.ping
        with patched(health, ping=ping):
            for _ in range(20):
                self.assertFalse(health.check(UNREACHABLE).answers)
        self.assertEqual(pings, [health.CHECK_TIMEOUT])
        self.assertLessEqual(health.CHECK_TIMEOUT, 2)
