# -*- coding: utf-8 -*-
"""A lab's SENAITE buildout, to which senaite.queue is added as docs/installation.rst says.

The lab's own buildout (``buildout.cfg`` and its pins ``versions.cfg``: a ZEO server and
``client1``, SENAITE 2.6) is what a SENAITE 2.x installation has before senaite.queue, run
with zdaemon (``bin/<part> start``) as a lab runs it. Buildout runs from a virtualenv into
which pip installed the stack, and never downloads. The docs' blocks named ``lab-*`` are then
followed as they are written: the ``ini`` block is written to the file its caption names,
and the command blocks are run line by line, a comment ``# wait until <URL> answers``
waiting for that URL. They are taken with this lab's free ports, the reserved user's
password, the version of the release files and the folder the lab keeps them in; pip runs
offline, from the build's wheelhouse. No checkout is developed.
"""

import base64
import glob
import json
import os
import re
import shlex
import shutil
import subprocess

import requests
from senaite.queue.tests.e2e.cluster import free_port
from senaite.queue.tests.e2e.cluster import project_dir
from senaite.queue.tests.e2e.cluster import until
from six.moves.configparser import RawConfigParser
from six.moves.html_parser import HTMLParser
from six.moves.urllib.parse import urljoin
from six.moves.urllib.parse import urlsplit

SITE_ID = "senaite"
PARTS = ["zeoserver", "client1", "queue_server", "queue_consumer"]
# What docs/installation.rst shows, and what the lab has instead
DOC_PORTS = {"client1": "8080", "queue_server": "8090", "queue_consumer": "8089"}
DOC_PASSWORD = "<the password of queue_consumer>"
DOC_VERSION = "<version>"
DOC_DIST = "/srv/senaite/dist"
WAIT = re.compile(r"^# wait until (\S+) answers$")
SNIPPET = re.compile(r"^\.\. code-block:: \w+\n((?:   +:\w+:.*\n)*)\n((?:(?: {3,}.*)?\n)+)",
                     re.M)
WHEEL = re.compile(r"^senaite\.queue-(.+)-py2-none-any\.whl$")

