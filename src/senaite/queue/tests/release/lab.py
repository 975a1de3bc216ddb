# -*- coding: utf-8 -*-
"""A lab's SENAITE buildout with senaite.queue added as docs/installation.rst says.

The lab's own buildout (``base.cfg``: a ZEO server and ``client1``, SENAITE 2.6 pinned) is
what a SENAITE 2.x installation has before senaite.queue. Its pins leave out the ones that
only senaite.queue needs. The ``ini`` blocks of docs/installation.rst that have a ``:name:``
starting with ``lab-`` are then added as they are, with free ports and the reserved user's
password filled in. Buildout runs from a virtualenv where pip installed the stack and
senaite.queue from its wheel, and never downloads: it finds nothing but that wheel for
senaite.queue, and no checkout is developed.
"""

import base64
import json
import os
import re
import signal
import subprocess
import time

import requests
from senaite.queue.tests.e2e.cluster import free_port
from senaite.queue.tests.e2e.cluster import project_dir
from senaite.queue.tests.e2e.cluster import start_clients
from senaite.queue.tests.e2e.cluster import until
from six.moves.configparser import RawConfigParser
from six.moves.html_parser import HTMLParser
from six.moves.urllib.parse import urljoin

SITE_ID = "senaite"
PARTS = ["zeoserver", "client1", "queue_server", "queue_consumer"]
# The ports and the password docs/installation.rst shows
DOC_PORTS = {"queue_server": "8090", "queue_consumer": "8089"}
DOC_PASSWORD = "<the password of queue_consumer>"
DOC_PIN = re.compile(r"^senaite\.queue = .*$", re.M)
SNIPPET = re.compile(r"^\.\. code-block:: ini\n((?:   +:\w+:.*\n)*)\n((?:(?: {3,}.*)?\n)+)",
                     re.M)

BASE_CFG = """\
# The lab's SENAITE 2.6 buildout, before senaite.queue
[buildout]
extends = lab-versions.cfg
versions = versions
install-from-cache = true
download-cache = ${{buildout:directory}}/downloads
newest = false
allow-picked-versions = false
parts =
    zeoserver
    client1
eggs =
    Plone
    plone.app.upgrade
    senaite.lims

[zeoserver]
recipe = plone.recipe.zeoserver
zeo-address = 127.0.0.1:{zeoserver}
file-storage = ${{buildout:directory}}/var/filestorage/Data.fs
blob-storage = ${{buildout:directory}}/var/blobstorage

[client_base]
recipe = plone.recipe.zope2instance
user = admin:{admin_password}
wsgi = off
zeo-client = on
zeo-address = ${{zeoserver:zeo-address}}
shared-blob = on
blob-storage = ${{zeoserver:blob-storage}}
eggs = ${{buildout:eggs}}
zcml = senaite.core.permissions
environment-vars =
    zope_i18n_compile_mo_files true
initialization =
    import os
    if os.getuid() == 0:
        import ZServer.Zope2.Startup.starter
        ZServer.Zope2.Startup.starter.dropPrivileges = lambda cfg: None

[client1]
<= client_base
http-address = 127.0.0.1:{client1}
"""

# Prints the distributions senaite.queue brings on top of SENAITE and the buildout recipes
EXTRAS_SCRIPT = """
import json, pkg_resources
def closure(names):
    seen, todo = set(), [pkg_resources.Requirement.parse(name) for name in names]
    while todo:
        requirement = todo.pop()
        dist = pkg_resources.get_distribution(requirement)
        if dist.key not in seen:
            seen.add(dist.key)
            todo.extend(dist.requires(requirement.extras))
    return seen
base = ["Plone", "plone.app.upgrade", "senaite.lims", "zc.buildout", "zc.recipe.egg",
        "plone.recipe.zope2instance", "plone.recipe.zeoserver", "setuptools"]
print(json.dumps(sorted(closure(base + ["senaite.queue"]) - closure(base))))
"""


def doc_snippets(path):
    """The ``ini`` blocks of an rst file that have a ``:name:``: name -> text."""
    with open(path) as rst:
        text = rst.read()
    snippets = {}
    for options, body in SNIPPET.findall(text):
        name = re.search(r":name: *(\S+)", options)
        if name:
            lines = body.rstrip("\n").split("\n")
            indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
            snippets[name.group(1)] = "\n".join(line[indent:] for line in lines) + "\n"
    return snippets


