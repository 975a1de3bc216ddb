#!/usr/bin/env python3
"""Screenshots of senaite.queue for the documentation, taken with headless Chromium.

Drives Chromium through its DevTools protocol over a pipe (--remote-debugging-pipe), so it
needs nothing but Python 3 and Chromium. Against the cluster of `make run`, it logs in as the
admin of local.cfg, opens Site Setup > Queue Settings, submits an invalid Queue Server so that
the form shows a field error, and saves the page as docs/_static/controlpanel.png.

Then it shows the queue at work in SENAITE. A script run by `bin/client1 run` makes a lab
manager (`labmanager`, a user of the site: tasks run as their user), a client with received
samples and a worksheet holding their analyses, with results. The lab manager presses the
worksheet's "Submit" for most of them while each task holds its transaction for 30 s (the
settings are restored at the end), and the script saves the worksheet (worksheet_queued.png:
queued rows with spinners, the "being processed" viewlet) and the samples listing
(samples_queued.png). It then submits the worksheet's other analyses too, so that a second
task waits behind the running one, and saves the Queue Monitor's Active tab (monitor.png).

Usage: scripts/screenshots.py [--url http://localhost:8080/senaite] [--config local.cfg]
                              [--out docs/_static] [--chromium /usr/bin/chromium]
"""

import argparse
import base64
import configparser
import fcntl
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--remote-debugging-pipe",
]
WIDTH = 1280
HEIGHT = 900
INVALID_SERVER = "localhost:8090"
TIMEOUT = 60


class Chromium(object):
    """A headless Chromium driven through the DevTools protocol on fds 3 and 4."""

    def __init__(self, binary, profile_dir):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def child_fds():
            # Chromium reads commands on fd 3 and writes answers on fd 4
            read_fd = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            write_fd = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(read_fd, 3)
            os.dup2(write_fd, 4)

        self.process = subprocess.Popen(
            [binary] + CHROMIUM_FLAGS + ["--user-data-dir=" + profile_dir, "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(3, 4), preexec_fn=child_fds)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buffer = b""
        self.events = []
        self.last_id = 0
        self.session = None

    def receive(self):
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_chrome, 65536)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message.decode("utf-8"))

    def call(self, method, **params):
        """The result of a DevTools command, in the attached page once there is one."""
        self.last_id += 1
        message = {"id": self.last_id, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(message).encode("utf-8") + b"\0")
        while True:
            answer = self.receive()
            if answer.get("id") != self.last_id:
                self.events.append(answer)
                continue
            if "error" in answer:
                raise RuntimeError("{}: {}".format(method, answer["error"]))
            return answer["result"]

    def wait_for(self, event):
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            while self.events:
                if self.events.pop(0).get("method") == event:
                    return
            self.events.append(self.receive())
        raise RuntimeError("No {} within {} s".format(event, TIMEOUT))

    def open_page(self):
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call(
            "Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT,
                  deviceScaleFactor=1, mobile=False)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError("{}: {}".format(expression, result["exceptionDetails"]))
        return result["result"].get("value")

    def load(self, expression):
        """Evaluates ``expression`` (a navigation) and waits until the new page is loaded."""
        self.events = []
        self.evaluate(expression)
        self.wait_for("Page.loadEventFired")

    def goto(self, url):
        self.events = []
        error = self.call("Page.navigate", url=url).get("errorText")
        if error:
            raise RuntimeError("{}: {}".format(url, error))
        self.wait_for("Page.loadEventFired")

    def screenshot(self, path):
        """Saves the whole page as PNG."""
        height = self.evaluate("document.documentElement.scrollHeight")
        self.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=height,
                  deviceScaleFactor=1, mobile=False)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as png:
            png.write(base64.b64decode(data))

    def close(self):
        self.process.terminate()
        self.process.wait()
        os.close(self.to_chrome)
        os.close(self.from_chrome)


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


def set_value(selector, value):
    return "document.querySelector({}).value = {}".format(
        json.dumps(selector), json.dumps(value))


def click(selector):
    return "document.querySelector({}).click()".format(json.dumps(selector))


def login(browser, url, user, password):
    browser.goto(url + "/login")
    browser.evaluate(set_value("#__ac_name", user))
    browser.evaluate(set_value("#__ac_password", password))
    browser.load(click("#buttons-login"))
    if not browser.evaluate(
            "document.body.classList.contains('userrole-authenticated')"):
        raise RuntimeError("Could not log in as {}".format(user))


