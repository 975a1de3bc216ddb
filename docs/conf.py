# -*- coding: utf-8 -*-
"""Sphinx configuration of the senaite.queue documentation."""

project = u"senaite.queue"
copyright = u"senaite.queue contributors"
author = u"senaite.queue contributors"
version = u"2.0"
release = u"2.0.0.dev0"

extensions = []
templates_path = []
source_suffix = ".rst"
master_doc = "index"
language = "en"
exclude_patterns = ["_build"]
pygments_style = "sphinx"

html_theme = "sphinx_rtd_theme"
html_static_path = ["_static"]
html_title = u"senaite.queue documentation"
