"""Inputs stay what they claim to be: names of any bytes, links that stay inside their folder,
and an output folder that is never read as input.

>>> source_name(Path(os.fsdecode(b"in/\\xd5\\xfb\\xb8\\xc4.txt")))
'in/\\\\xd5\\\\xfb\\\\xb8\\\\xc4.txt'
"""

from __future__ import annotations

import os
from pathlib import Path


def source_name(path: Path) -> str:
    """The path as text for ``source``: a name that is not UTF-8 (a GBK name from an archive made
    on Windows) keeps each byte that does not decode as ``\\xNN``, so it can be written and told apart."""
    return os.fsencode(path.as_posix()).decode("utf-8", "backslashreplace")


def leaves_root(path: Path, root: Path) -> bool:
    """``path`` is a link whose target (after every link) lies outside the folder ``root``."""
    if not path.is_symlink():
        return False
    try:
        target = path.resolve(strict=False)
    except (OSError, RuntimeError):  # a loop of links: not outside, and rejected when read
        return False
    return not inside(target, root.resolve())


def inside(path: Path, folder: Path) -> bool:
    """``path`` is ``folder`` or lies below it (both resolved by the caller)."""
    return path == folder or folder in path.parents
