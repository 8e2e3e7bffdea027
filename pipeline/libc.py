"""The C library, for the few of its calls Python does not offer (``mallopt``, ``malloc_trim``,
``prctl``): loaded once, and None where it is not glibc, in which case the caller does nothing."""

from __future__ import annotations

import ctypes
import functools


@functools.cache
def glibc() -> ctypes.CDLL | None:
    """glibc loaded (with ``errno`` kept for the caller), or None where there is none."""
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return None


def call(name: str, *args: int) -> bool:
    """Call glibc's function ``name`` with ``args``; whether there was one to call."""
    function = getattr(glibc(), name, None)
    if function is None:
        return False
    function(*args)
    return True
