# -*- coding: utf-8 -*-
"""The monkey patches of patches/configure.zcml are in place."""

import unittest

from senaite.queue.patches import zeo
from senaite.queue.testing import SENAITE_QUEUE_TESTING
from ZEO.ClientStorage import ClientStorage


class TestPatches(unittest.TestCase):

    layer = SENAITE_QUEUE_TESTING

    def test_zeo_clients_forget_unused_ids_on_reconnection(self):
        self.assertIs(ClientStorage.notify_connected.__func__, zeo.notify_connected)
        self.assertTrue(hasattr(ClientStorage, "_old_notify_connected"))
