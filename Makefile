# senaite.queue development commands. Every target is idempotent.
#   make run    build, create the site, start the ZEO cluster (ZEO, client1, queue server, consumer)
#   make stop   stop the cluster
#   make test   all tests that need no running cluster (core on Python 2.7 and 3, SENAITE layer,
#               distributions), at once on the machine's CPUs
#   make docs   build the Sphinx documentation, warnings as errors
#   make dist   build the sdist and the wheel into dist/ and check them with twine
#   make test-release  install the built wheel into a new buildout, as a lab does, and use it
#   make test-browser headless Chromium clicks through the pages of a test cluster on free ports
#   make screenshots  docs/_static/*.png from the running cluster (installs chromium if missing)
#   make clean  remove everything the build made (the database included)
# STORAGE=postgresql runs the cluster (make run) and the end-to-end tests (make test-e2e) on
# RelStorage with PostgreSQL instead of ZEO (see postgresql.cfg).

SHELL := /bin/bash
PYTHON ?= $(shell scripts/find-python27)
PYTHON3 ?= python3
BUILD := .build
VENV := .venv
VENV3 := $(BUILD)/py3
TOOLS := $(BUILD)/release-tools
RELEASE_VENV := $(BUILD)/release-venv
VERSION = $(shell sed -n 's/^version = "\(.*\)"$$/\1/p' setup.py)
VENV_BROWSER := $(BUILD)/browser
PIP := $(VENV)/bin/pip --disable-pip-version-check -q
CONSTRAINTS := $(BUILD)/constraints.txt
WHEELS := $(BUILD)/wheels
WHEELHOUSE := $(BUILD)/wheelhouse
# pip installs the Python 2.7 distributions from the wheelhouse only, never from the network
OFFLINE := --no-index --find-links $(WHEELHOUSE) --find-links $(WHEELS)
PYPHEN := pyphen==0.11.0
SITE := senaite

# The database: zeo (a ZEO server on a FileStorage) or postgresql (RelStorage, history-free, on
# a PostgreSQL server of this checkout in $(PGDIR), installed from Debian's package if missing)
STORAGE ?= zeo
PGDIR := var/postgresql
PGPORT = $(shell sed -n '/^\[postgresql\]/,/^\[/s/^port *= *//p' postgresql.cfg)
ifeq ($(STORAGE),zeo)
BUILDOUT_CFG := buildout.cfg
NOT_BUILT :=
RUN_NEEDS :=
START_DATABASE := bin/zeoserver start
E2E_NEEDS := build
else ifeq ($(STORAGE),postgresql)
BUILDOUT_CFG := postgresql.cfg
# plone.recipe.zeoserver leaves its scripts behind when its part is uninstalled
NOT_BUILT := bin/zeoserver bin/zeopack bin/repozo
RUN_NEEDS := postgresql-server
START_DATABASE := scripts/postgresql start $(PGDIR) $(PGPORT)
E2E_NEEDS := $(VENV)/.installed local.cfg postgresql-server
else
$(error STORAGE is zeo or postgresql, not $(STORAGE))
endif

.PHONY: build run stop test test-core test-core-py2 test-core-py3 test-senaite test-e2e docs clean \
  screenshots i18n dist test-dist test-release postgresql-server FORCE
.PHONY: test-browser debian-packages py3-environments

build: bin/.built

# One pin set: the constraints are generated from the buildout's versions.cfg.
$(CONSTRAINTS): versions.cfg
	@mkdir -p $(BUILD)
	sed -n 's/^\([A-Za-z0-9][^ =]*\) *= *\([^ #]*\).*$$/\1==\2/p' versions.cfg > $@

$(VENV)/bin/python: $(CONSTRAINTS)
	@test -n "$(PYTHON)" || { echo "No Python 2.7 found: pass PYTHON=/path/to/python2.7"; exit 1; }
	$(PYTHON) -m pip install -q --disable-pip-version-check --target $(BUILD)/virtualenv -c $(CONSTRAINTS) virtualenv
	PYTHONPATH=$(BUILD)/virtualenv $(PYTHON) -m virtualenv -q $(VENV)
	$(PIP) install -c $(CONSTRAINTS) pip setuptools wheel

