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

Last, samples in background, with the consumer frozen (SIGSTOP, by the browser tests' ``Lab``)
so that the work stays queued: the lab manager selects 12 verified samples (more than the
default threshold, 10) in the client's samples listing and presses "Invalidate"
(samples_transition_queued.png), then saves the client's Add Sample form with 12 columns
and follows its answer to ``queued_samples`` (samples_add_queued.png). The consumer then
goes on and the script waits until the queue is empty. ``--only`` takes one group of
screenshots (controlpanel, worksheet, samples).

Usage: scripts/screenshots.py [--url http://localhost:8080/senaite] [--config local.cfg]
                              [--server-url ...] [--consumer-url ...] [--only samples]
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
from senaite.queue.tests.browser.lab import Lab  # noqa: E402
from senaite.queue.tests.browser.pages import MonitorPage  # noqa: E402
from senaite.queue.tests.browser.pages import Page  # noqa: E402
from senaite.queue.tests.browser.pages import SamplesPage  # noqa: E402
from senaite.queue.tests.browser.pages import SettingsPage  # noqa: E402
from senaite.queue.tests.browser.pages import WorksheetPage  # noqa: E402
from senaite.queue.tests.e2e.cluster import API  # noqa: E402
from senaite.queue.tests.e2e.lab import add_form_fields  # noqa: E402

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


def shoot(browser, out_dir, name, note="", full_page=True):
    path = browser.screenshot(os.path.join(out_dir, name), full_page=full_page)
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

site_id, admin_id, user_id, password, what, count = sys.argv[-6:]
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

values = {"Client": api.get_uid(client), "Contact": api.get_uid(contact),
          "SampleType": api.get_uid(sampletype), "DateSampled": DateTime()}
service_uids = [api.get_uid(service) for service in services]
site_path = len(api.get_path(portal))
if what == "samples":
    # Verified samples (the admin verifies their own results, allowed for the time being),
    # and what the client's Add Sample form needs
    self_verification = setup.getSelfVerificationEnabled()
    setup.setSelfVerificationEnabled(True)
    samples = []
    for _ in range(int(count)):
        sample = create_analysisrequest(client, app.REQUEST, values, service_uids)
        doActionFor(sample, "receive")
        for analysis in sample.getAnalyses(full_objects=True):
            analysis.setResult("12")
            doActionFor(analysis, "submit")
            doActionFor(analysis, "verify")
        if api.get_review_status(sample) != "verified":
            raise RuntimeError("{} is {}".format(api.get_id(sample),
                                                 api.get_review_status(sample)))
        samples.append(sample)
    setup.setSelfVerificationEnabled(self_verification)
    transaction.commit()
    sys.stdout.write("LAB {}\n".format(json.dumps({
        "client": api.get_path(client)[site_path:],
        "samples": [api.get_uid(sample) for sample in samples],
        "form": {"client": api.get_uid(client), "contact": api.get_uid(contact),
                 "sampletype": api.get_uid(sampletype), "services": service_uids}})))
else:
    # Received samples, their analyses on a new worksheet, with results
    analyses = []
    for _ in range(int(count)):
        sample = create_analysisrequest(client, app.REQUEST, values, service_uids)
        doActionFor(sample, "receive")
        analyses.extend(sorted(sample.getAnalyses(full_objects=True),
                               key=lambda analysis: analysis.getKeyword()))
    worksheet = api.create(portal.worksheets, "Worksheet")
    worksheet.setAnalyst(user_id)
    worksheet.addAnalyses(analyses)
    for analysis in analyses:
        analysis.setResult("12")
    transaction.commit()
    sys.stdout.write("LAB {}\n".format(json.dumps({
        "worksheet": api.get_path(worksheet)[site_path:],
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


def make_lab(url, config, password, what="worksheet", count=SAMPLES):
    """Runs LAB_SCRIPT in a ZEO client of the cluster; what it made: ``worksheet``, a
    worksheet with the analyses of ``count`` received samples, or ``samples``, ``count``
    verified samples."""
    site_id = urllib.parse.urlsplit(url).path.strip("/").split("/")[-1]
    with tempfile.NamedTemporaryFile("w", suffix=".py") as script:
        script.write(LAB_SCRIPT)
        script.flush()
        output = subprocess.run(
            [os.path.join(ROOT, "bin", "client1"), "run", script.name, site_id,
             config["local"]["admin-user"], LAB_USER, password, what, str(count)],
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


# More than the default thresholds (10) of bulk sample transitions and sample creation
QUEUED_SAMPLES = 12
# The Add Sample form's "Save", as its script posts it (FormData, the CSRF token of the
# page); the JSON answer
SAVE_SCRIPT = """
var url = arguments[0], token = arguments[1], fields = arguments[2];
var data = new FormData();
data.append("_authenticator", token);
Object.keys(fields).forEach(function (name) {
  [].concat(fields[name]).forEach(function (value) { data.append(name, value); });
});
var request = new XMLHttpRequest();
request.open("POST", url, false);
request.send(data);
return request.responseText;
"""


class RunCluster(object):
    """The cluster of `make run`, as the browser tests' ``Lab`` uses a cluster: its consumer
    process (frozen and resumed by ``Lab.pause`` and ``Lab.resume``), the queue's status,
    and a consumer's look for work."""

    consumers = ["queue_consumer"]

    def __init__(self, url, consumer_url, config):
        local = config["local"]
        self.admin = Site(url, local["admin-user"], local["admin-password"])
        self.consumer = Site(consumer_url, local["consumer-user"], local["consumer-password"])
        # The Zope process of the consumer writes its pid where its zope.conf says
        pid_file = None
        with open(os.path.join(ROOT, "parts", "queue_consumer", "etc", "zope.conf")) as conf:
            for line in conf:
                if line.split()[:1] == ["pid-filename"]:
                    pid_file = line.split(None, 1)[1].strip()
        if not pid_file or not os.path.exists(pid_file):
            raise RuntimeError("The queue consumer does not run: run `make run` first")
        with open(pid_file) as pid:
            # Lab signals the process group: the consumer's daemon and its Zope process
            group = os.getpgid(int(pid.read().strip()))
        self.processes = {"queue_consumer": argparse.Namespace(pid=group)}

    def status(self):
        return json.loads(self.admin.request(
            "GET", "{}/{}/queue_server/status".format(self.admin.url, API)))

    def kick_consumers(self):
        self.consumer.request("GET", "{}/queue_consume".format(self.consumer.url))


def samples_in_background(browser, url, cluster, config, out_dir):
    """A bulk "Invalidate" in the client's samples listing and an Add Sample form saved
    with many columns, both queued while the consumer is frozen, so that the screenshots
    show them queued: samples_transition_queued.png and samples_add_queued.png.

    "Invalidate" posts the listing's form, as a bulk transition is queued. SENAITE 2.6's
    listings do "receive", "cancel" and "reinstate" with one ajax request per sample
    instead (Site Setup > Listing)."""
    password = secrets.token_urlsafe(16)
    lab_data = make_lab(url, config, password, "samples", QUEUED_SAMPLES)
    lab = Lab(cluster, consumers=Lab.RUNNING)
    lab.pause()
    try:
        browser.login(LAB_USER, password)
        client_url = url + lab_data["client"]
        # The client's samples listing, all of them: select the verified samples, press
        # "Invalidate"
        page = Page(browser, client_url + "/analysisrequests?samples_review_state=all").open()
        uids = lab_data["samples"]
        page.listing.wait_rows(uids)
        page.listing.select(uids)
        page.listing.press("invalidate")
        page.listing.confirmation()
        with browser.page_load():
            page.listing.answer(True)
        listing = browser.listing()
        listing.wait_rows(uids)
        browser.wait(lambda: all(listing.is_queued(uid) for uid in uids),
                     "the invalidated samples shown queued", TIMEOUT)
        # The window: the newest samples (the queued ones) come first, older ones follow
        shoot(browser, out_dir, "samples_transition_queued.png",
              " ".join(browser.status_messages()), full_page=False)

        # The client's Add Sample form saved with more columns than the threshold; the
        # browser follows the answer, as the form does
        Page(browser, client_url + "/ar_add?ar_count=1").open()
        token = browser.find("input[name='_authenticator']").get_attribute("value")
        fields = add_form_fields(lab_data["form"], QUEUED_SAMPLES)
        answer = json.loads(browser.js(SAVE_SCRIPT, client_url + "/ajax_ar_add/submit",
                                       token, fields))
        if "redirect_to" not in answer:
            raise RuntimeError("The Add Sample form did not queue: {}".format(answer))
        Page(browser, answer["redirect_to"]).open()
        columns = "#senaite-queue-queued-samples tr.queued-column.status-queued"
        browser.wait(lambda: len(browser.find_all(columns)) == QUEUED_SAMPLES,
                     "the columns shown queued", TIMEOUT)
        shoot(browser, out_dir, "samples_add_queued.png", " ".join(browser.status_messages()))
    finally:
        lab.resume()
    lab.wait_drained()


# The groups of screenshots, in the order they are taken
SHOTS = ("controlpanel", "worksheet", "samples")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://localhost:8080/senaite")
    parser.add_argument("--server-url", default="http://localhost:8090/senaite")
    parser.add_argument("--consumer-url", default="http://localhost:8089/senaite")
    parser.add_argument("--only", action="append", choices=SHOTS,
                        help="take only these screenshots (repeatable; default: all)")
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
        shots = args.only or SHOTS
        if "controlpanel" in shots:
            controlpanel(browser, args.out)
        if "worksheet" in shots:
            queue_at_work(browser, url, args.server_url.rstrip("/"), config, args.out)
        if "samples" in shots:
            cluster = RunCluster(url, args.consumer_url.rstrip("/"), config)
            samples_in_background(browser, url, cluster, config, args.out)
    finally:
        browser.quit()


if __name__ == "__main__":
    main()
