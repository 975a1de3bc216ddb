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
    classifiers=[
        "Framework :: Plone",
        "Framework :: Plone :: 5.2",
        "Framework :: Zope :: 4",
        "Programming Language :: Python",
        "Programming Language :: Python :: 2.7",
        "License :: OSI Approved :: GNU General Public License v2 (GPLv2)",
    ],
    keywords=["senaite", "lims", "queue", "zeo", "async"],
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