# pyphen 0.11.0 declares Python >= 3.6 but runs on 2.7; pip 20 refuses it, so build a py2 wheel
# from its sdist once, without the marker.
$(WHEELS)/.pyphen: $(VENV)/bin/python
	rm -rf $(BUILD)/pyphen && mkdir -p $(BUILD)/pyphen $(WHEELS)
	$(PYTHON3) -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: $(PYPHEN) -d $(BUILD)/pyphen
	tar xzf $(BUILD)/pyphen/pyphen-0.11.0.tar.gz -C $(BUILD)/pyphen
	cd $(BUILD)/pyphen/pyphen-0.11.0 && rm -f pyproject.toml && \
	  sed -i 's/from distutils.core import setup/from setuptools import setup/; /python_requires=/d' setup.py && \
	  ../../../$(VENV)/bin/pip wheel -q --no-deps --no-build-isolation -w ../../wheels .
	touch $@

# A wheel of every distribution of wheelhouse.txt, at the pinned versions, fetched many at
# once from the package index (with the machine's own pip configuration).
$(WHEELHOUSE)/.fetched: $(CONSTRAINTS) wheelhouse.txt | $(VENV)/bin/python
	scripts/fetch-wheels $(VENV)/bin/pip $(CONSTRAINTS) wheelhouse.txt $(WHEELHOUSE)
	touch $@

# Everything the stack needs, installed by pip from the wheelhouse; RelStorage and its
# PostgreSQL driver too (STORAGE=postgresql), so that nothing is installed into the virtualenv
# while a cluster of the other storage runs from it
$(VENV)/.installed: $(CONSTRAINTS) setup.py $(WHEELS)/.pyphen $(WHEELHOUSE)/.fetched
	$(PIP) install -c $(CONSTRAINTS) $(OFFLINE) \
	  zc.buildout zc.recipe.egg zc.recipe.testrunner plone.recipe.zope2instance \
	  plone.recipe.zeoserver Sphinx sphinx-rtd-theme i18ndude RelStorage psycopg2-binary \
	  -e ".[test]"
	$(VENV)/bin/pip check
	$(VENV)/bin/python scripts/compile-translations $(VENV)/lib src
	touch $@

# The storage the buildout was last run for (zeo before there was a choice). Another one
# stops the cluster first: buildout would reinstall its parts and kill them without a word.
$(BUILD)/storage: FORCE
	@mkdir -p $(BUILD)
	@test "$$(cat $@ 2>/dev/null || echo zeo)" = $(STORAGE) || $(MAKE) -s stop
	@test "$$(cat $@ 2>/dev/null)" = $(STORAGE) || echo $(STORAGE) > $@

# Buildout uses what pip installed; it never downloads (install-from-cache, empty cache).
local.cfg:
	scripts/make-local-cfg > $@

bin/.built: $(VENV)/.installed buildout.cfg postgresql.cfg versions.cfg local.cfg \
  $(BUILD)/storage
	mkdir -p downloads
	$(VENV)/bin/buildout -q -c $(BUILDOUT_CFG)
	$(if $(NOT_BUILT),rm -f $(NOT_BUILT))
	touch $@

run: build $(RUN_NEEDS)
	$(START_DATABASE)
	bin/client1 run scripts/setup_site.py $(SITE) http://localhost:$$(scripts/port queue_server)/$(SITE) local.cfg
	scripts/start-clients client1 queue_server queue_consumer
	@scripts/cluster-info $(SITE)

stop:
	-@test -x bin/queue_consumer && bin/queue_consumer stop
	-@test -x bin/queue_server && bin/queue_server stop
	-@test -x bin/client1 && bin/client1 stop
	-@test ! -x bin/zeoserver || bin/zeoserver stop
	-@test ! -f $(PGDIR)/data/PG_VERSION || scripts/postgresql stop $(PGDIR)

