"""Chinese text for SQLite's full-text search: overlapping character pairs.

FTS5's ``unicode61`` tokenizer keeps a run of Chinese characters as one token, so it finds
whole runs only; ``trigram`` finds any substring of three or more characters but nothing
shorter.  Written as overlapping pairs (``整改落实`` → ``整改 改落 落实``), the text gives
``unicode61`` one token per pair, and a two-character query such as 整改 matches exactly the
rows that contain it.  Characters outside the CJK blocks keep their ordinary tokens.
"""

from __future__ import annotations

import re

# a run of word characters from the CJK blocks on (U+2E80 …): Han, 〇, kana, full-width forms
WIDE_RUN = re.compile(r"[^\W_\x00-\u2e7f]+")


def _pairs(match: re.Match) -> str:
    run = match.group()
    if len(run) == 1:
        return f" {run} "
    return " " + " ".join(a + b for a, b in zip(run, run[1:])) + " "


def bigram_text(text: str | None) -> str | None:
    """``'整改落实3项'`` → ``' 整改 改落 落实 3 项 '``: each pair of adjacent wide characters a token."""
    if text is None:
        return None
    return WIDE_RUN.sub(_pairs, text)


def is_pair_query(query: str) -> bool:
    """True for the queries the pair index answers exactly: two wide characters."""
    return len(query) == 2 and WIDE_RUN.fullmatch(query) is not None