def controlpanel(browser, url, out_dir):
    """The control panel with one field error, as controlpanel.png."""
    browser.goto(url + "/@@queue-controlpanel")
    browser.evaluate(set_value("#form-widgets-server", INVALID_SERVER))
    browser.load(click("#form-buttons-save"))
    error = browser.evaluate(
        "(document.querySelector('#formfield-form-widgets-server .fieldErrorBox')"
        " || {}).textContent")
    if not (error or "").strip():
        raise RuntimeError("The control panel shows no error for the Queue Server")
    path = os.path.join(out_dir, "controlpanel.png")
    browser.screenshot(path)
    print("{}: Queue Server error: {}".format(path, error.strip()))


# The queue at work. SENAITE 2.6's web APIs cannot create analysis services (a validator
# needs a browser form), so the lab is made by this script, run by a ZEO client of the
# cluster (`bin/client1 run`), as the admin. Nothing in it goes through the queue.
LAB_USER = "labmanager"
SAMPLES = 5
SUBMITTED = 16
HOLD_SECONDS = 30
DEFAULT_SETTINGS = {"senaite.queue.default": 10, "senaite.queue.min_seconds_task": 3}
AUTHENTICATOR = re.compile(r'name="_authenticator"[^>]*value="([^"]+)"')
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
    """Requests to the site as one user (basic authentication)."""

    def __init__(self, url, user, password):
        self.url = url
        self.auth = "Basic " + base64.b64encode(
            "{}:{}".format(user, password).encode("utf-8")).decode("ascii")

    def request(self, method, url, data=None, form=None, accept="application/json"):
        headers = {"Authorization": self.auth, "Accept": accept}
        body = None
        if data is not None:
            body = json.dumps(data).encode("utf-8")
            headers["Content-Type"] = "application/json"
        elif form is not None:
            body = urllib.parse.urlencode(form, doseq=True).encode("utf-8")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
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

    def press(self, context_url, action, uids):
        """A listing's button: the selected uids posted to the context's workflow_action,
        with the CSRF token of the context's page."""
        page = self.request("GET", context_url, accept="text/html")
        token = AUTHENTICATOR.search(page).group(1)
        self.request("POST", "{}/workflow_action".format(context_url), accept="text/html",
                     form={"_authenticator": token, "submitted": "1", "form_id": "list",
                           "workflow_action_id": action, "uids": uids})


def make_lab(url, config, password):
    """Runs LAB_SCRIPT in a ZEO client of the cluster; what it made."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    site_id = urllib.parse.urlsplit(url).path.strip("/").split("/")[-1]
    with tempfile.NamedTemporaryFile("w", suffix=".py") as script:
        script.write(LAB_SCRIPT)
        script.flush()
        output = subprocess.run(
            [os.path.join(root, "bin", "client1"), "run", script.name, site_id,
             config["local"]["admin-user"], LAB_USER, password, str(SAMPLES)],
            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout.decode("utf-8")
    lines = [line for line in output.splitlines() if line.startswith("LAB ")]
    if not lines:
        raise RuntimeError("The lab script failed:\n{}".format(output[-3000:]))
    return json.loads(lines[-1][4:])


def queue_at_work(browser, url, server_url, config, out_dir):
    """A worksheet with analyses being submitted in background, and the samples listing."""
    password = secrets.token_urlsafe(16)
    lab = make_lab(url, config, password)
    worksheet_url = url + lab["worksheet"]
    admin = Site(url, config["local"]["admin-user"], config["local"]["admin-password"])
    user = Site(url, LAB_USER, password)
    # Each task holds its transaction a while: the screenshots catch the analyses queued
    admin.set_settings({"senaite.queue.default": 5,
                        "senaite.queue.min_seconds_task": HOLD_SECONDS})
    try:
        user.press(worksheet_url, "submit", lab["analyses"][:SUBMITTED])
        browser.goto(url + "/logout")
        login(browser, url, LAB_USER, password)
        browser.goto(worksheet_url)
        wait_for(browser, "document.querySelectorAll('.senaite-queue-queued').length >= {}"
                 .format(SUBMITTED - 5))
        path = os.path.join(out_dir, "worksheet_queued.png")
        browser.screenshot(path)
        print("{}: {}".format(path, browser.evaluate(
            "document.querySelector('#senaite-queue-queued-viewlet').textContent"
            ".replace(/\\s+/g, ' ').trim()")))
        browser.goto(url + "/samples")
        wait_for(browser, "document.querySelectorAll('.senaite-queue-queued').length > 0")
        path = os.path.join(out_dir, "samples_queued.png")
        browser.screenshot(path)
        print("{}: {} samples shown queued".format(path, browser.evaluate(
            "document.querySelectorAll('.senaite-queue-queued').length")))
        monitor(browser, url, user, worksheet_url, lab["analyses"][SUBMITTED:], out_dir)
        monitor_failed(browser, url, server_url, admin, out_dir)
    finally:
        admin.set_settings(DEFAULT_SETTINGS)


def monitor(browser, url, user, worksheet_url, uids, out_dir):
    """The Queue Monitor's Active tab with a running task and one queued behind it."""
    user.press(worksheet_url, "submit", uids)
    # The page is short: back to the window's height, which the last screenshot changed
    browser.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT,
                 deviceScaleFactor=1, mobile=False)
    browser.goto(url + "/queue_tasks")
    wait_for(browser, "(document.querySelector('#folderlisting-main-table') || {innerText: ''})"
             ".innerText.split('task_action_submit').length > 2")
    path = os.path.join(out_dir, "monitor.png")
    browser.screenshot(path)
    print("{}: {}".format(path, browser.evaluate(
        "document.querySelector('#senaite-queue-statistics').textContent"
        ".replace(/\\s+/g, ' ').trim()")))