# At once: each one's output comes in one piece when it ends, and a failure of any fails this.
test: build
	@echo "SENAITE layer, core on Python 2.7 and 3, distributions: at once; each report follows when it ends"
	@$(MAKE) --no-print-directory -j --output-sync=target test-senaite test-core-py2 \
	  test-core-py3 test-dist

test-core: test-core-py2 test-core-py3

test-core-py2: build
	$(VENV)/bin/python -m pytest -q src/senaite/queue/tests/unit

$(VENV3)/.installed: requirements-py3.txt
	$(PYTHON3) -m venv $(VENV3)
	$(VENV3)/bin/pip install -q --disable-pip-version-check -r requirements-py3.txt
	touch $@

test-core-py3: $(VENV3)/.installed
	PYTHONPATH=src $(VENV3)/bin/python -m pytest -q -p no:cacheprovider src/senaite/queue/tests/unit

# bin/test -s senaite.queue, in two processes at once (see the script)
test-senaite: build
	scripts/test-senaite

# A real cluster on free ports, built by this buildout into a temporary folder; with
# STORAGE=postgresql, on a throw-away PostgreSQL server there
test-e2e: $(E2E_NEEDS)
	SENAITE_QUEUE_E2E_STORAGE=$(STORAGE) $(VENV)/bin/python -m pytest -v -p no:cacheprovider \
	  --durations=0 src/senaite/queue/tests/e2e

# Python 3 release tools (twine, zest.releaser), pinned in requirements-release.txt
$(TOOLS)/.installed: requirements-release.txt
	rm -rf $(TOOLS)
	$(PYTHON3) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q --disable-pip-version-check -r requirements-release.txt
	touch $@

# dist/senaite.queue-<version>.tar.gz and the py2 wheel, from the files git knows
dist: build $(TOOLS)/.installed
	scripts/build-dist dist
	$(TOOLS)/bin/twine check --strict dist/senaite.queue-$(VERSION)*

# The wheel and the sdist carry exactly the package's tracked files; metadata; releasing
test-dist: build $(TOOLS)/.installed
	RELEASE_TOOLS=$(TOOLS)/bin $(VENV)/bin/python -m pytest -q -p no:cacheprovider \
	  src/senaite/queue/tests/release/test_dist.py

# A virtualenv like a lab's before senaite.queue: the pinned stack of SENAITE and the buildout
# recipes, without senaite.queue (the release test installs it as the docs say)
$(RELEASE_VENV)/.installed: $(CONSTRAINTS) $(WHEELS)/.pyphen $(WHEELHOUSE)/.fetched
	rm -rf $(RELEASE_VENV)
	PYTHONPATH=$(BUILD)/virtualenv $(PYTHON) -m virtualenv -q $(RELEASE_VENV)
	$(RELEASE_VENV)/bin/pip install -q --disable-pip-version-check -c $(CONSTRAINTS) $(OFFLINE) \
	  pip setuptools wheel
	$(RELEASE_VENV)/bin/pip install -q --disable-pip-version-check -c $(CONSTRAINTS) $(OFFLINE) \
	  zc.buildout zc.recipe.egg plone.recipe.zope2instance plone.recipe.zeoserver \
	  Plone plone.app.upgrade senaite.lims
	$(RELEASE_VENV)/bin/python scripts/compile-translations $(RELEASE_VENV)/lib
	touch $@

# Installs the release files of `make dist` into a SENAITE buildout (not develop) as
# docs/installation.rst says, with pip and with buildout from the source distribution, then
# activates and configures it over HTTP, has a consumer run a lab user's work and runs the
# script prologue of docs/api.rst. pip installs offline, from the wheelhouse.
test-release: dist $(RELEASE_VENV)/.installed
	RELEASE_VENV=$(RELEASE_VENV) RELEASE_DIST=dist RELEASE_WHEELHOUSE=$(WHEELHOUSE) \
	  $(VENV)/bin/python -m pytest -v -p no:cacheprovider --durations=0 \
	  src/senaite/queue/tests/release/test_release.py

