# -*- coding: utf-8 -*-
"""The doctests in tests/doctests/*.rst, on the SENAITE layer with senaite.queue: with the
lab's data (``utils.Lab``) made once by the lab layer, except the few that make their own.

Run one of them with ``bin/test -s senaite.queue -t <file name without .rst>``.
"""

import doctest
import os
import unittest

from plone.testing import layered
from senaite.queue.testing import SENAITE_QUEUE_LAB_TESTING
from senaite.queue.testing import SENAITE_QUEUE_TESTING
from senaite.queue.tests.utils import clean_request
from senaite.queue.tests.utils import setup_doctest

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE | doctest.REPORT_NDIFF
DOCTESTS = os.path.join(os.path.dirname(__file__), "doctests")
# Doctests without the lab layer's data: they need none, or a lab made otherwise
WITHOUT_LAB = ("SecurityReindex.rst", "ServerStatus.rst")


def tear_down(test):
    clean_request(test.globs["request"])


def test_suite():
    suite = unittest.TestSuite()
    for name in sorted(os.listdir(DOCTESTS)):
        if not name.endswith(".rst"):
            continue
        layer = SENAITE_QUEUE_TESTING if name in WITHOUT_LAB else SENAITE_QUEUE_LAB_TESTING
        suite.addTest(layered(
            doctest.DocFileSuite(os.path.join("doctests", name), package="senaite.queue.tests",
                                 setUp=setup_doctest, tearDown=tear_down,
                                 optionflags=FLAGS),
            layer=layer))
    return suite
