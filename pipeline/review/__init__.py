"""The review site: a static, offline HTML page per document with every extracted row highlighted.

``build_site(dataset, out)`` reads a built dataset and its validation report and writes
``index.html`` (documents to page, sort, filter and search, and charts) and one page per
document (or per chosen document: ``docs=``, ``sample=``).
"""

from pipeline.review.site import build_site

__all__ = ["build_site"]
