# -*- coding: utf-8 -*-
"""The patches of patches/configure.zcml."""

import unittest

from App.config import getConfiguration
from senaite.queue.patches import zeo
from senaite.queue.patches.zserver import restore_conflict_retries
from senaite.queue.testing import SENAITE_QUEUE_TESTING
from ZEO.ClientStorage import ClientStorage
from zope.processlifetime import ProcessStarting
from ZPublisher.HTTPRequest import HTTPRequest


class TestPatches(unittest.TestCase):

    layer = SENAITE_QUEUE_TESTING

    def test_zeo_clients_forget_unused_ids_on_reconnection(self):
        self.assertIs(ClientStorage.notify_connected.__func__, zeo.notify_connected)
        self.assertTrue(hasattr(ClientStorage, "_old_notify_connected"))


class TestConflictRetries(unittest.TestCase):

    def setUp(self):
        self.config = getConfiguration()
        self.saved = (HTTPRequest.retry_max_count,
                      getattr(self.config, "max_conflict_retries", None))

    def tearDown(self):
        HTTPRequest.retry_max_count, self.config.max_conflict_retries = self.saved

    def test_sets_the_class_from_zope_conf(self):
        HTTPRequest.retry_max_count = 0
        self.config.max_conflict_retries = 3
        restore_conflict_retries(ProcessStarting())
        self.assertEqual(HTTPRequest.retry_max_count, 3)

    def test_keeps_a_value_set_already(self):
        HTTPRequest.retry_max_count = 5
        self.config.max_conflict_retries = 3
        restore_conflict_retries(ProcessStarting())
        self.assertEqual(HTTPRequest.retry_max_count, 5)

    def test_no_setting(self):
        HTTPRequest.retry_max_count = 0
        self.config.max_conflict_retries = None
        restore_conflict_retries(ProcessStarting())
        self.assertEqual(HTTPRequest.retry_max_count, 0)
