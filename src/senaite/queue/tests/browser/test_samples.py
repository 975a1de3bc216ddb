# -*- coding: utf-8 -*-
"""Samples whose analyses are queued show as queued in the samples listing."""

from senaite.queue.tests.browser.lab import LAB_MANAGER
from senaite.queue.tests.browser.lab import PASSWORD
from senaite.queue.tests.browser.lab import SERVICES
from senaite.queue.tests.browser.pages import Page
from senaite.queue.tests.browser.pages import SamplesPage


def test_samples_with_queued_analyses(browser, lab):
    data = lab.samples(2)
    queued, other = data["samples"]
    queued_analyses = data["analyses"][:SERVICES]
    # On a worksheet, so that they are not offered in other tests' "Add analyses"
    lab.worksheet(data["analyses"])
    lab.pause()
    task_uids = lab.add_tasks([{"name": "queue_test_record", "uids": queued_analyses}])
    try:
        browser.login(LAB_MANAGER, PASSWORD)
        page = SamplesPage(browser).open()
        listing = page.listing
        listing.wait_rows([queued["uid"], other["uid"]])
        assert listing.is_queued(queued["uid"])
        assert not listing.is_selectable(queued["uid"])
        assert not listing.is_queued(other["uid"])
        assert listing.is_selectable(other["uid"])

        # The sample itself says so too
        sample = Page(browser, queued["url"]).open()
        assert "{} analyses are being processed in background".format(SERVICES) in \
            sample.banner()
        assert not Page(browser, other["url"]).open().banner()
    finally:
        for task_uid in task_uids:
            lab.delete_task(task_uid)
