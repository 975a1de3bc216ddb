# -*- coding: utf-8 -*-
"""run_in_transaction: commit, retry on conflicts, abort on errors."""
from __future__ import absolute_import

import pytest
import transaction
from ZODB.POSException import ConflictError

from senaite.queue.core.retry import run_in_transaction
from senaite.queue.tests.unit.helpers import new_task
from senaite.queue.tests.unit.helpers import open_connection


def test_commits_and_returns_the_result(filestorage_db):
    conn = open_connection(filestorage_db)
    task = run_in_transaction(conn.transaction_manager, lambda: conn.root()[
        "queue"].add(new_task()))
    conn.close()
    with filestorage_db.transaction() as other:
        assert other.root()["queue"].has_task(task.task_uid)


def test_retries_a_conflict_in_a_fresh_transaction(filestorage_db):
    conn = open_connection(filestorage_db)
    calls = []

    def flaky():
        calls.append(1)
        conn.root()["queue"].add(new_task())
        if len(calls) < 3:
            raise ConflictError()
        return len(calls)

    assert run_in_transaction(conn.transaction_manager, flaky,
                              backoff=0) == 3
    assert len(conn.root()["queue"]) == 1  # the failed attempts left nothing
    conn.close()


def test_gives_up_after_the_retries(filestorage_db):
    conn = open_connection(filestorage_db)
    calls = []

    def conflict():
        calls.append(1)
        raise ConflictError()

    with pytest.raises(ConflictError):
        run_in_transaction(conn.transaction_manager, conflict, retries=2,
                           backoff=0)
    assert len(calls) == 3
    conn.close()


def test_other_errors_abort_at_once(filestorage_db):
    conn = open_connection(filestorage_db)
    calls = []

    def broken():
        calls.append(1)
        conn.root()["queue"].add(new_task())
        raise KeyError("boom")

    with pytest.raises(KeyError):
        run_in_transaction(conn.transaction_manager, broken)
    assert len(calls) == 1
    conn.transaction_manager.begin()
    assert len(conn.root()["queue"]) == 0
    conn.transaction_manager.abort()
    conn.close()


def test_works_with_the_thread_local_manager(filestorage_db):
    conn = filestorage_db.open()
    run_in_transaction(transaction.manager, lambda: conn.root()["queue"].add(
        new_task()))
    assert len(conn.root()["queue"]) == 1
    conn.close()
