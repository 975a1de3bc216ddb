# -*- coding: utf-8 -*-
"""senaite.queue installed from its wheel, as docs/installation.rst tells a lab.

``make test-release`` builds the wheel, installs it into a virtualenv of its own and runs
this module. The lab's buildout is built in a temporary folder on free ports (see lab.py);
after the SENAITE site and the lab's data exist, everything is done over HTTP, as the
administrator and then a lab user do it: activate the add-on, create the reserved user, set
the Queue Server, submit a worksheet's results. The consumer must then do the work. The
steps run in order on one lab.
"""

import json
import os
import shutil
import tempfile

import pytest
from senaite.queue.tests.e2e.cluster import until
from senaite.queue.tests.release.lab import SITE_ID
from senaite.queue.tests.release.lab import Browser
from senaite.queue.tests.release.lab import Lab
from senaite.queue.tests.release.lab import secret

HERE = os.path.dirname(os.path.abspath(__file__))
API = "@@API/senaite/v1"
CONSUMER = "queue_consumer"
LAB_USER = "labmanager"
SAMPLES = 6


@pytest.fixture(scope="module")
def lab():
    venv = os.environ.get("RELEASE_VENV")
    if not venv:
        pytest.skip("RELEASE_VENV is not set: run `make test-release`")
    workdir = tempfile.mkdtemp(prefix="senaite-queue-release-")
    lab = Lab(workdir, venv)
    lab.user_password = secret()
    try:
        lab.build(os.path.join(lab.root, "docs", "installation.rst"))
        lab.start_all()
        lab.admin = Browser("admin", lab.admin_password)
        yield lab
    finally:
        lab.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)


def site(lab, path="", part="client1"):
    return lab.url(part, "{}/{}".format(SITE_ID, path))


def test_senaite_queue_comes_from_the_wheel(lab):
    version, location = lab.installed_queue()
    assert location == os.path.join(lab.venv, "lib", "python2.7", "site-packages")
    with open(os.path.join(lab.root, "setup.py")) as setup:
        assert 'version = "{}"'.format(version) in setup.read()
    # the checkout's sources are nowhere in what buildout made, nothing is developed
    sources = os.path.join(lab.root, "src")
    for path in lab.generated_files():
        with open(path) as generated:
            assert sources not in generated.read(), path
    develop = os.path.join(lab.workdir, "develop-eggs")
    assert not [name for name in os.listdir(develop) if "senaite" in name]
    # the lab's pins lack what only senaite.queue needs: the docs pin all of it
    assert "senaite.queue" in lab.extras
    assert lab.extras <= lab.docs_pins()


def test_a_senaite_site_with_a_lab(lab):
    """The lab's SENAITE site, made with SENAITE's own form, and its lab."""
    form = lab.admin.form(lab.url("client1", "@@senaite-addsite"), "site_id")
    lab.admin.submit(form, {"site_id": SITE_ID, "title": "SENAITE LIMS",
                            "extension_ids:list": "senaite.lims:default"},
                     "submit", timeout=900)
    assert "SENAITE" in lab.admin.get(site(lab)).text
    output = lab.run(os.path.join(HERE, "labdata.py"), SITE_ID, "admin", LAB_USER,
                     lab.user_password, str(SAMPLES))
    line = [text for text in output.splitlines() if text.startswith("LAB ")]
    assert line, output[-3000:]
    lab.data = json.loads(line[-1][len("LAB "):])
    assert len(lab.data["analyses"]) == 2 * SAMPLES


def test_activate_the_add_on(lab):
    """Site Setup > Add-ons: activate SENAITE QUEUE."""
    form = lab.admin.form(site(lab, "prefs_install_products_form"), "install_product",
                          "senaite.queue")
    assert "_authenticator" in dict(form["fields"])
    page = lab.admin.submit(form, {}, "form.submitted").text
    assert "Installed senaite.queue" in page
    assert 'name="uninstall_product" value="senaite.queue"' in page


