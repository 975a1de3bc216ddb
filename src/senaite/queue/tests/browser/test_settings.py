# -*- coding: utf-8 -*-
"""Site Setup > Queue Settings: the Queue Server is checked before it is saved, and the
form says whether it answers."""

import warnings

from senaite.queue.tests.browser.pages import SettingsPage
from senaite.queue.tests.e2e.cluster import free_port


def test_queue_server(browser, lab, cluster):
    good = lab.server_url
    silent = "http://localhost:{}/senaite".format(free_port())
    browser.login(cluster.local["admin-user"], cluster.local["admin-password"])
    page = SettingsPage(browser).open()
    assert page.server() == good
    try:
        # A malformed URL: the field says what is wrong, nothing is saved
        page.save_server("localhost:8090/senaite")
        assert page.server_error()
        assert page.open().server() == good

        # A URL that does not answer is saved, with a warning
        page.save_server(silent)
        messages = browser.status_messages()
        assert any("{} does not answer".format(silent) in text for text in messages), messages
        assert page.open().server() == silent

        # A good URL is saved, and said to answer. The form waits 3 s for the server's
        # answer: on a machine too busy for that it says "does not answer", which is not
        # what this test is about (a timing), so it only warns then.
        page.save_server(good)
        messages = browser.status_messages()
        assert "Info Changes saved." in " ".join(messages), messages
        assert not page.server_error()
        said = [text for text in messages if "Queue server {} ".format(good) in text]
        assert said, messages
        if not any("{} answers".format(good) in text for text in said):
            warnings.warn("The Queue Settings said: {}".format(said))
        assert page.open().server() == good
    finally:
        lab.settings(server=good)
