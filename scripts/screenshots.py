#!/usr/bin/env python3
"""Screenshots of senaite.queue for the documentation, taken with headless Chromium.

The browser is driven by the browser tests' own helpers (src/senaite/queue/tests/browser:
``driver`` for Chromium and SENAITE's pages, ``pages`` for the queue's), so that the docs show
what the tests check. Against the cluster of `make run`, it logs in as the admin of local.cfg,
opens Site Setup > Queue Settings, submits an invalid Queue Server so that the form shows a
field error, and saves the page as docs/_static/controlpanel.png.

Then it shows the queue at work in SENAITE. A script run by `bin/client1 run` makes a lab
manager (`labmanager`, a user of the site: tasks run as their user), a client with received
samples and a worksheet holding their analyses, with results. The lab manager logs in, selects
most of them on the worksheet and presses "Submit" while each task holds its transaction for
30 s (the settings are restored at the end), and the script saves the worksheet
(worksheet_queued.png: queued rows with spinners, the "being processed" viewlet) and the
samples listing (samples_queued.png). The lab manager then submits the worksheet's other
analyses too, so that a second task waits behind the running one, and the script saves the
Queue Monitor's Active tab (monitor.png), then its Failed and All tabs with a task that failed
for real (monitor_failed.png, monitor_all.png).

Usage: scripts/screenshots.py [--url http://localhost:8080/senaite] [--config local.cfg]
                              [--out docs/_static] [--chromium /usr/bin/chromium]
                              [--chromedriver /usr/bin/chromedriver]
Run it with the Python 3 of `make test-browser` (Selenium): `make screenshots` does.
"""

import argparse
import base64
import configparser
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

from senaite.queue.tests.browser.driver import Browser  # noqa: E402
from senaite.queue.tests.browser.driver import new_driver  # noqa: E402
from senaite.queue.tests.browser.pages import MonitorPage  # noqa: E402
from senaite.queue.tests.browser.pages import SamplesPage  # noqa: E402
from senaite.queue.tests.browser.pages import SettingsPage  # noqa: E402
from senaite.queue.tests.browser.pages import WorksheetPage  # noqa: E402

INVALID_SERVER = "localhost:8090"
QUEUED = ".senaite-queue-queued"
TIMEOUT = 60


def wait_for_site(url):
    deadline = time.time() + 180
    while True:
        try:
            urllib.request.urlopen(url + "/login", timeout=10).close()
            return
        except (urllib.error.URLError, OSError):
            if time.time() > deadline:
                raise RuntimeError("{} does not answer".format(url))
            time.sleep(1)


def shoot(browser, out_dir, name, note=""):
    path = browser.screenshot(os.path.join(out_dir, name))
    print("{}{}".format(path, ": " + note if note else ""))


def controlpanel(browser, out_dir):
    """The control panel with one field error, as controlpanel.png."""
    page = SettingsPage(browser).open()
    page.save_server(INVALID_SERVER)
    error = page.server_error()
    if not error:
        raise RuntimeError("The control panel shows no error for the Queue Server")
    shoot(browser, out_dir, "controlpanel.png", "Queue Server error: {}".format(error))


