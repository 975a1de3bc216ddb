# -*- coding: utf-8 -*-
"""Browser tests: headless Chromium, driven by Selenium (Python 3), against a real cluster
(make test-browser). ``driver`` and ``pages`` also take the screenshots of the docs
(scripts/screenshots.py)."""