def monitor_failed(browser, url, server_url, admin, out_dir):
    """The Failed and All tabs, with a task that failed for real: a Manager queued it through
    the JSON API for a user that does not exist (any more), so the consumer could not run it
    as that user, and it had no retries left."""
    admin.request("POST", "{}/@@API/senaite/v1/queue_server/add".format(server_url), data={
        "name": "task_generic_action", "context_uid": "0", "action": "submit", "uids": [],
        "username": "former_analyst", "retries": 0, "priority": -100})
    for state, name in (("failed", "monitor_failed.png"), ("all", "monitor_all.png")):
        page = "{}/queue_tasks?queue_tasks_review_state={}".format(url, state)
        reload_until(browser, page, "not a user of this site" if state == "failed"
                     else "former_analyst")
        path = os.path.join(out_dir, name)
        browser.screenshot(path)
        print(path)


def reload_until(browser, page, text):
    """Opens the listing page again until its table shows the text (the queue may first
    have to finish the task it holds)."""
    deadline = time.time() + 6 * TIMEOUT
    expression = ("(document.querySelector('#folderlisting-main-table') || {innerText: ''})"
                  ".innerText.indexOf('%s') >= 0" % text)
    while True:
        browser.goto(page)
        for _ in range(10):
            if browser.evaluate(expression):
                time.sleep(1)
                return
            time.sleep(0.5)
        if time.time() > deadline:
            raise RuntimeError("Timed out waiting for {} on {}".format(text, page))


def wait_for(browser, expression):
    """Polls a JavaScript condition until it holds (the listings load through ajax)."""
    deadline = time.time() + TIMEOUT
    while not browser.evaluate(expression):
        if time.time() > deadline:
            raise RuntimeError("Timed out waiting for: {}".format(expression))
        time.sleep(0.5)
    time.sleep(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://localhost:8080/senaite")
    parser.add_argument("--server-url", default="http://localhost:8090/senaite")
    parser.add_argument("--config", default="local.cfg")
    parser.add_argument("--out", default="docs/_static")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()

    config = configparser.ConfigParser()
    if not config.read(args.config):
        sys.exit("No {}: run `make run` first".format(args.config))
    url = args.url.rstrip("/")
    wait_for_site(url)
    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="senaite-queue-chromium-") as profile:
        browser = Chromium(args.chromium, profile)
        try:
            browser.open_page()
            login(browser, url, config["local"]["admin-user"],
                  config["local"]["admin-password"])
            controlpanel(browser, url, args.out)
            queue_at_work(browser, url, args.server_url.rstrip("/"), config, args.out)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
