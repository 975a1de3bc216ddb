# -*- coding: utf-8 -*-
"""senaite.queue installed from its release files, as docs/installation.rst tells a lab.

``make test-release`` builds the release files and a virtualenv with the stack of a SENAITE
lab, and runs this module. The lab's buildout is built in a temporary folder on free ports
(see lab.py), runs, and gets its SENAITE site and data; then senaite.queue is added with the
commands and the file of the installation guide, as they are written. Everything after that
is done over HTTP, as the administrator and then a lab user do it: activate the add-on,
create the reserved user, set the Queue Server, submit a worksheet's results. The consumer
must then do the work. A script with the prologue of docs/api.rst works with the API. Last,
the lab gets senaite.queue again, without pip, from the source distribution alone, with
buildout downloading it from ``find-links``. The steps run in order on one lab.
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
from senaite.queue.tests.release.lab import doc_snippets
from senaite.queue.tests.release.lab import secret

HERE = os.path.dirname(os.path.abspath(__file__))
API = "@@API/senaite/v1"
CONSUMER = "queue_consumer"
LAB_USER = "labmanager"
SAMPLES = 6
# What the test checks after the prologue of docs/api.rst: the queue's status for the user
# the script works as, a batch whose closing it queues, then, as the Zope root's admin
# (whose work is never queued), a batch it closes in the script, as the docs' example does
SCRIPT_CHECKS = """
import json
from bika.lims import api as capi
from bika.lims.workflow import doActionFor

result = {"status": api.get_queue_status(), "ready": api.is_queue_ready()}
queued = capi.create(portal.batches, "Batch", title="Queued by a script")
task = api.add_action_task([queued], "close", context=portal.batches)
result.update(queued=capi.get_uid(queued), task=task.task_uid if task else None)
admin = app.acl_users.getUserById(sys.argv[-3])
newSecurityManager(request, admin.__of__(app.acl_users))
result["admin_ready"] = api.is_queue_ready()
closed = capi.create(portal.batches, "Batch", title="Closed by a script")
doActionFor(closed, "close")
result["closed"] = capi.get_review_status(closed)
transaction.commit()
print("SCRIPT " + json.dumps(result))
"""


@pytest.fixture(scope="module")
def lab():
    venv = os.environ.get("RELEASE_VENV")
    if not venv:
        pytest.skip("RELEASE_VENV is not set: run `make test-release`")
    workdir = tempfile.mkdtemp(prefix="senaite-queue-release-")
    lab = Lab(workdir, venv, os.environ["RELEASE_DIST"], os.environ["RELEASE_WHEELHOUSE"])
    lab.user_password = secret()
    lab.docs = doc_snippets(os.path.join(lab.root, "docs", "installation.rst"))
    lab.api_docs = doc_snippets(os.path.join(lab.root, "docs", "api.rst"))
    try:
        lab.uninstall_queue()
        lab.build_before()
        lab.start_before()
        lab.admin = Browser("admin", lab.admin_password)
        yield lab
    finally:
        lab.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)


def site(lab, path="", part="client1"):
    return lab.url(part, "{}/{}".format(SITE_ID, path))


def test_a_senaite_lab_without_senaite_queue(lab):
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


def test_install_the_release(lab):
    """Steps 1 to 3: the file of step 2, pip's commands and the restart of step 3."""
    names = sorted(name for name in lab.docs if name.startswith("lab-"))
    assert names == ["lab-pip", "lab-restart", "lab-senaite-queue"]
    lab.config = lab.write_snippet(lab.docs["lab-senaite-queue"])
    assert lab.config == "senaite-queue.cfg"
    lab.run_commands(lab.docs["lab-pip"])
    lab.run_commands(lab.docs["lab-restart"])
    for part in ("client1", "queue_server", "queue_consumer"):
        assert "program running" in lab.command("bin/{} status".format(part))


def test_senaite_queue_comes_from_the_wheel(lab):
    version, location = lab.installed_queue()
    assert location == os.path.join(lab.venv, "lib", "python2.7", "site-packages")
    assert version == lab.version
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
    extras = lab.extras()
    assert "senaite.queue" in extras
    assert extras <= lab.docs_pins(lab.config)


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


def run_script(lab, user):
    """The prologue of docs/api.rst and ``SCRIPT_CHECKS``, run by ``bin/client1 run`` as
    ``user``; what the checks found."""
    path = os.path.join(lab.workdir, "script.py")
    with open(path, "w") as script:
        script.write(lab.api_docs["script-prologue"][1] + SCRIPT_CHECKS)
    output = lab.run(path, "admin", SITE_ID, user)
    line = [text for text in output.splitlines() if text.startswith("SCRIPT ")]
    assert line, output[-3000:]
    return json.loads(line[-1][len("SCRIPT "):])


def test_a_script_with_the_documented_prologue(lab):
    """docs/api.rst, "In a script": the queue is ready for a lab user, the work it queues is
    done by the consumer, and a Zope root admin's transition is done in the script."""
    result = run_script(lab, LAB_USER)
    assert (result["status"], result["ready"], result["admin_ready"]) == ("ready", True, False)
    assert result["task"]
    assert result["closed"] == "closed"
    user = Browser(LAB_USER, lab.user_password)
    try:
        until(lambda: review_state(lab, user, result["queued"]), lambda state: state == "closed",
              300, message="The consumer did not close the batch")
    finally:
        user.close()


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


def test_the_source_distribution_with_find_links(lab):
    """The other route of step 3: buildout downloads senaite.queue from ``find-links``,
    where the lab keeps its source distribution only, and builds its egg. The script of
    docs/api.rst then works with that egg."""
    for part in ("queue_consumer", "queue_server", "client1"):
        lab.command("bin/{} stop".format(part))
    lab.pip("uninstall", "-y", "senaite.queue")
    os.remove(os.path.join(lab.dist, "senaite.queue-{}-py2-none-any.whl".format(lab.version)))
    lab.command("bin/buildout -c {}".format(lab.downloading_config(lab.config)))
    egg = os.path.join(lab.workdir, "eggs", "senaite.queue-{}-py2.7.egg".format(lab.version))
    # built from the source distribution, with every file it needs at run time
    assert os.path.isfile(os.path.join(egg, "EGG-INFO", "PKG-INFO"))
    assert not os.path.exists(os.path.join(egg, "EGG-INFO", "WHEEL"))
    assert os.path.isfile(os.path.join(egg, "senaite", "queue", "configure.zcml"))
    with open(os.path.join(lab.workdir, "bin", "client1")) as script:
        assert egg in script.read()
    result = run_script(lab, LAB_USER)
    assert (result["status"], result["ready"], result["admin_ready"]) == ("ready", True, False)
    assert result["task"]
    assert result["closed"] == "closed"