# src/senaite/queue/locales: rebuild senaite.queue.pot from the sources with i18ndude, sync
# every .po with it
LOCALES := src/senaite/queue/locales
i18n: $(VENV)/.installed
	cd src/senaite/queue && ../../../$(VENV)/bin/i18ndude rebuild-pot \
	  --pot locales/senaite.queue.pot --exclude tests .
	$(VENV)/bin/i18ndude sync --pot $(LOCALES)/senaite.queue.pot \
	  $(LOCALES)/*/LC_MESSAGES/senaite.queue.po

docs: $(VENV)/.installed
	$(VENV)/bin/sphinx-build -W -q -b html docs docs/_build/html

# Headless Chromium from Debian, installed only when the machine has none.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update && apt-get install -y chromium

# Its WebDriver, for Selenium (test-browser, screenshots)
CHROMEDRIVER := /usr/bin/chromedriver
$(CHROMEDRIVER):
	apt-get update && apt-get install -y chromium chromium-driver

# Python 3 with Selenium, for the browser tests and the screenshots
$(VENV_BROWSER)/.installed: requirements-browser.txt
	$(PYTHON3) -m venv $(VENV_BROWSER)
	$(VENV_BROWSER)/bin/pip install -q --disable-pip-version-check -r requirements-browser.txt
	touch $@

# Headless Chromium (Debian's) clicks through what users do with the queue, on a real
# cluster on free ports built like test-e2e's. A failed test leaves a screenshot and the
# page's HTML in .build/test-browser.
test-browser: build $(VENV_BROWSER)/.installed | $(CHROMIUM) $(CHROMEDRIVER)
	PYTHONPATH=src $(VENV_BROWSER)/bin/python -m pytest -v -p no:cacheprovider --durations=0 \
	  src/senaite/queue/tests/browser

# docs/_static/*.png: the control panel with a field error, a worksheet and the samples with
# queued analyses, the Queue Monitor's tabs, and samples queued by a bulk "Receive" and by
# the Add Sample form, taken from the running cluster.
# The browser is driven by the browser tests' helpers (src/senaite/queue/tests/browser).
screenshots: run $(VENV_BROWSER)/.installed | $(CHROMIUM) $(CHROMEDRIVER)
	$(VENV_BROWSER)/bin/python scripts/screenshots.py \
	  --url http://localhost:$$(scripts/port client1)/$(SITE) \
	  --server-url http://localhost:$$(scripts/port queue_server)/$(SITE) \
	  --consumer-url http://localhost:$$(scripts/port queue_consumer)/$(SITE) \
	  --config local.cfg --out docs/_static --chromium $(CHROMIUM) --chromedriver $(CHROMEDRIVER)

# Debian's packages the suites need (PostgreSQL, Chromium and its WebDriver), with one
# apt-get; only those the machine lacks
DEBIAN_PACKAGES := postgresql chromium chromium-driver
debian-packages:
	@missing=$$(for name in $(DEBIAN_PACKAGES); do \
	  dpkg -s $$name 2>/dev/null | grep -q '^Status: install ok' || echo $$name; done); \
	test -z "$$missing" || { apt-get update && apt-get install -y $$missing; }

# The Python 3 environments: the engine's tests, the browser tests, the release tools
py3-environments: $(VENV3)/.installed $(VENV_BROWSER)/.installed $(TOOLS)/.installed

# PostgreSQL from Debian, installed only when the machine has none.
postgresql-server:
	@scripts/postgresql bindir >/dev/null || { apt-get update && apt-get install -y postgresql; }

FORCE:

clean: stop
	rm -rf $(BUILD) $(VENV) bin parts develop-eggs downloads eggs var .installed.cfg docs/_build \
	  local.cfg src/*.egg-info dist
