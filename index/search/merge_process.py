"""The background merge process: `python -m srefind.index.search.merge_process` (see merges.py).

A module of its own, imported by nobody: running `-m` on merges.py itself would execute a module
the package has already imported (runpy warns, and there would be two copies of its state).
"""

from .merges import _merge_main

if __name__ == "__main__":
    _merge_main()
