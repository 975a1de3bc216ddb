# -*- coding: utf-8 -*-
"""The doctests in tests/doctests/*.rst, on the SENAITE layer with senaite.queue.

Run one of them with ``bin/test -s senaite.queue -t <file name without .rst>``.
"""

import doctest
import os
import unittest

from plone.testing import layered
from senaite.queue.testing import SENAITE_QUEUE_TESTING
from senaite.queue.tests.utils import clean_request
from senaite.queue.tests.utils import setup_doctest

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE | doctest.REPORT_NDIFF
DOCTESTS = os.path.join(os.path.dirname(__file__), "doctests")


def tear_down(test):
    clean_request(test.globs["request"])


def test_suite():
    suite = unittest.TestSuite()
    for name in sorted(os.listdir(DOCTESTS)):
        if not name.endswith(".rst"):
            continue
        suite.addTest(layered(
            doctest.DocFileSuite(os.path.join("doctests", name), package="senaite.queue.tests",
                                 setUp=setup_doctest, tearDown=tear_down,
                                 optionflags=FLAGS),
            layer=SENAITE_QUEUE_TESTING))
    return suite
