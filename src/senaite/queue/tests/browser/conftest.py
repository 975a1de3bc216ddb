# -*- coding: utf-8 -*-
"""The browser tests' cluster, lab, Chromium, and the evidence of failures.

One cluster (ZEO server, user client, queue server, one consumer, on free ports) and one
Chromium serve the whole session; every test logs in afresh, and pauses or resumes the
consumer as it needs (see ``lab``). When a test fails, the page
the browser shows is saved, as a screenshot and as HTML, in the evidence folder
(``--evidence``, by default ``.build/test-browser`` of the project), and the report says
where. At the end of a session with failures, the cluster's logs are copied there too
(``logs/``). The evidence of an earlier run is removed first.
"""

import glob
import os
import re
import shutil
import tempfile

import pytest
from senaite.queue.tests.browser.driver import Browser
from senaite.queue.tests.browser.driver import new_driver
from senaite.queue.tests.browser.lab import Lab
from senaite.queue.tests.e2e.cluster import Cluster
from senaite.queue.tests.e2e.cluster import project_dir


def pytest_addoption(parser):
    parser.addoption(
        "--evidence", default=os.path.join(project_dir(), ".build", "test-browser"),
        help="folder for the screenshot and HTML of each failed test (emptied first)")


def evidence_name(nodeid):
    """A file name for a test: ``test_monitor.py::test_x[a]`` -> ``test_monitor-test_x-a``."""
    name = nodeid.split("/")[-1].replace(".py::", "-").replace("::", "-")
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")


@pytest.fixture(scope="session")
def evidence(request):
    """The evidence folder, without the evidence of an earlier run."""
    folder = os.path.abspath(request.config.getoption("--evidence"))
    if not os.path.isdir(folder):
        os.makedirs(folder)
    for path in glob.glob(os.path.join(folder, "test_*.png")) + glob.glob(
            os.path.join(folder, "test_*.html")):
        os.remove(path)
    shutil.rmtree(os.path.join(folder, "logs"), ignore_errors=True)
    return folder


@pytest.fixture(scope="session")
def cluster(request, evidence):
    workdir = tempfile.mkdtemp(prefix="senaite-queue-browser-")
    cluster = Cluster(workdir, consumers=1, clock_period=1)
    try:
        cluster.build()
        cluster.start_all()
        yield cluster
    finally:
        cluster.stop_all()
        if request.session.testsfailed:
            logs = os.path.join(evidence, "logs")
            os.makedirs(logs)
            for path in glob.glob(os.path.join(workdir, "var", "log", "*.log")):
                shutil.copy(path, logs)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def lab(cluster):
    lab = Lab(cluster, consumers=Lab.RUNNING)
    try:
        lab.setup()
        yield lab
    finally:
        lab.release()


@pytest.fixture(scope="session")
def chromium():
    driver = new_driver()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(chromium, cluster):
    """The session's Chromium on the user client, logged out."""
    chromium.delete_all_cookies()
    return Browser(cluster.site_url("client1"), driver=chromium)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test leaves a screenshot and the HTML of the page it failed on."""
    outcome = yield
    report = outcome.get_result()
    if not report.failed or report.when not in ("setup", "call"):
        return
    browser = getattr(item, "funcargs", {}).get("browser")
    folder = getattr(item, "funcargs", {}).get("evidence") or item.config.getoption(
        "--evidence")
    if browser is None:
        return
    try:
        url = browser.current_url
    except Exception as error:  # noqa: B902 (the browser may be what failed)
        url = "unknown ({})".format(error)
    saved = browser.save_evidence(os.path.abspath(folder), evidence_name(item.nodeid))
    report.sections.append(("browser evidence", "page: {}\n{}".format(url, "\n".join(saved))))