def test_create_the_reserved_user(lab):
    """Site Setup > Users and Groups: add the user, then make it a member of Lab Managers
    on its Group memberships tab."""
    form = lab.admin.form(site(lab, "@@new-user"), "form.widgets.username")
    assert "_authenticator" in dict(form["fields"])
    page = lab.admin.submit(form, {
        "form.widgets.fullname": "Queue consumer",
        "form.widgets.email": "queue_consumer@example.com",
        "form.widgets.username": CONSUMER,
        "form.widgets.password": lab.consumer_password,
        "form.widgets.password_ctl": lab.consumer_password,
    }, "form.buttons.register").text
    assert "User added." in page
    memberships = site(lab, "@@usergroup-usermembership?userid={}".format(CONSUMER))
    form = lab.admin.form(memberships, "add:list")
    assert "_authenticator" in dict(form["fields"])
    assert "LabManagers" in form["choices"]["add:list"]
    lab.admin.submit(form, {"add:list": "LabManagers"}, "form.button.Add")
    form = lab.admin.form(memberships, "delete:list")
    assert "LabManagers" in form["choices"]["delete:list"]
    # the clock-server logs in as the reserved user, who may now call the view
    consumer = Browser(CONSUMER, lab.consumer_password)
    try:
        answer = consumer.get(site(lab, "queue_consume", part="queue_consumer"),
                              allow_redirects=False)
    finally:
        consumer.close()
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain")


def test_set_the_queue_server(lab):
    """Site Setup > Queue Settings: the Queue Server, with the form's CSRF token."""
    server = site(lab, part="queue_server").rstrip("/")
    form = lab.admin.form(site(lab, "@@queue-controlpanel"), "form.widgets.server")
    assert "_authenticator" in dict(form["fields"])
    page = lab.admin.submit(form, {"form.widgets.server": server}, "form.buttons.save").text
    assert "Changes saved" in page
    # whether it answers within the form's short wait depends on the machine's load: the
    # status route below says it for sure
    assert "Queue server {} ".format(server) in page
    status = lab.admin.json(site(lab, API + "/queue_server/status", part="queue_server"))
    assert status["server"] is True
    assert status["queue_status"] == "ready"


def test_lab_user_work_is_done_by_the_consumer(lab):
    """A lab user submits the results of a worksheet: queued, then done by the consumer."""
    uids = lab.data["analyses"]
    user = Browser(LAB_USER, lab.user_password)
    try:
        page = user.press(site(lab, lab.data["worksheet"].lstrip("/")), "submit", uids).text
        assert "{} items queued for".format(len(uids)) in page
        until(lambda: sorted(set(review_state(lab, user, uid) for uid in uids)),
              lambda states: states == ["to_be_verified"], 300,
              message="The consumer did not submit the analyses")
        status = user.json(site(lab, API + "/queue_server/status"))
    finally:
        user.close()
    assert status["failed"] == 0
    assert status["queued"] == status["running"] == 0
    assert status["done"] >= 1
    assert "http://localhost:{}".format(lab.ports["queue_consumer"]) in status["consumers"]


def review_state(lab, user, uid):
    return user.json(site(lab, "{}/{}".format(API, uid)))["review_state"]


def test_plain_plone_site_is_refused(lab):
    """Activating SENAITE QUEUE in a Plone site without SENAITE: a message, no change."""
    form = lab.admin.form(lab.url("client1", "@@plone-addsite"), "site_id")
    lab.admin.submit(form, {"site_id": "plain", "title": "Plain Plone"}, "submit",
                     timeout=900)
    addons = lab.url("client1", "plain/prefs_install_products_form")
    form = lab.admin.form(addons, "install_product", "senaite.queue")
    page = lab.admin.submit(form, {}, "form.submitted")
    assert page.url == addons
    assert "SENAITE QUEUE works in a SENAITE site only" in page.text
    assert "Traceback" not in page.text
    # still offered for activation: nothing was installed
    lab.admin.form(addons, "install_product", "senaite.queue")
