"""Digests of files remembered between builds, so that a rerun reads only the files that changed.

Each digest is kept with the file's size, modification time, inode and change time (as git does).
The record lives in an SQLite file in the output's cache folder, not in memory: a national build
has hundreds of thousands of inputs, and a dictionary of them would make the build's memory grow
with the collection. A build reads the previous record by key as it goes and writes a new one
beside it, which replaces the old one only when the build saves it (so the record never lists a
file this build did not see, and a stopped build leaves the old record whole).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Callable

from pipeline import cache
from pipeline.inputlog import ScratchFile

class KnownDigests:
    """A file's sha256 digest, read again only when the file may have changed. A file whose
    recorded modification time lies within ``RACY_NS`` of when the record was made is read
    again: it may have changed again within the file system's clock tick."""

    RACY_NS = 100_000_000

    def __init__(self, path: Path, *, reuse: bool = True):
        self.path, self.recorded_ns, self.old = path, 0, None
        if reuse and path.is_file():
            try:
                self.old = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
                self.recorded_ns = int(self.old.execute("SELECT value FROM meta WHERE name = 'recorded_ns'").fetchone()[0])
            except (sqlite3.Error, TypeError, ValueError):
                self._close_old()
        self.tmp = cache.temporary(path.parent, path.name)
        self.file = ScratchFile(self.tmp, ["CREATE TABLE files (key BLOB PRIMARY KEY, record TEXT NOT NULL) WITHOUT ROWID",
                                           "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)"])
        self.new = self.file.db

    def digest(self, key: str, path: Path, compute: Callable[[], str]) -> str:
        """The digest of the file at ``path`` (recorded under ``key``), computed when unknown."""
        try:
            stat = path.stat()
        except OSError:
            return compute()
        # inode and ctime too, as git does: an edit whose modification time was put back still
        # changes the ctime, which no user call can set.
        signature = [stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_ctime_ns]
        old = self._old_record(key)
        if old and old[:-1] == signature and stat.st_mtime_ns < self.recorded_ns - self.RACY_NS:
            digest = old[-1]
        else:
            digest = compute()
        self._record(key, json.dumps([*signature, digest]))
        return digest

    def seen(self, key: str) -> str | None:
        """The digest this build recorded under ``key`` (None if it recorded none)."""
        row = self.new.execute("SELECT record FROM files WHERE key = ?", (_stored(key),)).fetchone()
        return json.loads(row[0])[-1] if row else None

    def save(self) -> None:
        """Make this build's record the one the next build reads."""
        try:
            self.new.execute("INSERT OR REPLACE INTO meta VALUES ('recorded_ns', ?)", (str(time.time_ns()),))
            self.new.execute("COMMIT")
            self.new.close()
            os.replace(self.tmp, self.path)
        except (OSError, sqlite3.Error):  # a record that cannot be written only costs time
            pass
        self.close()

    def close(self) -> None:
        """Let go of both records; one that was not saved is removed."""
        self._close_old()
        self.new.close()
        self.tmp.unlink(missing_ok=True)

    def _old_record(self, key: str) -> list | None:
        if self.old is None:
            return None
        try:
            row = self.old.execute("SELECT record FROM files WHERE key = ?", (_stored(key),)).fetchone()
            return json.loads(row[0]) if row else None
        except (sqlite3.Error, ValueError):
            return None

    def _record(self, key: str, record: str) -> None:
        self.file.insert("INSERT OR REPLACE INTO files VALUES (?, ?)", (_stored(key), record))

    def _close_old(self) -> None:
        if self.old is not None:
            self.old.close()
            self.old = None


def _stored(key: str) -> bytes:
    """A key as stored: a path that is not UTF-8 keeps its bytes (SQLite text must be UTF-8)."""
    return key.encode("utf-8", "surrogateescape")
