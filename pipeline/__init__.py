"""zhenggai: Chinese government rectification notices → research-grade tables.

The library is the real API; the ``zhenggai`` command is a thin layer over it.

>>> from pipeline import extract_text
>>> extract_text("2024年1-10月,完成软件业务收入2672.4亿元。").indicators[0].value_normalized
267240000000.0
"""

import os

__version__ = "0.1.0"

# Arrow's C++ side (the Parquet writer's pages and statistics) allocates from Arrow's default pool,
# mimalloc unless this is set before pyarrow loads (it cannot be changed after). mimalloc keeps what
# it frees for itself, so its high-water mark added to that of the C library's heap, from which
# Python and the Arrow arrays take theirs (``build.use_system_allocator``). Set here, before any
# module of the package imports pyarrow; a value the user set is kept.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

__all__ = ["__version__", "extract_text", "run"]


def __getattr__(name: str):
    # Imported on first use, so that ``import pipeline.normalize`` stays light.
    if name in ("extract_text", "run"):
        from pipeline import build

        return getattr(build, name)
    raise AttributeError(name)
