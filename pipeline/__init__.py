"""zhenggai: Chinese government rectification notices → research-grade tables.

The library is the real API; the ``zhenggai`` command is a thin layer over it.

>>> from pipeline import extract_text
>>> extract_text("2024年1-10月,完成软件业务收入2672.4亿元。").indicators[0].value_normalized
267240000000.0
"""

__version__ = "0.1.0"

__all__ = ["__version__", "extract_text", "run"]


def __getattr__(name: str):
    # Imported on first use, so that ``import pipeline.normalize`` stays light.
    if name in ("extract_text", "run"):
        from pipeline import build

        return getattr(build, name)
    raise AttributeError(name)