class Lab(object):
    """Builds the lab's buildout in ``workdir``, starts and stops its processes."""

    def __init__(self, workdir, venv):
        self.root = project_dir()
        self.workdir = workdir
        self.venv = os.path.abspath(venv)
        self.admin_password = secret()
        self.consumer_password = secret()
        self.ports = dict((part, free_port()) for part in PARTS)
        self.processes = {}
        # the distributions senaite.queue needs beyond SENAITE: see build()
        self.extras = set()

    # -- build --------------------------------------------------------------

    def venv_python(self, code):
        output = subprocess.check_output([os.path.join(self.venv, "bin", "python"), "-c", code])
        return json.loads(output.decode("utf-8").strip().splitlines()[-1])

    def installed_queue(self):
        """Version and location of the senaite.queue the virtualenv has."""
        return self.venv_python(
            "import json, pkg_resources; d = pkg_resources.get_distribution('senaite.queue');"
            "print(json.dumps([d.version, d.location]))")

    def lab_versions(self):
        """The project's pins without those only senaite.queue needs, and their names."""
        extras = set(self.venv_python(EXTRAS_SCRIPT))
        kept = []
        with open(os.path.join(self.root, "versions.cfg")) as versions:
            for line in versions:
                name = line.split("=")[0].strip().lower().replace("_", "-")
                if "=" in line and not line.startswith("#") and name in extras:
                    continue
                kept.append(line)
        return "".join(kept), extras

    def queue_config(self, snippets, version):
        """The docs' snippets, with this lab's ports, password and version of the wheel."""
        text = snippets.replace(DOC_PASSWORD, self.consumer_password)
        text = DOC_PIN.sub("senaite.queue = {}".format(version), text)
        for part, port in DOC_PORTS.items():
            text = text.replace(":{}".format(port), ":{}".format(self.ports[part]))
        return text

    def build(self, docs):
        """Writes the lab's buildout and runs it."""
        snippets = doc_snippets(docs)
        names = sorted(name for name in snippets if name.startswith("lab-"))
        if not names:
            raise AssertionError("No `lab-` ini snippets in {}".format(docs))
        versions, self.extras = self.lab_versions()
        version = self.installed_queue()[0]
        files = {"lab-versions.cfg": versions,
                 "base.cfg": BASE_CFG.format(admin_password=self.admin_password, **self.ports)}
        for name in names:
            files[name + ".cfg"] = self.queue_config(snippets[name], version)
        files["buildout.cfg"] = "[buildout]\nextends =\n{}\n".format(
            "\n".join("    {}.cfg".format(name) for name in ["base"] + names))
        for name, text in files.items():
            with open(os.path.join(self.workdir, name), "w") as config:
                config.write(text)
        os.makedirs(os.path.join(self.workdir, "downloads"))
        with open(self.log_path("buildout"), "a") as log:
            failed = subprocess.call([os.path.join(self.venv, "bin", "buildout"), "-c",
                                      "buildout.cfg"], cwd=self.workdir, stdout=log, stderr=log)
        if failed:
            raise AssertionError("buildout failed:\n{}".format(self.tail("buildout")))

    def docs_pins(self):
        """The names the docs' snippets pin."""
        names = set()
        for name in os.listdir(self.workdir):
            if name.startswith("lab-") and name != "lab-versions.cfg":
                parser = RawConfigParser()
                parser.read(os.path.join(self.workdir, name))
                if parser.has_section("versions"):
                    names.update(parser.options("versions"))
        return names

    def generated_files(self):
        """The scripts and Zope configurations buildout wrote."""
        paths = [os.path.join(self.workdir, "bin", name)
                 for name in os.listdir(os.path.join(self.workdir, "bin"))]
        paths += [os.path.join(self.workdir, "parts", part, "etc", "zope.conf")
                  for part in PARTS[1:]]
        return paths

    # -- processes ----------------------------------------------------------

    def log_path(self, name):
        return os.path.join(self.workdir, "{}.out".format(name))

    def start(self, part):
        command = [os.path.join(self.workdir, "bin", part),
                   "fg" if part == "zeoserver" else "console"]
        with open(self.log_path(part), "a") as log:
            self.processes[part] = subprocess.Popen(
                command, cwd=self.workdir, stdout=log, stderr=log, preexec_fn=os.setsid)

    def start_all(self):
        """Start the ZEO server and the clients, client1 first (see ``start_clients``); return
        once every client answers."""
        self.start("zeoserver")
        start_clients(self.workdir, PARTS[1:], self.start, self.wait_http)

    def stop_all(self):
        """Stops every process it started, the ZEO server last; kills what does not stop."""
        for part in reversed(PARTS):
            process = self.processes.pop(part, None)
            if process is None or process.poll() is not None:
                continue
            for signum in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(process.pid, signum)
                except OSError:
                    pass
                deadline = time.time() + 60
                while process.poll() is None and time.time() < deadline:
                    time.sleep(0.2)
                if process.poll() is not None:
                    break

    def run(self, script, *args):
        """Runs a script with ``bin/client1 run``; its output, also when it fails."""
        process = subprocess.Popen(
            [os.path.join(self.workdir, "bin", "client1"), "run", script] + list(args),
            cwd=self.workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return process.communicate()[0].decode("utf-8")

    def url(self, part, path=""):
        return "http://localhost:{}/{}".format(self.ports[part], path)

    def wait_http(self, part, seconds=300):
        """Until the part answers HTTP at all (any status); fails at once if it exits."""
        process = self.processes[part]
        try:
            until(lambda: process.poll() is not None or answers(self.url(part)), bool,
                  seconds, message="{} does not answer".format(part))
        except AssertionError as error:
            raise AssertionError("{}; its output ends with:\n{}".format(error, self.tail(part)))
        if process.poll() is not None:
            raise AssertionError("{} exited; its output ends with:\n{}".format(
                part, self.tail(part)))

    def tail(self, name, size=3000):
        """The end of a process's output, for failure messages."""
        try:
            with open(self.log_path(name)) as log:
                return log.read()[-size:]
        except IOError:
            return ""


def secret():
    return base64.urlsafe_b64encode(os.urandom(15)).decode("ascii")


def answers(url):
    try:
        requests.get(url, timeout=5)
        return True
    except requests.RequestException:
        return False


class FormParser(HTMLParser):
    """The forms of a page with what a browser would send for them unchanged, and the
    values their checkboxes and radio buttons offer."""

    def __init__(self):
        HTMLParser.__init__(self)
        self.forms = []
        self.form = None
        self.select = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict((name, value if value is not None else "") for name, value in attrs)
        if tag == "form":
            self.form = {"action": attrs.get("action", ""), "id": attrs.get("id", ""),
                         "fields": [], "buttons": {}, "names": set(), "choices": {}}
            self.forms.append(self.form)
        if self.form is None:
            return
        name = attrs.get("name")
        if name:
            self.form["names"].add(name)
        kind = attrs.get("type", "text").lower()
        if tag == "input" and kind in ("checkbox", "radio") and name:
            self.form["choices"].setdefault(name, []).append(attrs.get("value", "on"))
        if tag == "input" and name:
            if kind in ("submit", "button", "image"):
                self.form["buttons"][name] = attrs.get("value", "")
            elif kind not in ("checkbox", "radio") or "checked" in attrs:
                self.form["fields"].append((name, attrs.get("value", "on" if kind in (
                    "checkbox", "radio") else "")))
        elif tag == "button" and name:
            self.form["buttons"][name] = attrs.get("value", "")
        elif tag == "select" and name:
            self.select = {"name": name, "first": None, "selected": []}
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            if self.select["first"] is None:
                self.select["first"] = value
            if "selected" in attrs:
                self.select["selected"].append(value)
        elif tag == "textarea" and name:
            self.textarea = (name, [])

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select" and self.select is not None:
            values = self.select["selected"] or [self.select["first"]]
            self.form["fields"].extend(
                (self.select["name"], value) for value in values if value is not None)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.form["fields"].append((self.textarea[0], "".join(self.textarea[1])))
            self.textarea = None


class Browser(object):
    """Plone's pages as one user (basic authentication), filled in as a person would."""

    def __init__(self, user, password):
        self.session = requests.Session()
        self.session.auth = (user, password)

    def close(self):
        self.session.close()

    def get(self, url, **kw):
        response = self.session.get(url, timeout=120, **kw)
        response.raise_for_status()
        return response

    def form(self, url, field, value=None):
        """The first form of the page at ``url`` with a field ``field`` (set to ``value``)."""
        page = self.get(url)
        parser = FormParser()
        parser.feed(page.text)
        for form in parser.forms:
            if field in form["names"] and (value is None or (field, value) in form["fields"]):
                form["url"] = urljoin(page.url, form["action"] or page.url)
                return form
        raise AssertionError("No form with {} {} at {}".format(field, value or "", url))

    def submit(self, form, values, button, value=None, timeout=120):
        """Posts ``form`` with ``values`` (name -> value or list) in place of what it has,
        pressing ``button``; the final response, after redirects."""
        data = [(name, field) for name, field in form["fields"] if name not in values]
        for name, field in values.items():
            for item in (field if isinstance(field, list) else [field]):
                data.append((name, item))
        data.append((button, form["buttons"].get(button, "") if value is None else value))
        response = self.session.post(form["url"], data=data, timeout=timeout)
        response.raise_for_status()
        return response

    def press(self, url, action, uids):
        """A listing's button on the page at ``url``: the selected ``uids`` posted to its
        ``workflow_action`` with the page's CSRF token."""
        token = re.search(r'name="_authenticator"[^>]*value="([^"]+)"', self.get(url).text)
        form = {"url": url + "/workflow_action", "buttons": {}, "fields": [
            ("_authenticator", token.group(1)), ("submitted", "1"), ("form_id", "list")]}
        return self.submit(form, {"uids": uids}, "workflow_action_id", value=action)

    def json(self, url):
        return self.get(url, headers={"Accept": "application/json"}).json()
