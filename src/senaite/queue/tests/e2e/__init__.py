# -*- coding: utf-8 -*-
"""End-to-end tests: a real ZEO cluster built by the project's buildout (make test-e2e)."""
