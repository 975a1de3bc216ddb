# -*- coding: utf-8 -*-
"""The Queue Monitor (``queue_tasks``): a failed task's error, Requeue and Remove with their
confirmations, and no management buttons for lab clerks and analysts."""

import pytest
from senaite.queue.tests.browser.lab import ANALYST
from senaite.queue.tests.browser.lab import LAB_CLERK
from senaite.queue.tests.browser.lab import LAB_MANAGER
from senaite.queue.tests.browser.lab import PASSWORD
from senaite.queue.tests.browser.pages import MonitorPage

MANAGEMENT = ("queue_requeue", "queue_remove")


@pytest.fixture
def failed_task(lab):
    """A task that failed for real (its adapter raises, no retries); consumers paused."""
    lab.resume()
    task_uid, = lab.add_tasks([{"name": "queue_test_raise", "retries": 0, "min_seconds": 0}])
    lab.wait(lambda status: (lab.task(task_uid) or {}).get("status") == "failed",
             "the task to fail")
    lab.pause()
    yield task_uid
    lab.delete_task(task_uid)


@pytest.fixture
def queued_task(lab):
    """A task that stays queued (consumers paused)."""
    lab.pause()
    task_uid, = lab.add_tasks([{"name": "queue_test_record", "uids": ["b" * 32]}])
    yield task_uid
    lab.delete_task(task_uid)


def test_failed_task_requeue_and_remove(browser, lab, failed_task):
    browser.login(LAB_MANAGER, PASSWORD)
    page = MonitorPage(browser, "failed").open()
    listing = page.listing
    listing.wait_rows([failed_task])
    assert "RuntimeError: Failure on purpose" in listing.cell(failed_task, "error_message")
    assert listing.cell(failed_task, "status") == "failed"

    # Requeue asks first: "No" changes nothing, "Yes" queues the task again
    question = page.act([failed_task], "queue_requeue", confirm=False)
    assert "Queue the selected tasks again?" in question
    assert lab.task(failed_task)["status"] == "failed"
    assert "Queue the selected tasks again?" in page.act([failed_task], "queue_requeue")
    assert any("Tasks queued again" in message for message in browser.status_messages()), \
        browser.status_messages()
    assert lab.task(failed_task)["status"] == "queued"
    page = MonitorPage(browser, "active").open()
    listing = page.listing
    listing.wait_rows([failed_task])
    assert listing.cell(failed_task, "status") == "queued"

    # Remove asks first too: "No" keeps the task, "Yes" removes it
    question = page.act([failed_task], "queue_remove", confirm=False)
    assert "Remove the selected tasks from the queue? This cannot be undone." in question
    assert lab.task(failed_task)["status"] == "queued"
    page.act([failed_task], "queue_remove")
    assert any("Tasks removed" in message for message in browser.status_messages()), \
        browser.status_messages()
    assert lab.task(failed_task) is None
    page = MonitorPage(browser, "all").open()
    assert not page.listing.has_row(failed_task)


@pytest.mark.parametrize("user", [LAB_CLERK, ANALYST])
def test_no_management_buttons(browser, lab, queued_task, user):
    """Managing the queue needs "senaite.queue: Manage queue" (not given to lab clerks,
    who hold "Manage Bika"); analysts cannot read the queue at all."""
    browser.login(user, PASSWORD)
    page = MonitorPage(browser).open()
    listing = page.listing
    if user == LAB_CLERK:
        # clerks see the queue's tasks, and may select them, but not manage them
        assert listing.has_row(queued_task)
        if listing.is_selectable(queued_task):
            listing.select([queued_task])
    else:
        assert not listing.has_row(queued_task)
    assert not set(MANAGEMENT) & set(listing.buttons())
    texts = [" ".join(button.text.split()) for button in browser.find_all("button")]
    assert not [text for text in texts if text.startswith(("Requeue", "Remove"))], texts
