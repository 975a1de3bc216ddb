# -*- coding: utf-8 -*-
"""The sdist and the wheel that ``make dist`` builds: exactly the files of the package that
git tracks, complete metadata, and a changelog that zest.releaser releases as it is.

They are built by ``scripts/build-dist`` (what ``make dist`` runs) into a temporary folder.
Runs in a git checkout; ``make test-dist`` also passes the Python 3 release tools in
``RELEASE_TOOLS``.
"""

import datetime
import email
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import zipfile

import pytest
from senaite.queue.tests.e2e.cluster import project_dir

ROOT = project_dir()
PACKAGE = "src/senaite/queue"
# Top-level files the sdist carries besides src/ and docs/
SDIST_TEXTS = ["CHANGES.rst", "MANIFEST.in", "README.rst", "setup.cfg", "setup.py"]
CLASSIFIERS = [
    "Framework :: Plone",
    "Framework :: Plone :: 5.2",
    "Framework :: Plone :: Addon",
    "Framework :: Zope",
    "Framework :: Zope :: 4",
    "License :: OSI Approved :: GNU General Public License v2 (GPLv2)",
    "Programming Language :: Python :: 2.7",
]
LEFTOVER = re.compile(r"(\.py[co]|\.mo|\.egg-link|(^|/)local\.cfg|(^|/)(var|__pycache__)/.*)$")
HEADING = re.compile(r"^(\S+) \(([^)]+)\)\n(-+)$", re.M)

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(ROOT, ".git")),
                                reason="needs the git checkout of senaite.queue")


def setup_version():
    with open(os.path.join(ROOT, "setup.py")) as setup:
        return re.search(r'^version = "([^"]+)"$', setup.read(), re.M).group(1)


VERSION = setup_version()


def tracked(*paths):
    """The files git tracks under ``paths``, relative to the checkout."""
    output = subprocess.check_output(["git", "ls-files", "-z", "--"] + list(paths), cwd=ROOT)
    return sorted(output.decode("utf-8").split("\0")[:-1])


def assert_same_files(built, expected):
    missing = sorted(set(expected) - set(built))
    extra = sorted(set(built) - set(expected))
    assert not (missing or extra), (
        "Missing from the distribution: {}\nIn the distribution, not tracked by git: {}"
        .format(missing, extra))


def tool(name):
    tools = os.environ.get("RELEASE_TOOLS")
    if not tools:
        pytest.skip("RELEASE_TOOLS is not set: run `make test-dist`")
    return os.path.join(os.path.abspath(tools), name)


@pytest.fixture(scope="module")
def dist_dir():
    path = tempfile.mkdtemp(prefix="senaite-queue-dist-")
    try:
        subprocess.check_call([os.path.join(ROOT, "scripts", "build-dist"), path],
                              stdout=open(os.devnull, "w"))
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def wheel(dist_dir):
    path = os.path.join(dist_dir, "senaite.queue-{}-py2-none-any.whl".format(VERSION))
    with zipfile.ZipFile(path) as archive:
        yield archive


@pytest.fixture(scope="module")
def sdist_names(dist_dir):
    """The files of the sdist, relative to its top folder."""
    path = os.path.join(dist_dir, "senaite.queue-{}.tar.gz".format(VERSION))
    with tarfile.open(path) as archive:
        return [member.name.split("/", 1)[1] for member in archive.getmembers()
                if member.isfile()]


def test_wheel_carries_the_tracked_package_files(wheel):
    """ZCML, templates, profiles, catalogs, upgrade steps, doctests: every tracked file."""
    built = [name for name in wheel.namelist() if name.startswith("senaite/queue/")]
    assert_same_files(built, [path[len("src/"):] for path in tracked(PACKAGE)])


def test_wheel_carries_nothing_else(wheel):
    dist_info = "senaite.queue-{}.dist-info/".format(VERSION)
    others = [name for name in wheel.namelist() if not name.startswith("senaite/queue/")]
    assert sorted(others) == sorted(
        ["senaite.queue-{}-py2.7-nspkg.pth".format(VERSION)] +
        [dist_info + name for name in ("METADATA", "RECORD", "WHEEL", "entry_points.txt",
                                       "namespace_packages.txt", "top_level.txt")])


