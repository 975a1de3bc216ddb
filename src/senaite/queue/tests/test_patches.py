# -*- coding: utf-8 -*-
"""The patches of patches/configure.zcml."""

import unittest

from App.config import getConfiguration
from Products.MailHost.MailHost import MailBase
from senaite.queue.patches import mail
from senaite.queue.patches import zeo
from senaite.queue.patches.zserver import restore_conflict_retries
from senaite.queue.patches.zserver import set_global_request
from senaite.queue.testing import SENAITE_QUEUE_TESTING
from ZEO.ClientStorage import ClientStorage
from zope.component import getGlobalSiteManager
from zope.globalrequest import clearRequest
from zope.globalrequest import getRequest
from zope.globalrequest import setRequest
from zope.processlifetime import ProcessStarting
from ZPublisher.HTTPRequest import HTTPRequest
from ZPublisher.interfaces import IPubStart
from ZPublisher.pubevents import PubStart


class TestPatches(unittest.TestCase):

    layer = SENAITE_QUEUE_TESTING

    def test_zeo_clients_forget_unused_ids_on_reconnection(self):
        self.assertIs(ClientStorage.notify_connected.__func__, zeo.notify_connected)
        self.assertTrue(hasattr(ClientStorage, "_old_notify_connected"))

    def test_mail_of_consumer_runs_waits_for_the_commit(self):
        # the behaviour is tested in test_mail.py
        self.assertIs(MailBase._send.__func__, mail._send)
        self.assertTrue(hasattr(MailBase, "_old__send"))


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


class TestGlobalRequest(unittest.TestCase):
    """ZPublisher's retry of a request is the global request."""

    layer = SENAITE_QUEUE_TESTING

    def test_subscribed_to_every_publication(self):
        handlers = [registration.handler for registration in
                    getGlobalSiteManager().registeredHandlers()
                    if IPubStart in registration.required]
        self.assertIn(set_global_request, handlers)

    def tearDown(self):
        clearRequest()

    def test_a_retried_request_replaces_the_closed_one(self):
        closed, retried = object(), object()
        setRequest(closed)
        set_global_request(PubStart(retried))
        self.assertIs(getRequest(), retried)

    def test_a_request_when_there_is_none(self):
        clearRequest()
        request = object()
        set_global_request(PubStart(request))
        self.assertIs(getRequest(), request)