# The queue at work. SENAITE 2.6's web APIs cannot create analysis services (a validator
# needs a browser form), so the lab is made by this script, run by a ZEO client of the
# cluster (`bin/client1 run`), as the admin. Nothing in it goes through the queue.
LAB_USER = "labmanager"
SAMPLES = 5
SUBMITTED = 16
HOLD_SECONDS = 30
DEFAULT_SETTINGS = {"senaite.queue.default": 10, "senaite.queue.min_seconds_task": 3}
LAB_SCRIPT = r"""
import json
import sys

import transaction
from AccessControl.SecurityManagement import newSecurityManager
from Testing.makerequest import makerequest
from zope.component.hooks import setSite
from zope.globalrequest import setRequest

site_id, admin_id, user_id, password, count = sys.argv[-5:]
app = makerequest(app)  # noqa: F821 (bin/client1 run provides app)
setRequest(app.REQUEST)
newSecurityManager(None, app.acl_users.getUserById(admin_id).__of__(app.acl_users))
portal = app[site_id]
setSite(portal)
portal.setupCurrentSkin(app.REQUEST)

from bika.lims import api
from bika.lims.utils.analysisrequest import create_analysisrequest
from bika.lims.workflow import doActionFor
from DateTime import DateTime
from plone import api as ploneapi

# A lab manager: a user of the site, so that the queue runs their tasks as them
if ploneapi.user.get(username=user_id) is None:
    ploneapi.user.create(username=user_id, password=password, roles=["LabManager"],
                         email="{}@example.com".format(user_id),
                         properties={"fullname": "Lab Manager"})
else:
    portal.acl_users.source_users.userSetPassword(user_id, password)


def value_of(obj, name):
    getter = getattr(obj, "get" + name, None) or getattr(obj, name, None)
    return getter() if callable(getter) else getter


def first(container, portal_type, **fields):
    for obj in container.objectValues():
        if api.get_portal_type(obj) == portal_type and all(
                value_of(obj, name) == value for name, value in fields.items()):
            return obj
    return None


setup = portal.bika_setup
client = first(portal.clients, "Client", ClientID="DOCS") or api.create(
    portal.clients, "Client", Name="Happy Hills", ClientID="DOCS")
contact = first(client, "Contact", Surname="Mohale") or api.create(
    client, "Contact", Firstname="Rita", Surname="Mohale")
sampletype = first(portal.setup.sampletypes, "SampleType", Prefix="W") or api.create(
    portal.setup.sampletypes, "SampleType", title="Water", Prefix="W")
labcontact = first(setup.bika_labcontacts, "LabContact", Surname="Manager") or api.create(
    setup.bika_labcontacts, "LabContact", Firstname="Lab", Surname="Manager")
department = first(portal.setup.departments, "Department", DepartmentID="CHEM") or api.create(
    portal.setup.departments, "Department", title="Chemistry", DepartmentID="CHEM",
    Manager=labcontact)
category = first(portal.setup.analysiscategories, "AnalysisCategory", Title="Metals") or \
    api.create(portal.setup.analysiscategories, "AnalysisCategory", title="Metals",
               Department=department)
services = []
for title, keyword in (("Copper", "Cu"), ("Iron", "Fe"), ("Zinc", "Zn"), ("Lead", "Pb")):
    services.append(first(setup.bika_analysisservices, "AnalysisService", Keyword=keyword) or
                    api.create(setup.bika_analysisservices, "AnalysisService", title=title,
                               Keyword=keyword, Price="10", Category=api.get_uid(category)))

# Received samples, their analyses on a new worksheet, with results
values = {"Client": api.get_uid(client), "Contact": api.get_uid(contact),
          "SampleType": api.get_uid(sampletype), "DateSampled": DateTime()}
analyses = []
for _ in range(int(count)):
    sample = create_analysisrequest(client, app.REQUEST, values, [api.get_uid(service)
                                                                  for service in services])
    doActionFor(sample, "receive")
    analyses.extend(sorted(sample.getAnalyses(full_objects=True), key=lambda a: a.getKeyword()))
worksheet = api.create(portal.worksheets, "Worksheet")
worksheet.setAnalyst(user_id)
worksheet.addAnalyses(analyses)
for analysis in analyses:
    analysis.setResult("12")
transaction.commit()
sys.stdout.write("LAB {}\n".format(json.dumps({
    "worksheet": api.get_path(worksheet)[len(api.get_path(portal)):],
    "analyses": [api.get_uid(analysis) for analysis in analyses]})))
"""

class Site(object):
    """Requests to the site as the admin (basic authentication): settings and the JSON API,
    which no user of the screenshots clicks."""

    def __init__(self, url, user, password):
        self.url = url
        self.auth = "Basic " + base64.b64encode(
            "{}:{}".format(user, password).encode("utf-8")).decode("ascii")

    def request(self, method, url, data=None):
        headers = {"Authorization": self.auth, "Accept": "application/json"}
        body = None
        if data is not None:
            body = json.dumps(data).encode("utf-8")
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                return response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            error.msg = "{} {}: {}".format(method, url, error.read()[:500].decode("utf-8"))
            raise

    def set_settings(self, settings):
        """The queue's settings, through plone.restapi's registry endpoint."""
        self.request("PATCH", "{}/@registry".format(self.url), data=settings)


