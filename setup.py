# -*- coding: utf-8 -*-
from setuptools import find_packages
from setuptools import setup

version = "2.0.0.dev0"

with open("README.rst") as readme, open("CHANGES.rst") as changes:
    long_description = "\n\n".join([readme.read(), changes.read()])

setup(
    name="senaite.queue",
    version=version,
    description="Asynchronous task queue for SENAITE LIMS 2.x",
    long_description=long_description,
    long_description_content_type="text/x-rst",
    # SENAITE has no classifier of its own: it is a Plone add-on, named in the keywords
    classifiers=[
        "Development Status :: 4 - Beta",
        "Environment :: Web Environment",
        "Framework :: Plone",
        "Framework :: Plone :: 5.2",
        "Framework :: Plone :: Addon",
        "Framework :: Zope",
        "Framework :: Zope :: 4",
        "Intended Audience :: Science/Research",
        "License :: OSI Approved :: GNU General Public License v2 (GPLv2)",
        "Operating System :: OS Independent",
        "Programming Language :: Python",
        "Programming Language :: Python :: 2",
        "Programming Language :: Python :: 2.7",
        "Topic :: Scientific/Engineering",
    ],
    keywords=["senaite", "lims", "plone", "zope", "queue", "zeo", "async"],
    author="senaite.queue developers",
    author_email="senaite@senaite.com",
    url="https://github.com/senaite/senaite.queue",
    project_urls={
        "Source": "https://github.com/senaite/senaite.queue",
        "Issues": "https://github.com/senaite/senaite.queue/issues",
        "Changelog": "https://github.com/senaite/senaite.queue/blob/master/CHANGES.rst",
    },
    license="GPLv2",
    packages=find_packages("src", exclude=["ez_setup"]),
    package_dir={"": "src"},
    namespace_packages=["senaite"],
    include_package_data=True,
    zip_safe=False,
    python_requires="==2.7.*",
    install_requires=[
        "setuptools",
        "senaite.lims",
        "senaite.jsonapi",
        "senaite.app.listing",
        "plone.api",
        "plone.registry",
        "plone.app.registry",
        "z3c.form",
        "collective.monkeypatcher",
        "cryptography",
        "prometheus-client",
        "requests",
        "six",
    ],
    extras_require={
        "test": [
            "senaite.core[test]",
            "plone.app.testing",
            "zope.testrunner",
            "pytest",
            "hypothesis",
        ],
    },
    entry_points="""
    [z3c.autoinclude.plugin]
    target = plone
    """,
)
