"""Vocabularies and patterns kept as data (``*.yaml`` beside this file).

Each file is loaded into a pydantic model that rejects unknown keys, so a typo in
a rule file fails loudly instead of silently matching nothing.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

RULES_PACKAGE = "pipeline.rules"

M = TypeVar("M", bound=BaseModel)


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScannedPatterns(RuleFile):
    """Patterns found together by one quick scan (``pipeline.mask.RuleScan``): ``first`` declares
    every character a match opens with, so the scan tries the patterns only there."""

    patterns: tuple[str, ...]
    first: str  # the inside of a character class
    examples: tuple[str, ...]  # each holds a match; every match in them opens with a declared character
    multiline: bool = False  # ^ and $ match at line breaks too

    @property
    def flags(self) -> int:
        return re.MULTILINE if self.multiline else 0

    @model_validator(mode="after")
    def _declared(self) -> ScannedPatterns:
        if not self.patterns or not self.examples:
            raise ValueError("give patterns and examples")
        for pattern in self.patterns:
            if re.compile(pattern, self.flags).match(""):
                raise ValueError(f"pattern matches the empty string: {pattern!r}")
        first = re.compile(f"[{self.first}]")
        for example in self.examples:
            hits = list(self.joined.finditer(example))
            if not hits:
                raise ValueError(f"example {example!r} does not match")
            if any(not first.match(example, x.start()) for x in hits):
                raise ValueError(f"a match in {example!r} opens with a character not in first: {self.first!r}")
        return self

    @property
    def joined(self) -> re.Pattern[str]:
        """The patterns as one alternation, the first that matches winning."""
        return re.compile("|".join(f"(?:{p})" for p in self.patterns), self.flags)

    def scan_rules(self, name: str) -> list[tuple[str, str, int, str]]:
        """(pattern, first characters, offset, name) of each pattern, for ``RuleScan``."""
        scoped = "(?m:{})" if self.flags & re.MULTILINE else "{}"
        return [(scoped.format(p), self.first, 0, name) for p in self.patterns]


class Boilerplate(RuleFile):
    """Web-page furniture (SPEC 0)."""

    lines: tuple[str, ...]
    fragments: ScannedPatterns

    @field_validator("lines")
    @classmethod
    def _compiles(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            re.compile(pattern)
        return patterns


def rule_files() -> list[str]:
    return sorted(p.name for p in resources.files(RULES_PACKAGE).iterdir() if p.name.endswith(".yaml"))


# libyaml's safe loader reads the same values as the pure-Python one about nine times as fast (the
# rules take 0.3 s of every process's start-up otherwise); the pure-Python one where it is missing.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def load(name: str, model: type[M]) -> M:
    """Load ``NAME.yaml`` into ``model`` (cached)."""
    raw = yaml.load(resources.files(RULES_PACKAGE).joinpath(f"{name}.yaml").read_text("utf-8"), Loader=_SAFE_LOADER)
    return model.model_validate(raw)


@cache
def code_hash() -> str:
    """Hash of the package's own code and data: rows cached by one version of the extractor are
    never served by another, even between releases, as when the code is edited in a checkout."""
    return tree_hash(Path(__file__).resolve().parent.parent)


def tree_hash(folder: Path) -> str:
    """Hash of the names and bytes of every ``.py``, ``.yaml``, ``.js`` and ``.css`` file below ``folder``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.suffix in {".py", ".yaml", ".js", ".css"} and "__pycache__" not in p.parts):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\x00")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@cache
def rules_hash() -> str:
    """Hash of every rule file: part of the key that decides whether a document must be redone."""
    digest = hashlib.sha256()
    for name in rule_files():
        digest.update(name.encode())
        digest.update(resources.files(RULES_PACKAGE).joinpath(name).read_bytes())
    return digest.hexdigest()[:16]


def alt(words: "list[str] | tuple[str, ...]", *, escape: bool = True) -> str:
    """A non-capturing alternation, longest first; an empty list is an error, never a match-all."""
    words = [w for w in words if w]
    if not words:
        raise ValueError("empty alternation")
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return "(?:" + "|".join(re.escape(w) if escape else w for w in ordered) + ")"


def literal_trie(words: "list[str] | tuple[str, ...]") -> str:
    """Literal words as one alternation written as a trie: a branch per first character, and in
    each branch the longer words before the word that ends there. For long lists: on a few dozen
    words ``alt`` is as fast.

    It matches what the longest-first alternation of the words (``alt``) matches, and backtracks through
    the same words in the same order (longest first), since the next character picks at most one
    branch at each node (so not under IGNORECASE, which no rule uses). The engine tries one branch
    at each place instead of every word: with the gazetteer's 6 600 names, three times faster.

    >>> literal_trie(["ab", "abcd", "ac", "b"])
    'a(?:b(?:cd|)|c)|b'
    """
    root: dict = {}
    for word in words:
        node = root
        for c in word:
            node = node.setdefault(c, {})
        node[""] = {}
    return _trie_branches(root)


def _trie_branches(node: dict) -> str:
    """Each child of a trie node, then the end of a word there (an empty branch)."""
    branches = []
    for c, child in sorted(node.items()):
        if c:
            rest = _trie_branches(child)
            branches.append(re.escape(c) + (f"(?:{rest})" if len(child) > 1 else rest))  # several ways on: a group
    if "" in node:
        branches.append("")
    return "|".join(branches)


def trie_alt(words: "list[str] | tuple[str, ...]") -> str:
    """``alt(words)`` written as a trie (``literal_trie``), in a group: it matches the same, longest
    word first, but faster on lists of a few dozen words and more searched through long stretches."""
    words = [w for w in words if w]
    if not words:
        raise ValueError("empty alternation")
    return f"(?:{literal_trie(words)})"
