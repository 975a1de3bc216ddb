# -*- coding: utf-8 -*-
"""The senaite.queue i18n domain: the catalogs match the sources, and Zope uses them.

The msgids are extracted exactly as `make i18n` does (locales/extract.py). When this test
fails after a change of a user string, run `make i18n` and translate the new entries.
"""

from __future__ import unicode_literals

import imp
import os
import re
import unittest

from senaite.queue import messageFactory as _
from senaite.queue.testing import SENAITE_QUEUE_TESTING
from zope.i18n import translate

LOCALES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "locales")
extract = imp.load_source("senaite_queue_locales_extract", os.path.join(LOCALES, "extract.py"))

# Languages whose every msgid must have a translation; en keeps msgstr empty (msgid = English)
TRANSLATED = ("es", "de", "cs", "zh_CN")
VARIABLE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")


class TestCatalogs(unittest.TestCase):
    """The .pot holds exactly the package's msgids, every .po exactly the .pot's."""

    def setUp(self):
        self.msgids = set(extract.extract())
        self.pot_headers, self.pot = extract.read_po(extract.POT)

    def diff(self, expected, found):
        return "missing: {}; stale: {}. Run `make i18n`.".format(
            sorted(expected - found), sorted(found - expected))

    def test_extraction_finds_every_kind_of_source(self):
        for msgid in ("Queue Monitor",  # Python, GenericSetup actions.xml
                      "Queue Settings",  # Python, GenericSetup controlpanel.xml
                      "${count} analyses are being processed in background.",  # template
                      "Configure it",  # template, i18n:translate inside i18n:name
                      "SENAITE QUEUE"):  # ZCML registerProfile title
            self.assertIn(msgid, self.msgids)

    def test_other_domains_are_not_extracted(self):
        # adapters/views.py translates these with bika.lims' message factory
        self.assertNotIn("Analyst must be specified.", self.msgids)
        self.assertNotIn("No analyses were added", self.msgids)

    def test_pot_matches_sources(self):
        self.assertEqual(set(self.pot), self.msgids, self.diff(self.msgids, set(self.pot)))
        self.assertIn(("Domain", "senaite.queue"), self.pot_headers)

    def test_shipped_languages(self):
        self.assertEqual(extract.languages(), sorted(("en",) + TRANSLATED))

    def test_catalogs_match_pot(self):
        for language in extract.languages():
            path = extract.po_path(language)
            headers, messages = extract.read_po(path)
            self.assertEqual(set(messages), set(self.pot),
                             "{}: {}".format(language, self.diff(set(self.pot), set(messages))))
            headers = dict(headers)
            code, name, plural = extract.LANGUAGES[language]
            self.assertEqual(headers.get("Domain"), "senaite.queue", language)
            self.assertEqual(headers.get("Language-Code"), code, language)
            self.assertEqual(headers.get("Language-Name"), name, language)
            self.assertEqual(headers.get("Plural-Forms"), plural, language)
            self.assertEqual(headers.get("Content-Type"), "text/plain; charset=utf-8")

    def test_catalogs_are_translated(self):
        for language in TRANSLATED:
            __, messages = extract.read_po(extract.po_path(language))
            untranslated = sorted(msgid for msgid, msgstr in messages.items() if not msgstr)
            self.assertEqual(untranslated, [], "{}: untranslated {}".format(language, untranslated))
            for msgid, msgstr in messages.items():
                self.assertEqual(sorted(VARIABLE.findall(msgstr)), sorted(VARIABLE.findall(msgid)),
                                 "{}: variables of {!r}".format(language, msgid))

    def test_english_msgstr_is_empty(self):
        __, messages = extract.read_po(extract.po_path("en"))
        self.assertEqual([msgid for msgid, msgstr in messages.items() if msgstr], [])


class TestTranslations(unittest.TestCase):
    """Zope compiles the catalogs (zope_i18n_compile_mo_files) and translates with them."""

    layer = SENAITE_QUEUE_TESTING

    def test_compile_mo_files_is_on(self):
        self.assertEqual(os.environ.get("zope_i18n_compile_mo_files"), "true")

    def test_german(self):
        self.assertEqual(translate("Queue Monitor", domain="senaite.queue",
                                   target_language="de"), "Warteschlangen-Monitor")
        message = _("Queue server ${url} answers", mapping={"url": "http://localhost:8090/x"})
        self.assertEqual(translate(message, target_language="de"),
                         "Der Warteschlangen-Server http://localhost:8090/x antwortet")

    def test_spanish(self):
        self.assertEqual(translate("Queue Monitor", domain="senaite.queue",
                                   target_language="es"), "Monitor de la cola")
        message = _("The analyses of worksheet ${id} are being added in background.",
                    mapping={"id": "WS-0001"})
        self.assertEqual(translate(message, target_language="es"),
                         "Los análisis de la hoja de trabajo WS-0001 se están añadiendo en "
                         "segundo plano.")

    def test_czech_and_chinese(self):
        self.assertEqual(translate(_("Queued"), target_language="cs"), "Ve frontě")
        self.assertEqual(translate(_("Queued"), target_language="zh_CN"), "已排队")

    def test_english_is_the_msgid(self):
        message = _("${seconds} s", mapping={"seconds": 5})
        self.assertEqual(translate(message, target_language="en"), "5 s")
