"""Measure main-text extractors on Chinese government pages.

Pages: each corpus document wrapped in a government-site template (tests/variants.py) and the
hand-written pages in tests/inputs/html/.  For each extractor it reports

- keep: share of the notice's own lines (title, date line, headings, numbered items, body,
  signature) found in the output, compared by their first 12 characters;
- drop: share of the page furniture (menus, breadcrumb, share bar, 上一篇/下一篇, footer) absent;
- ms: mean time per page.

    python benchmarks/html_extractors.py

The candidates that are not dependencies of zhenggai (trafilatura, justext) are scored only
when installed (``pip install trafilatura``).
"""

from __future__ import annotations

import json
import re
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from pipeline.normalize import canonicalize  # noqa: E402
from variants import to_html_page  # noqa: E402

PAGES = ROOT / "tests" / "inputs" / "html"
FURNITURE = ["专题专栏", "互动交流", "当前位置", "分享到", "上一篇", "下一篇", "网站标识码", "相关链接", "热点推荐", "打印本页", "版权所有", "网站首页", "热门文章", "站内搜索", "主办"]


def _lines(text: str) -> list[str]:
    return [_flat(line)[:12] for line in text.split("\n") if line.strip()]


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def pages() -> list[tuple[str, str, list[str]]]:
    """(name, markup, the notice's own lines)."""
    out = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        markup = to_html_page(path.read_bytes())[1].decode("utf-8")
        own = canonicalize(path.read_text("utf-8")).text
        own_lines = [line for line in own.split("\n") if line.strip() and not line.startswith("清远市工业和信息化局")]
        out.append((path.stem[:3], markup, _lines("\n".join(own_lines))))
    expectations = json.loads((PAGES / "expectations.json").read_text("utf-8"))
    for name, keep in expectations.items():
        data = (PAGES / name).read_bytes()
        charset = re.search(rb"charset=[\"']?([\w-]+)", data).group(1).decode()
        out.append((name, data.decode(charset), _lines("\n".join(keep))))
    return out


def stdlib(markup: str) -> str:
    from pipeline.webpage import visible_text

    return visible_text(markup)


def trafilatura_with(**options):
    def run(markup: str) -> str:
        import trafilatura

        return trafilatura.extract(markup, include_tables=True, include_comments=False, **options) or ""

    return run


def readability(markup: str) -> str:
    from readability import Document

    from pipeline.webpage import visible_text

    doc = Document(markup)
    return doc.title() + "\n" + visible_text(doc.summary())


def justext_(markup: str) -> str:
    import justext

    paragraphs = justext.justext(markup.encode("utf-8"), frozenset(), encoding="utf-8")
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def zhenggai(markup: str) -> str:
    from pipeline.webpage import page_text

    return page_text(markup).text


def zhenggai_canonical(markup: str) -> str:
    return canonicalize(zhenggai(markup)).text


EXTRACTORS = {
    "stdlib (all visible text)": stdlib,
    "trafilatura": trafilatura_with(),
    "trafilatura favor_recall": trafilatura_with(favor_recall=True),
    "trafilatura favor_precision": trafilatura_with(favor_precision=True),
    "readability-lxml": readability,
    "justext (no Chinese stoplist)": justext_,
    "zhenggai: readability-lxml + page header": zhenggai,
    "  … then the canonical text (SPEC 0)": zhenggai_canonical,
}


def main() -> None:
    corpus = pages()
    print(f"{'extractor':40} {'keep':>7} {'drop':>7} {'ms/page':>8}   worst page (keep)")
    for name, extract in EXTRACTORS.items():
        kept = total = dropped = furniture = 0
        worst = (2.0, "")
        started = time.perf_counter()
        for page, markup, own in corpus:
            try:
                text = extract(markup)
            except ImportError:
                print(f"{name:40} (library not installed)")
                break
            except Exception as exc:  # an extractor that fails scores nothing on that page
                print(f"  {name}: {page}: {type(exc).__name__}: {exc}")
                text = ""
            flat = _flat(text)
            hits = sum(1 for line in own if line in flat)
            kept, total = kept + hits, total + len(own)
            present = [f for f in FURNITURE if f in markup]
            dropped += sum(1 for f in present if f not in flat)
            furniture += len(present)
            worst = min(worst, (hits / max(1, len(own)), page))
        else:
            ms = (time.perf_counter() - started) * 1000 / len(corpus)
            print(f"{name:40} {kept / total:7.1%} {dropped / furniture:7.1%} {ms:8.1f}   {worst[1]} ({worst[0]:.0%})")



if __name__ == "__main__":
    main()
