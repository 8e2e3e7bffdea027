"""The text of a binary document (PDF, DOCX), or the reject of a binary format zhenggai does
not read (``unsupported_format``, naming it) or of a PDF without a text layer (``no_text``).

>>> document_text("一、整改情况".encode(), "a.txt") is None
True
"""

from __future__ import annotations

from pipeline.inputs.formats import sniff


def document_text(data: bytes, source: str) -> tuple[str, str] | None:
    """(text, encoding label) of a PDF or DOCX; None for bytes to decode as text; raises
    InputRejected for other binary formats and for PDFs without text."""
    from pipeline.rejected import InputRejected

    kind = sniff(data, source)
    if kind is None:
        return None
    if kind == ".pdf":
        from pipeline.inputs.pdf import NoTextLayer, pdf_text

        try:
            return pdf_text(data), "pdf"
        except NoTextLayer as exc:
            raise InputRejected("no_text", f"a PDF with {exc}") from None
        except Exception as exc:  # pdfminer's errors on a damaged or encrypted file have no common base
            raise InputRejected("undecodable", f"a PDF that cannot be read: {type(exc).__name__}: {exc}") from None
    if kind == ".docx":
        from pipeline.inputs.docx import docx_text

        try:
            return docx_text(data), "docx"
        except Exception as exc:  # python-docx and lxml raise many kinds on a damaged package
            raise InputRejected("undecodable", f"a DOCX that cannot be read: {type(exc).__name__}: {exc}") from None
    raise InputRejected("unsupported_format", f"a {kind} file: zhenggai reads text, HTML, PDF and DOCX; save it as one of those")
