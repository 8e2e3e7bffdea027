"""Publishing a build: a switch that no reader sees half done, and one writer per output folder.

An output folder holds its builds as generations and names the published one with a link::

    OUT/.generation-<id>/      one complete build (two while a new one is being written)
    OUT/.current               → .generation-<id>, the published build
    OUT/documents.parquet      → .current/documents.parquet, one such link per file of a build
    OUT/.cache/lock            held by the run writing to OUT (flock); names its holder
    OUT/.cache/                rows and digests that the next run reuses

A build is written into a new generation and flushed to disk (fsync), then published by replacing
``.current`` with one ``rename(2)``.  Killed at any instant, OUT shows the old build or the new
one in full, never a mix; the next run removes what the killed one left.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator

try:
    import fcntl
except ImportError:  # not POSIX: a warning says that runs into one folder are not kept apart
    fcntl = None

CURRENT = ".current"
GENERATION_PREFIX = ".generation-"
LOCK_FILE = ".cache/lock"  # .cache is never moved or replaced, so every run opens the same file
TMP_SUFFIX = ".zg-tmp"
LEGACY_STAGING = ".staging-"  # staging folders of earlier versions
PAUSE_ENV = "ZHENGGAI_PUBLISH_PAUSE"  # seconds to wait between publish steps: widens them for fault tests


def new_generation(out_dir: Path) -> Path:
    path = out_dir / f"{GENERATION_PREFIX}{uuid.uuid4().hex[:12]}"
    path.mkdir(parents=True)
    return path


def current_generation(out_dir: Path) -> Path | None:
    generation = pinned(out_dir)
    return None if generation == out_dir else generation


def pinned(out_dir: Path) -> Path:
    """The folder of the build published now, for a reader that opens several files and must see
    them all from one build; ``out_dir`` itself when it holds no generations."""
    try:
        return out_dir / os.readlink(out_dir / CURRENT)
    except OSError:
        return out_dir


def publish(out_dir: Path, generation: Path, names: Iterable[str]) -> None:
    """Make ``generation`` the published build: flush it, link its files, switch ``.current``,
    remove the previous build. Ctrl-C, SIGTERM and SIGHUP wait until it is done."""
    with _signals_deferred():
        _switch(out_dir, generation, list(names))
        remove_leftovers(out_dir)


def _switch(out_dir: Path, generation: Path, names: list[str]) -> None:
    for name in names:
        _fsync_file(generation / name)
        _pause()
    _fsync_dir(generation)
    if not _links_work(out_dir):
        _move_into_place(out_dir, generation, names)
        return
    for name in names:
        _link(out_dir / name, f"{CURRENT}/{name}")
        _pause()
    _fsync_dir(out_dir)
    _link(out_dir / CURRENT, generation.name)  # the switch
    _fsync_dir(out_dir)
    _pause()


def _links_work(out_dir: Path) -> bool:
    probe = out_dir / f".link-test{TMP_SUFFIX}"
    try:
        probe.unlink(missing_ok=True)
        os.symlink(".", probe)
        probe.unlink()
        return True
    except OSError:
        return False


def _move_into_place(out_dir: Path, generation: Path, names: list[str]) -> None:
    """Where the file system has no symbolic links (FAT, some network shares): each file is moved
    into place by its own rename, the manifest last. Not atomic as a whole: a run stopped in
    between leaves files that differ from the manifest, which ``validate`` reports (ZG015) and
    the next run rebuilds."""
    for name in sorted(names, key=lambda n: n == "manifest.json"):
        os.replace(generation / name, out_dir / name)
        _pause()
    _fsync_dir(out_dir)


@contextmanager
def _signals_deferred() -> Iterator[None]:
    if not hasattr(signal, "pthread_sigmask"):  # not POSIX
        yield
        return
    deferred = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, deferred)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def leftovers(out_dir: Path) -> list[Path]:
    """What a build that was stopped left in ``out_dir``: unpublished generations, temporary
    files and links, links to files that the published build does not have."""
    current = current_generation(out_dir)
    found = []
    try:
        entries = sorted(out_dir.iterdir())
    except OSError:
        return []
    for entry in entries:
        name = entry.name
        if name.startswith((GENERATION_PREFIX, LEGACY_STAGING)) and entry != current:
            found.append(entry)
        elif name.endswith(TMP_SUFFIX):
            found.append(entry)
        elif entry.is_symlink() and os.readlink(entry).startswith(CURRENT + "/") and not entry.exists():
            found.append(entry)
    return found


def remove_leftovers(out_dir: Path) -> None:
    for entry in leftovers(out_dir):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
            _pause()
        else:
            try:
                entry.unlink()
            except OSError:
                pass


def discard(out_dir: Path, generation: Path) -> None:
    """A generation that will not be published (left alone if it was, after all)."""
    if current_generation(out_dir) != generation:
        shutil.rmtree(generation, ignore_errors=True)


def _link(path: Path, target: str) -> None:
    """``path`` → ``target``, replacing what was there in one rename."""
    if path.is_symlink() and os.readlink(path) == target:
        return
    if path.is_dir() and not path.is_symlink():
        raise OSError(f"{path} is a folder where the dataset has a file")
    tmp = path.with_name(path.name + TMP_SUFFIX)
    try:
        tmp.unlink()
    except FileNotFoundError:
        pass
    os.symlink(target, tmp)
    os.replace(tmp, path)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    if not hasattr(os, "O_DIRECTORY"):  # not POSIX: folders cannot be opened to be flushed
        return
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _pause() -> None:
    seconds = os.environ.get(PAUSE_ENV)
    if seconds:
        time.sleep(float(seconds))


# --- one writer per output folder ---------------------------------------------------------


class LockHeld(Exception):
    """Another run is writing to the output folder (and the caller chose not to wait)."""


class OutputLock:
    """An exclusive ``flock`` on ``OUT/.cache/lock``, released by the kernel if the holder dies.

    While held, the file names its holder (pid, host, start), so that a second run can say
    who it waits for; it is emptied again on release."""

    def __init__(self, out_dir: Path, *, wait: bool = True, on_wait: Callable[[str], None] | None = None):
        self.out_dir, self.path = out_dir, out_dir / LOCK_FILE
        self.wait, self.on_wait = wait, on_wait
        self.fd: int | None = None

    def __enter__(self) -> "OutputLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            self._acquire()
        except BaseException:
            self._close()
            raise
        os.ftruncate(self.fd, 0)
        started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        os.pwrite(self.fd, f"pid {os.getpid()} on {socket.gethostname()} since {started}\n".encode(), 0)
        return self

    def _acquire(self) -> None:
        try:
            if fcntl is None:
                raise OSError("this system has no flock")
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self.holder()
            if not self.wait:
                raise LockHeld(f"{self.out_dir} is being written by {holder}")
            if self.on_wait:
                self.on_wait(f"waiting for {holder}, which is writing to {self.out_dir}")
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except OSError as exc:  # a file system without locks (some network shares)
            if self.on_wait:
                self.on_wait(f"cannot lock {self.out_dir} ({exc.strerror or exc}): keep other runs out of it")

    def holder(self) -> str:
        try:
            text = self.path.read_text("utf-8", errors="replace").strip()
        except OSError:
            text = ""
        return f"another zhenggai run ({text})" if text else "another zhenggai run"

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            try:
                os.ftruncate(self.fd, 0)
            except OSError:
                pass
            self._close()

    def _close(self) -> None:
        os.close(self.fd)  # closing the last descriptor releases the flock
        self.fd = None
