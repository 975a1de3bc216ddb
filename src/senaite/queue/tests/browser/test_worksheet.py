# -*- coding: utf-8 -*-
"""A lab manager assigns analyses to a worksheet, and submits their results, in the browser.

The consumers are paused while the test looks at what the user sees right after pressing
the button, then resumed: the user gets the work done by pressing Refresh, nothing else.
"""

from senaite.queue.tests.browser.lab import LAB_MANAGER
from senaite.queue.tests.browser.lab import PASSWORD
from senaite.queue.tests.browser.lab import SERVICES
from senaite.queue.tests.browser.pages import AddAnalysesPage
from senaite.queue.tests.browser.pages import WorksheetPage

ASSIGNED = 50
SUBMITTED = 20


def test_assign_50_analyses(browser, lab, record_property):
    analyses = lab.samples(ASSIGNED // SERVICES)["analyses"]
    worksheet = lab.worksheet()
    lab.pause()
    browser.login(LAB_MANAGER, PASSWORD)

    add = AddAnalysesPage(browser, worksheet["url"] + "/add_analyses").open()
    add.listing.wait_rows(analyses)
    add.listing.select_all()
    assert sorted(add.listing.selected_uids()) == sorted(analyses)
    assert add.listing.button_count("assign") == ASSIGNED
    record_property("assign_seconds", round(add.assign(), 2))

    # The page answered before any analysis was assigned: the assignment is queued
    info = lab.worksheet_info(worksheet["uid"])
    assert info["analyses"] == 0 and info["queued"]
    assert browser.current_url.startswith(worksheet["url"])
    assert any("{} analyses queued for assignment".format(ASSIGNED) in message
               for message in browser.status_messages()), browser.status_messages()
    page = WorksheetPage(browser, worksheet["url"])
    assert "Analyses in process" in page.banner()
    assert "{} analyses are being processed in background".format(ASSIGNED) in page.banner()
    assert page.banner_has_spinner()

    # In "Add analyses", the queued analyses show a spinner and cannot be selected
    add.open()
    listing = add.listing
    listing.wait_rows(analyses)
    assert all(listing.is_queued(uid) for uid in analyses)
    assert not any(listing.is_selectable(uid) for uid in analyses)
    assert not listing.try_select(analyses[0])
    assert listing.selected_uids() == []
    assert listing.button("assign") is None

    # Nothing from the user but Refresh
    lab.resume()
    page.open()
    page.refresh_until_processed()
    page.listing.wait_rows(analyses)
    assert not any(page.listing.is_queued(uid) for uid in analyses)
    assert {page.listing.cell(uid, "state_title") for uid in analyses} == {"Assigned"}
    info = lab.worksheet_info(worksheet["uid"])
    assert info["analyses"] == ASSIGNED and not info["queued"]


def test_submit_results(browser, lab):
    analyses = lab.samples(SUBMITTED // SERVICES)["analyses"]
    worksheet = lab.worksheet(analyses)
    assert worksheet["analyses"] == SUBMITTED
    lab.pause()
    browser.login(LAB_MANAGER, PASSWORD)

    page = WorksheetPage(browser, worksheet["url"]).open()
    listing = page.listing
    listing.wait_rows(analyses)
    page.enter_results(dict((uid, str(10 + index)) for index, uid in enumerate(analyses)))
    assert sorted(listing.selected_uids()) == sorted(analyses)
    page.save_results()
    browser.wait(lambda: listing.button_count("submit") == SUBMITTED,
                 "Submit for {} analyses".format(SUBMITTED))
    page.submit()

    # The results are saved, the submission is queued
    states = lab.analyses_info(analyses)
    assert {state["state"] for state in states.values()} == {"assigned"}
    assert all(state["queued"] for state in states.values())
    assert "{} analyses are being processed in background".format(SUBMITTED) in page.banner()
    assert page.banner_has_spinner()
    listing.wait_rows(analyses)
    assert all(listing.is_queued(uid) for uid in analyses)
    assert not any(listing.is_selectable(uid) for uid in analyses)
    assert not any(page.result_field(uid) for uid in analyses)

    # Nothing from the user but Refresh
    lab.resume()
    page.refresh_until_processed()
    listing.wait_rows(analyses)
    assert not any(listing.is_queued(uid) for uid in analyses)
    assert {listing.cell(uid, "state_title") for uid in analyses} == {"To be verified"}
    states = lab.analyses_info(analyses)
    assert {state["state"] for state in states.values()} == {"to_be_verified"}
