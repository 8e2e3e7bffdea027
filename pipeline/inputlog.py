"""What a build records of each input, kept on disk while it runs instead of in memory.

A national build reads hundreds of thousands of inputs; what the manifest says of each (its
source, doc_id, status and reason), and the questions the build asks of all of them (did a
document with these bytes come before? is an input named twice?) would otherwise make the
build's memory grow with the collection. They live in an SQLite file in the cache's folder for
files being written (``cache.temporary``), so a stopped build leaves nothing the next one keeps,
and the manifest's list of inputs is written from it one input at a time.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterator

from pipeline import cache

FLUSH_ROWS = 4096  # inputs inserted before they are committed to the file


class ScratchFile:
    """An SQLite file one process writes (made anew at ``path``): no journal and no syncing, since
    a stopped build starts again, and inserts committed FLUSH_ROWS at a time."""

    def __init__(self, path: Path, schema: list[str]):
        path.unlink(missing_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        for statement in schema:
            self.db.execute(statement)
        self.db.execute("BEGIN")
        self.pending = 0

    def insert(self, statement: str, values: tuple) -> None:
        self.db.execute(statement, values)
        self.pending += 1
        if self.pending >= FLUSH_ROWS:
            self.db.execute("COMMIT")
            self.db.execute("BEGIN")
            self.pending = 0


class InputLog:
    """The inputs of one build, in the order they were written."""

    def __init__(self, cache_dir: Path):
        self.path = cache.temporary(cache_dir, "inputs.sqlite")
        self.file = ScratchFile(self.path, ["CREATE TABLE inputs (source TEXT NOT NULL, doc_id TEXT, reason TEXT)",
                                            "CREATE INDEX by_source ON inputs (source)",
                                            "CREATE INDEX by_document ON inputs (doc_id) WHERE reason IS NULL"])
        self.db = self.file.db

    def add(self, source: str, doc_id: str | None, reason: str | None) -> None:
        """One input: a document (``reason`` None) or a reject."""
        self.file.insert("INSERT INTO inputs VALUES (?, ?, ?)", (source, doc_id, reason))

    def document_source(self, doc_id: str) -> str | None:
        """The source of the first document added with this doc_id, if any."""
        row = self.db.execute("SELECT source FROM inputs WHERE doc_id = ? AND reason IS NULL ORDER BY rowid LIMIT 1", (doc_id,)).fetchone()
        return row[0] if row else None

    def named_twice(self) -> bool:
        """Whether two inputs have the same source."""
        return self.db.execute("SELECT 1 FROM inputs GROUP BY source HAVING count(*) > 1 LIMIT 1").fetchone() is not None

    def entries(self) -> Iterator[dict]:
        """Each input as the manifest lists it, in the order they were added."""
        for source, doc_id, reason in self.db.execute("SELECT source, doc_id, reason FROM inputs ORDER BY rowid"):
            yield {"source": source, "doc_id": doc_id, "status": "document" if reason is None else "rejected", "reason": reason}

    def close(self) -> None:
        """Close and remove the file."""
        self.db.close()
        self.path.unlink(missing_ok=True)
