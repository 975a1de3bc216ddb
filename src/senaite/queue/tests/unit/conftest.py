# -*- coding: utf-8 -*-
"""Fixtures of the queue engine's unit tests (pytest, Python 2.7 and 3)."""
from __future__ import absolute_import

import warnings

# cryptography 3.3 warns on import under Python 2.7; the pin is deliberate.
warnings.filterwarnings("ignore", message=".*Python 2 is no longer supported")

import pytest  # noqa: E402
import ZODB  # noqa: E402
from hypothesis import settings  # noqa: E402
from ZODB.FileStorage import FileStorage  # noqa: E402

from senaite.queue.core.storage import TaskQueue  # noqa: E402
from senaite.queue.tests.unit.zeoserver import ZEOServer  # noqa: E402

settings.register_profile("senaite.queue", max_examples=100, deadline=None,
                          database=None)
settings.load_profile("senaite.queue")


@pytest.fixture
def queue():
    """A TaskQueue outside any database."""
    return TaskQueue()


@pytest.fixture
def filestorage_db(tmp_path):
    """A DB on a FileStorage in a temporary directory, with a TaskQueue
    at root["queue"]."""
    db = ZODB.DB(FileStorage(str(tmp_path / "Data.fs")))
    with db.transaction() as conn:
        conn.root()["queue"] = TaskQueue()
    yield db
    db.close()


@pytest.fixture
def zeo_server(tmp_path):
    """A ZEO server on a free loopback port, stopped after the test."""
    server = ZEOServer(str(tmp_path))
    yield server
    server.stop()
