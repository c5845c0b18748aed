"""The package list, found rather than written out: pyproject.toml holds everything else.

srefind installs as one namespace from four source folders (srefind/, crawler/, index/, web/), and
its data folders (the lexicon, the demo site, templates) are packages of data files. Listing them by
hand in pyproject.toml would go stale with every page added to the demo site, and leaving them out
makes setuptools warn about each one.
"""

from setuptools import find_namespace_packages, setup

ROOTS = {"srefind": "srefind", "srefind.crawler": "crawler", "srefind.index": "index", "srefind.web": "web"}


def packages() -> list[str]:
    found = []
    for name, folder in ROOTS.items():
        found.append(name)
        found += [f"{name}.{sub}" for sub in find_namespace_packages(folder, exclude=["*__pycache__*"])]
    return sorted(found)


setup(packages=packages(), package_dir=ROOTS)
