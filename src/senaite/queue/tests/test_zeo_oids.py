# -*- coding: utf-8 -*-
"""The patch that makes ZEO clients forget their prefetched oids on reconnection.

Two clients of a real ZEO server: the first fetches oids, the server is restarted, the second
commits new objects. Without the patch the first client's next oids are those objects' oids.
"""

import shutil
import tempfile
import time
import unittest

import transaction
import ZODB
from persistent.mapping import PersistentMapping
from senaite.queue.patches import zeo
from senaite.queue.tests.unit.zeoserver import ZEOServer
from ZEO.ClientStorage import ClientStorage


class TestPrefetchedOids(unittest.TestCase):

    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="senaite-queue-zeo-")
        self.server = ZEOServer(self.directory)
        self.dbs = []
        # The site's ZCML applies the patch; without it, apply it for this test only
        self.patched = not hasattr(ClientStorage, "_old_notify_connected")
        if self.patched:
            ClientStorage._old_notify_connected = ClientStorage.notify_connected
            ClientStorage.notify_connected = zeo.notify_connected

    def tearDown(self):
        for db in self.dbs:
            db.close()
        self.server.stop()
        if self.patched:
            ClientStorage.notify_connected = ClientStorage._old_notify_connected
            del ClientStorage._old_notify_connected
        shutil.rmtree(self.directory, ignore_errors=True)

    def open(self):
        storage = ClientStorage(self.server.address, wait_timeout=30)
        db = ZODB.DB(storage)
        self.dbs.append(db)
        return storage, db

    def add_objects(self, db, count):
        """Commit ``count`` new objects; their oids."""
        manager = transaction.TransactionManager()
        conn = db.open(manager)
        try:
            objs = [PersistentMapping() for _ in range(count)]
            conn.root()["objs"] = objs
            manager.commit()
            return set(obj._p_oid for obj in objs)
        finally:
            conn.close()

    def test_oids_fetched_before_a_server_restart_are_not_used(self):
        first, first_db = self.open()
        self.add_objects(first_db, 1)
        first.new_oid()  # fetches a batch of oids from the server
        self.server.stop()
        self.server = ZEOServer(self.directory, port=self.server.port)
        deadline = time.time() + 30
        while not first.is_connected():
            self.assertLess(time.time(), deadline, "the client did not reconnect")
            time.sleep(0.1)
        second, second_db = self.open()
        taken = self.add_objects(second_db, 5)
        mine = set(first.new_oid() for _ in range(5))
        self.assertFalse(mine & taken)
