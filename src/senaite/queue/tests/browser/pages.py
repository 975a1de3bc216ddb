# -*- coding: utf-8 -*-
"""The pages where users meet the queue, as a user works them: a worksheet and its
"Add analyses" page, the samples listing, the Queue Monitor and Queue Settings.

Selectors of senaite.queue's own markup live here (and in ``driver`` for SENAITE's), so
that the tests and the screenshots of the docs see the pages through one set of helpers.
"""

import time

from senaite.queue.tests.browser.driver import Keys

# The "Analyses in process" viewlet of worksheets and samples
QUEUED_VIEWLET = "#senaite-queue-queued-viewlet"
# Seconds between two presses of the viewlet's Refresh button
REFRESH_PAUSE = 2


class Page(object):
    """A page of the site at ``url`` (absolute, or relative to the site)."""

    path = ""

    def __init__(self, browser, url=None):
        self.browser = browser
        self.url = browser.url(url if url is not None else self.path)

    def open(self):
        self.browser.open(self.url)
        return self

    @property
    def listing(self):
        return self.browser.listing()

    def banner(self):
        """The text of the "Analyses in process" viewlet; empty when it is not shown."""
        return self.browser.text(QUEUED_VIEWLET)

    def banner_has_spinner(self):
        return self.browser.first(QUEUED_VIEWLET + " .spinner-border") is not None

    def refresh_until_processed(self, timeout=600):
        """Presses the viewlet's Refresh button, as a waiting user does, until the
        viewlet is gone; how many times it was pressed."""
        presses = 0
        deadline = time.time() + timeout
        while self.browser.first(QUEUED_VIEWLET) is not None:
            if time.time() > deadline:
                raise AssertionError("Still in process after {} s of Refresh: {}".format(
                    timeout, self.banner()))
            time.sleep(REFRESH_PAUSE)
            with self.browser.page_load():
                self.browser.click(QUEUED_VIEWLET + " a.btn")
            presses += 1
        return presses


class WorksheetPage(Page):
    """A worksheet's results (its default view)."""

    def add_analyses_page(self):
        return AddAnalysesPage(self.browser, self.url + "/add_analyses")

    def result_field(self, uid):
        return self.browser.first("input[column_key='Result'][uid='{}']".format(uid))

    def enter_results(self, results):
        """Types each result (analysis uid -> text) in its field, then Tab."""
        for uid, value in results.items():
            field = self.browser.wait(lambda: self.result_field(uid),
                                      "the result field of {}".format(uid))
            self.browser.fill(field, value)
            field.send_keys(Keys.TAB)
        self.browser.wait_idle()

    def save_results(self):
        """Presses "Save" under the listing; waits until the listing answered."""
        self.browser.click(self.browser.wait_for("button#ajax_save_selection", "Save"))
        self.browser.wait_idle()

    def submit(self):
        """Presses "Submit" for the selected analyses. The listing submits them through
        ajax, one request per analysis, then reloads the worksheet: waits for that page."""
        with self.browser.page_load():
            self.listing.press("submit")


class AddAnalysesPage(Page):
    """A worksheet's "Add analyses" page."""

    def assign(self):
        """Presses "Assign" for the selected analyses; waits for the page the site answers
        with. Returns the seconds that took."""
        listing = self.listing
        start = time.time()
        with self.browser.page_load():
            listing.press("assign")
        return time.time() - start


class SamplesPage(Page):
    """The samples listing."""

    path = "samples"


class MonitorPage(Page):
    """The Queue Monitor, on one of its tabs: ``active``, ``failed`` or ``all``."""

    path = "queue_tasks"

    def __init__(self, browser, tab=None):
        path = self.path
        if tab:
            path += "?queue_tasks_review_state={}".format(tab)
        super(MonitorPage, self).__init__(browser, path)

    def statistics(self):
        return self.browser.text("#senaite-queue-statistics")

    def reload_until(self, condition, message, timeout=300):
        """Opens the page again until ``condition(self)`` holds (the monitor shows the
        queue at the time of the page's load)."""
        deadline = time.time() + timeout
        while True:
            self.open()
            if condition(self):
                return self
            if time.time() > deadline:
                raise AssertionError("Timed out waiting for {} on {}".format(message, self.url))
            time.sleep(1)

    def act(self, task_uids, action, confirm=True):
        """Selects the tasks, presses ``action`` (``queue_requeue``, ``queue_remove``) and
        answers its confirmation; the confirmation's text. With ``confirm`` the page
        reloads with the result: waits for it."""
        listing = self.listing
        listing.select(task_uids)
        listing.press(action)
        question = listing.confirmation()
        if confirm:
            with self.browser.page_load():
                listing.answer(True)
        else:
            listing.answer(False)
        return question


class SettingsPage(Page):
    """Site Setup > Queue Settings."""

    path = "@@queue-controlpanel"
    SERVER = "#form-widgets-server"

    def server(self):
        return self.browser.find(self.SERVER).get_attribute("value")

    def save_server(self, value):
        """Types the Queue Server and presses Save; waits for the answer."""
        self.browser.fill(self.SERVER, value)
        with self.browser.page_load():
            self.browser.click("#form-buttons-save")

    def server_error(self):
        """The field error shown under the Queue Server; empty when there is none."""
        return self.browser.text("#formfield-form-widgets-server .fieldErrorBox")