def test_sdist_carries_the_package_the_docs_and_the_texts(sdist_names):
    built = [name for name in sdist_names
             if name != "PKG-INFO" and not name.startswith("src/senaite.queue.egg-info/")]
    assert_same_files(built, tracked("src", "docs") + SDIST_TEXTS)


def test_no_build_leftovers(wheel, sdist_names):
    for name in wheel.namelist() + sdist_names:
        assert not LEFTOVER.search(name), name


def test_wheel_metadata(wheel):
    dist_info = "senaite.queue-{}.dist-info/".format(VERSION)
    metadata = email.message_from_string(wheel.read(dist_info + "METADATA").decode("utf-8"))
    assert metadata["Name"] == "senaite.queue"
    assert metadata["Version"] == VERSION
    for field in ("Summary", "Author", "Author-email", "Home-page", "License"):
        assert metadata[field], field
    assert metadata["Requires-Python"] == "==2.7.*"
    assert metadata["Description-Content-Type"] == "text/x-rst"
    assert set(CLASSIFIERS) <= set(metadata.get_all("Classifier"))
    assert "senaite" in metadata["Keywords"]
    requires = metadata.get_all("Requires-Dist")
    assert "senaite.lims" in requires
    wheel_info = wheel.read(dist_info + "WHEEL").decode("utf-8")
    assert "Tag: py2-none-any" in wheel_info
    entry_points = wheel.read(dist_info + "entry_points.txt").decode("utf-8")
    assert "[z3c.autoinclude.plugin]" in entry_points


def test_twine_check(dist_dir):
    subprocess.check_call([tool("twine"), "check", "--strict"] + [
        os.path.join(dist_dir, name) for name in sorted(os.listdir(dist_dir))])


def test_changelog_heading_is_the_version_in_progress():
    """zest.releaser's convention: ``2.0.0 (unreleased)`` while setup.py says 2.0.0.dev0."""
    with open(os.path.join(ROOT, "CHANGES.rst")) as changes:
        version, date, underline = HEADING.search(changes.read()).groups()
    assert VERSION == "{}.dev0".format(version)
    assert date == "unreleased"
    assert len(underline) == len("{} ({})".format(version, date))


def test_zest_releaser_prereleases_without_edits():
    """``prerelease`` on a copy of the checkout dates the changelog and sets the version."""
    prerelease = tool("prerelease")
    workdir = tempfile.mkdtemp(prefix="senaite-queue-zest-")
    env = dict(os.environ, GIT_AUTHOR_NAME="Release Test", GIT_COMMITTER_NAME="Release Test",
               GIT_AUTHOR_EMAIL="release@example.com",
               GIT_COMMITTER_EMAIL="release@example.com")
    try:
        files = subprocess.check_output(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT)
        for path in files.decode("utf-8").split("\0")[:-1]:
            source = os.path.join(ROOT, path)
            if os.path.isfile(source):
                target = os.path.join(workdir, path)
                if not os.path.isdir(os.path.dirname(target)):
                    os.makedirs(os.path.dirname(target))
                shutil.copy2(source, target)
        for command in (["git", "init", "-q"], ["git", "add", "-A"],
                        ["git", "commit", "-q", "-m", "Copy of the checkout"],
                        [prerelease, "--no-input"]):
            today = datetime.date.today().isoformat()
            subprocess.check_call(command, cwd=workdir, env=env, stdout=open(os.devnull, "w"))
        released = VERSION[:-len(".dev0")]
        with open(os.path.join(workdir, "setup.py")) as setup:
            assert 'version = "{}"'.format(released) in setup.read()
        with open(os.path.join(workdir, "CHANGES.rst")) as changes:
            version, date, _ = HEADING.search(changes.read()).groups()
        assert version == released
        assert date in (today, datetime.date.today().isoformat())
        log = subprocess.check_output(["git", "log", "-1", "--format=%s"], cwd=workdir)
        assert log.decode("utf-8").strip() == "Preparing release {}".format(released)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
