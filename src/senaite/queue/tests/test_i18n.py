# -*- coding: utf-8 -*-
"""The senaite.queue i18n domain: the catalogs match the sources, and Zope uses them.

The msgids are extracted with i18ndude, as `make i18n` does. When this test fails after a
change of a user string, run `make i18n` and translate the new entries.
"""

from __future__ import unicode_literals

import os
import re
import unittest

from i18ndude import catalog
from senaite.queue import messageFactory as _
from senaite.queue.testing import SENAITE_QUEUE_TESTING
from zope.i18n import translate

DOMAIN = "senaite.queue"
PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCALES = os.path.join(PACKAGE, "locales")
POT = os.path.join(LOCALES, DOMAIN + ".pot")
# The shipped catalogs: Language-Code, Language-Name and Plural-Forms
LANGUAGES = {
    "en": ("en", "English", "nplurals=2; plural=(n != 1);"),
    "es": ("es", "Español", "nplurals=2; plural=(n != 1);"),
    "de": ("de", "Deutsch", "nplurals=2; plural=(n != 1);"),
    "cs": ("cs", "Čeština", "nplurals=3; plural=(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2;"),
    "zh_CN": ("zh-cn", "简体中文", "nplurals=1; plural=0;"),
}
# Languages whose every msgid must have a translation; en keeps msgstr empty (msgid = English)
TRANSLATED = ("es", "de", "cs", "zh_CN")
VARIABLE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
READERS = (catalog.PTReader, catalog.PYReader, catalog.GSReader, catalog.ZCMLReader)


def extract():
    """The msgids of the package's sources (tests/ excluded), as `make i18n` finds them:
    Python, page templates, GenericSetup XML and ZCML."""
    msgids = set()
    for reader_class in READERS:
        reader = reader_class([PACKAGE], DOMAIN, exclude=("tests", ))
        reader.read()
        msgids.update(reader.catalogs.get(DOMAIN, {}).keys())
    return msgids


def languages():
    """The languages that have a catalog."""
    return sorted(name for name in os.listdir(LOCALES)
                  if os.path.exists(po_path(name)))


def po_path(language):
    return os.path.join(LOCALES, language, "LC_MESSAGES", DOMAIN + ".po")


def read_po(path):
    """(headers, {msgid: msgstr}) of a catalog."""
    messages = catalog.MessageCatalog(filename=path)
    # the catalog keeps the quotes of a msgid escaped, as in the file
    return messages.mime_header, dict((msgid.replace('\\"', '"'), entry.msgstr)
                                      for msgid, entry in messages.items())


class TestCatalogs(unittest.TestCase):
    """The .pot holds exactly the package's msgids, every .po exactly the .pot's."""

    def setUp(self):
        self.msgids = extract()
        self.pot_headers, self.pot = read_po(POT)

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
        # browser/worksheet.py translates these with bika.lims' message factory
        self.assertNotIn("Analyst must be specified.", self.msgids)
        self.assertNotIn("No analyses were added", self.msgids)

    def test_pot_matches_sources(self):
        self.assertEqual(set(self.pot), self.msgids, self.diff(self.msgids, set(self.pot)))
        self.assertEqual(self.pot_headers.get("Domain"), DOMAIN)

    def test_shipped_languages(self):
        self.assertEqual(languages(), sorted(LANGUAGES))
        self.assertEqual(sorted(TRANSLATED + ("en", )), sorted(LANGUAGES))

    def test_catalogs_match_pot(self):
        for language in languages():
            headers, messages = read_po(po_path(language))
            self.assertEqual(set(messages), set(self.pot),
                             "{}: {}".format(language, self.diff(set(self.pot), set(messages))))
            code, name, plural = LANGUAGES[language]
            self.assertEqual(headers.get("Domain"), DOMAIN, language)
            self.assertEqual(headers.get("Language-Code"), code, language)
            self.assertEqual(headers.get("Language-Name"), name, language)
            self.assertEqual(headers.get("Plural-Forms"), plural, language)
            self.assertEqual(headers.get("Content-Type"), "text/plain; charset=utf-8")

    def test_catalogs_are_translated(self):
        for language in TRANSLATED:
            __, messages = read_po(po_path(language))
            untranslated = sorted(msgid for msgid, msgstr in messages.items() if not msgstr)
            self.assertEqual(untranslated, [], "{}: untranslated {}".format(language, untranslated))
            for msgid, msgstr in messages.items():
                self.assertEqual(sorted(VARIABLE.findall(msgstr)), sorted(VARIABLE.findall(msgid)),
                                 "{}: variables of {!r}".format(language, msgid))

    def test_english_msgstr_is_empty(self):
        __, messages = read_po(po_path("en"))
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