BASE_CFG = """\
# The lab's SENAITE 2.6 buildout, before senaite.queue
[buildout]
extends = versions.cfg
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

# How this lab's buildout downloads its eggs, for the route without pip: from find-links,
# and an index of its own that holds nothing (the test stays offline)
DOWNLOADING_CFG = """\
[buildout]
extends = {config}
install-from-cache = false
index = file://{index}
"""

# What senaite.queue brings on top of the distributions of the lab's buildout (its eggs and
# recipes)
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
# The distributions the virtualenv has
INSTALLED_SCRIPT = """
import json, pkg_resources
print(json.dumps(sorted(dist.key for dist in pkg_resources.working_set)))
"""


def doc_snippets(path):
    """The code blocks of an rst file that have a ``:name:``: name -> (caption, text)."""
    with open(path) as rst:
        text = rst.read()
    snippets = {}
    for options, body in SNIPPET.findall(text):
        name = re.search(r":name: *(\S+)", options)
        caption = re.search(r":caption: *(\S+)", options)
        if name:
            lines = body.rstrip("\n").split("\n")
            indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
            snippets[name.group(1)] = (caption.group(1) if caption else None,
                                       "\n".join(line[indent:] for line in lines) + "\n")
    return snippets


def pin_name(line):
    """The normalized name a line of ``[versions]`` pins, or None."""
    if "=" not in line or line.startswith(("#", "[")):
        return None
    return line.split("=")[0].strip().lower().replace("_", "-")


class Lab(object):
    """Builds the lab's buildout in ``workdir``, runs the docs' commands, starts and stops
    its processes."""

    def __init__(self, workdir, venv, dist, wheelhouse):
        self.root = project_dir()
        self.workdir = workdir
        self.venv = os.path.abspath(venv)
        self.wheelhouse = os.path.abspath(wheelhouse)
        self.admin_password = secret()
        self.consumer_password = secret()
        self.ports = dict((part, free_port()) for part in PARTS)
        # the release files, in the folder of the lab that the docs call /srv/senaite/dist
        self.dist = os.path.join(workdir, "srv-senaite-dist")
        os.makedirs(self.dist)
        for path in glob.glob(os.path.join(os.path.abspath(dist), "senaite.queue-*")):
            shutil.copy(path, self.dist)
        wheels = [WHEEL.match(name) for name in os.listdir(self.dist)]
        self.version = [match.group(1) for match in wheels if match][0]

    # -- the lab before senaite.queue ------------------------------------------

    def venv_python(self, code):
        output = subprocess.check_output([os.path.join(self.venv, "bin", "python"), "-c", code])
        return json.loads(output.decode("utf-8").strip().splitlines()[-1])

    def pip(self, *args):
        """The virtualenv's pip, offline; its output."""
        return self.check_output([os.path.join(self.venv, "bin", "pip"),
                                  "--disable-pip-version-check"] + list(args))

    def uninstall_queue(self):
        """The virtualenv as it is before senaite.queue (a run before may have left it)."""
        self.pip("uninstall", "-y", "senaite.queue", "cryptography")

    def installed_queue(self):
        """Version and location of the senaite.queue the virtualenv has."""
        return self.venv_python(
            "import json, pkg_resources; d = pkg_resources.get_distribution('senaite.queue');"
            "print(json.dumps([d.version, d.location]))")

    def extras(self):
        """The distributions senaite.queue needs beyond the lab's buildout."""
        return set(self.venv_python(EXTRAS_SCRIPT))

    def lab_versions(self):
        """The project's pins of the distributions the lab's virtualenv has, before
        senaite.queue: it has none of those only senaite.queue needs."""
        used = set(self.venv_python(INSTALLED_SCRIPT))
        kept = []
        with open(os.path.join(self.root, "versions.cfg")) as versions:
            for line in versions:
                name = pin_name(line)
                if name is None or name in used:
                    kept.append(line)
        return "".join(kept)

    def build_before(self):
        """Writes the lab's buildout and runs it."""
        files = {"versions.cfg": self.lab_versions(),
                 "buildout.cfg": BASE_CFG.format(admin_password=self.admin_password,
                                                 **self.ports)}
        for name, text in files.items():
            with open(os.path.join(self.workdir, name), "w") as config:
                config.write(text)
        os.makedirs(os.path.join(self.workdir, "downloads"))
        self.command("bin/buildout -c buildout.cfg")

    def start_before(self):
        """The lab runs: its ZEO server and ``client1``, started by zdaemon."""
        self.command("bin/zeoserver start")
        self.command("bin/client1 start")
        self.wait_http(self.url("client1"))

    # -- the docs --------------------------------------------------------------

    def from_docs(self, text):
        """The docs' text with this lab's password, version, folder and ports."""
        text = text.replace(DOC_PASSWORD, self.consumer_password)
        text = text.replace(DOC_VERSION, self.version).replace(DOC_DIST, self.dist)
        for part, port in DOC_PORTS.items():
            text = text.replace(":{}".format(port), ":{}".format(self.ports[part]))
        return text

    def write_snippet(self, snippet):
        """Writes an ``ini`` block of the docs to the file its caption names; its name."""
        caption, text = snippet
        if not caption:
            raise AssertionError("The docs' file has no caption (its file name)")
        with open(os.path.join(self.workdir, caption), "w") as config:
            config.write(self.from_docs(text))
        return caption

    def run_commands(self, snippet):
        """Runs the lines of a command block of the docs, in order."""
        for line in self.from_docs(snippet[1]).splitlines():
            line = line.strip()
            wait = WAIT.match(line)
            if wait:
                self.wait_http(wait.group(1))
            elif line and not line.startswith("#"):
                self.command(line)

    def command(self, line):
        """Runs a command line as a lab does in its buildout folder, whose ``bin/`` is also
        its virtualenv's (``bin/pip``, ``bin/buildout``); pip runs offline."""
        argv = shlex.split(line)
        if not os.path.exists(os.path.join(self.workdir, argv[0])):
            argv[0] = os.path.join(self.venv, argv[0])
        if os.path.basename(argv[0]) == "pip":
            argv[1:1] = ["--disable-pip-version-check"]
            if argv[2] == "install":
                argv[3:3] = ["--no-index", "--find-links", self.wheelhouse]
        return self.check_output(argv)

    def check_output(self, argv):
        """Runs a command in the lab's folder; its output. Fails with the output if it
        fails."""
        process = subprocess.Popen(argv, cwd=self.workdir, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT)
        output = process.communicate()[0].decode("utf-8")
        with open(self.log_path("commands"), "a") as log:
            log.write("$ {}\n{}".format(" ".join(argv), output))
        if process.returncode:
            raise AssertionError("{} failed ({}):\n{}".format(
                " ".join(argv), process.returncode, output[-3000:]))
        return output

    # -- processes ----------------------------------------------------------

    def log_path(self, name):
        return os.path.join(self.workdir, "{}.out".format(name))

    def stop_all(self):
        """Stops every process the lab runs, the ZEO server last."""
        for part in reversed(PARTS):
            script = os.path.join(self.workdir, "bin", part)
            if os.path.exists(script):
                subprocess.call([script, "stop"], cwd=self.workdir,
                                stdout=open(os.devnull, "w"), stderr=subprocess.STDOUT)

    def run(self, script, *args):
        """Runs a script with ``bin/client1 run``; its output, also when it fails."""
        process = subprocess.Popen(
            [os.path.join(self.workdir, "bin", "client1"), "run", script] + list(args),
            cwd=self.workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return process.communicate()[0].decode("utf-8")

    def url(self, part, path=""):
        return "http://localhost:{}/{}".format(self.ports[part], path)

    def wait_http(self, url, seconds=300):
        """Until ``url`` answers HTTP at all (any status)."""
        part = [name for name, port in self.ports.items()
                if urlsplit(url).port == port][0]
        try:
            until(lambda: answers(url), bool, seconds,
                  message="{} does not answer".format(part))
        except AssertionError as error:
            raise AssertionError("{}; its log ends with:\n{}".format(error, self.tail(part)))

    def tail(self, part, size=3000):
        """The end of the event log of a process, for failure messages."""
        try:
            with open(os.path.join(self.workdir, "var", "log", "{}.log".format(part))) as log:
                return log.read()[-size:]
        except IOError:
            return ""

    def generated_files(self):
        """The scripts and Zope configurations buildout wrote."""
        paths = [os.path.join(self.workdir, "bin", name)
                 for name in os.listdir(os.path.join(self.workdir, "bin"))]
        paths += [os.path.join(self.workdir, "parts", part, "etc", "zope.conf")
                  for part in PARTS[1:]]
        return paths

    def docs_pins(self, config):
        """The names a buildout file of the docs pins."""
        parser = RawConfigParser()
        parser.read(os.path.join(self.workdir, config))
        return set(parser.options("versions")) if parser.has_section("versions") else set()

    def downloading_config(self, config):
        """A buildout file that runs ``config`` as a lab that downloads its eggs does; its
        name."""
        index = os.path.join(self.workdir, "no-index")
        os.makedirs(index)
        with open(os.path.join(self.workdir, "downloading.cfg"), "w") as downloading:
            downloading.write(DOWNLOADING_CFG.format(config=config, index=index))
        return "downloading.cfg"


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