def make_lab(url, config, password):
    """Runs LAB_SCRIPT in a ZEO client of the cluster; what it made."""
    site_id = urllib.parse.urlsplit(url).path.strip("/").split("/")[-1]
    with tempfile.NamedTemporaryFile("w", suffix=".py") as script:
        script.write(LAB_SCRIPT)
        script.flush()
        output = subprocess.run(
            [os.path.join(ROOT, "bin", "client1"), "run", script.name, site_id,
             config["local"]["admin-user"], LAB_USER, password, str(SAMPLES)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout.decode("utf-8")
    lines = [line for line in output.splitlines() if line.startswith("LAB ")]
    if not lines:
        raise RuntimeError("The lab script failed:\n{}".format(output[-3000:]))
    return json.loads(lines[-1][4:])


def queue_at_work(browser, url, server_url, config, out_dir):
    """A worksheet with analyses being submitted in background, and the samples listing."""
    password = secrets.token_urlsafe(16)
    lab = make_lab(url, config, password)
    admin = Site(url, config["local"]["admin-user"], config["local"]["admin-password"])
    # Each task holds its transaction a while: the screenshots catch the analyses queued
    admin.set_settings({"senaite.queue.default": 5,
                        "senaite.queue.min_seconds_task": HOLD_SECONDS})
    try:
        browser.login(LAB_USER, password)
        worksheet = WorksheetPage(browser, url + lab["worksheet"])
        submit(worksheet, lab["analyses"][:SUBMITTED])
        browser.wait(lambda: len(browser.find_all(QUEUED)) >= SUBMITTED - 5,
                     "the submitted analyses shown queued", TIMEOUT)
        shoot(browser, out_dir, "worksheet_queued.png", worksheet.banner())
        samples = SamplesPage(browser).open()
        browser.wait(lambda: browser.find_all(QUEUED), "samples shown queued", TIMEOUT)
        shoot(browser, out_dir, "samples_queued.png", "{} samples shown queued".format(
            len(samples.browser.find_all(QUEUED))))
        monitor(browser, worksheet, lab["analyses"][SUBMITTED:], out_dir)
        monitor_failed(browser, server_url, admin, out_dir)
    finally:
        admin.set_settings(DEFAULT_SETTINGS)


def submit(worksheet, uids):
    """The lab manager selects the analyses on the worksheet and presses "Submit"."""
    worksheet.open()
    worksheet.listing.wait_rows(uids)
    worksheet.listing.select(uids)
    worksheet.submit()


def listing_text(browser):
    return browser.text("#folderlisting-main-table")


def monitor(browser, worksheet, uids, out_dir):
    """The Queue Monitor's Active tab with a running task and one queued behind it."""
    submit(worksheet, uids)
    page = MonitorPage(browser)
    page.reload_until(lambda page: listing_text(browser).count("task_action_submit") >= 2,
                      "two submit tasks", 6 * TIMEOUT)
    shoot(browser, out_dir, "monitor.png", page.statistics())


def monitor_failed(browser, server_url, admin, out_dir):
    """The Failed and All tabs, with a task that failed for real: a Manager queued it through
    the JSON API for a user that does not exist (any more), so the consumer could not run it
    as that user, and it had no retries left."""
    admin.request("POST", "{}/@@API/senaite/v1/queue_server/add".format(server_url), data={
        "name": "task_generic_action", "context_uid": "0", "action": "submit", "uids": [],
        "username": "former_analyst", "retries": 0, "priority": -100})
    for tab, name, text in (("failed", "monitor_failed.png", "not a user of this site"),
                            ("all", "monitor_all.png", "former_analyst")):
        MonitorPage(browser, tab).reload_until(
            lambda page: text in listing_text(browser), text, 6 * TIMEOUT)
        shoot(browser, out_dir, name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://localhost:8080/senaite")
    parser.add_argument("--server-url", default="http://localhost:8090/senaite")
    parser.add_argument("--config", default="local.cfg")
    parser.add_argument("--out", default="docs/_static")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = parser.parse_args()

    config = configparser.ConfigParser()
    if not config.read(args.config):
        sys.exit("No {}: run `make run` first".format(args.config))
    url = args.url.rstrip("/")
    wait_for_site(url)
    os.makedirs(args.out, exist_ok=True)
    browser = Browser(url, driver=new_driver(args.chromium, args.chromedriver))
    try:
        browser.login(config["local"]["admin-user"], config["local"]["admin-password"])
        controlpanel(browser, args.out)
        queue_at_work(browser, url, args.server_url.rstrip("/"), config, args.out)
    finally:
        browser.quit()


if __name__ == "__main__":
    main()
