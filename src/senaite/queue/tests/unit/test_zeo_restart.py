# -*- coding: utf-8 -*-
"""No object id is handed out twice after the ZEO server restarts (patches/zeo.py)."""
from __future__ import absolute_import

import time

import pytest
from ZEO.ClientStorage import ClientStorage

from senaite.queue.patches import zeo
from senaite.queue.tests.unit.zeoserver import ZEOServer


@pytest.fixture
def patched_client_storage(monkeypatch):
    monkeypatch.setattr(ClientStorage, "_old_notify_connected",
                        ClientStorage.notify_connected, raising=False)
    monkeypatch.setattr(ClientStorage, "notify_connected", zeo.notify_connected)


def wait_connected(storage, seconds=30):
    deadline = time.time() + seconds
    while not storage.is_connected():
        assert time.time() < deadline, "no reconnection"
        time.sleep(0.05)


def test_new_object_ids_after_a_restart(tmp_path, patched_client_storage):
    server = ZEOServer(str(tmp_path))
    first = ClientStorage(server.address, wait_timeout=30)
    try:
        first.new_oid()  # fetches a batch of ids, keeps the rest
        server.stop()
        server = ZEOServer(str(tmp_path), port=server.port)
        wait_connected(first)
        second = ClientStorage(server.address, wait_timeout=30)
        try:
            ids = [first.new_oid() for _ in range(5)] + [second.new_oid() for _ in range(5)]
            # unpatched, the first client hands out again ids the second one gets
            assert len(set(ids)) == len(ids)
        finally:
            second.close()
    finally:
        first.close()
        server.stop()
