"""Write the hostile inputs that are too big, or too odd, to keep in the repository.

    python tests/inputs/make_bad.py FOLDER

writes, next to copies of the small files of ``tests/inputs/bad/``: a 50 MB file, a 1 MB line
without punctuation, 100 000 unmatched 《, 一是 repeated 100 000 times, deeply nested markers
and tags, a folder symlink loop, a file symlink loop, a dangling link and a FIFO (files that
cannot be read even by root).  ``write_bad_inputs`` returns what each file must become:
a reject reason, or ``None`` for a document.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

SMALL = Path(__file__).resolve().parent / "bad"

# What each committed small file must become.
SMALL_EXPECTED: dict[str, str | None] = {
    "bad_bom.txt": None,
    "empty.txt": "empty",
    "furniture_only.html": "empty",
    "image.png": "unsupported_format",
    "latin1_words.txt": None,
    "mostly_nul.txt": "binary",
    "nul_bytes.txt": None,
    "truncated_gbk.txt": None,
    "truncated_utf16.txt": None,
    "truncated_utf8.txt": None,
    "whitespace.txt": "empty",
}

_NO_PUNCTUATION = "整改落实情况推进有力成效明显持续巩固深化长效机制建设工作"


def write_bad_inputs(folder: Path, *, huge_bytes: int = 50 * 1024 * 1024) -> dict[str, str | None]:
    folder.mkdir(parents=True, exist_ok=True)
    expected = dict(SMALL_EXPECTED)
    for name in SMALL_EXPECTED:
        shutil.copyfile(SMALL / name, folder / name)

    with open(folder / "huge_50mb.txt", "wb") as f:  # sparse: fast to write, still too large
        f.truncate(huge_bytes)
    expected["huge_50mb.txt"] = "too_large"

    line = (_NO_PUNCTUATION * (1024 * 1024 // len(_NO_PUNCTUATION.encode()) + 1)).encode()[: 1024 * 1024 // 3 * 3]
    (folder / "one_line_1mb.txt").write_bytes(line)
    expected["one_line_1mb.txt"] = None

    (folder / "unmatched_brackets.txt").write_text("落实《" * 100_000, "utf-8")
    expected["unmatched_brackets.txt"] = None

    (folder / "yishi_repeated.txt").write_text("一是" * 100_000, "utf-8")
    expected["yishi_repeated.txt"] = None

    nested = "".join(f"{'  ' * (i % 40)}{m}整改\n" for i in range(20_000) for m in ("一、", "(一)", "1.", "一是", "(1)", "①")[i % 6 : i % 6 + 1])
    (folder / "nested_markers.txt").write_text("(" * 50_000 + "一" + ")" * 50_000 + "\n" + nested, "utf-8")
    expected["nested_markers.txt"] = None

    (folder / "nested_tags.html").write_text("<html><body>" + "<div>" * 100_000 + "一、整改情况" + "</div>" * 100_000 + "</body></html>", "utf-8")
    expected["nested_tags.html"] = None

    loop = folder / "loop"
    loop.mkdir(exist_ok=True)
    (loop / "notice.txt").write_text("一、整改任务落实情况\n1.学习不深入的问题。一是组织专题学习。\n", "utf-8")
    expected["loop/notice.txt"] = None
    _symlink(loop / "again", "..", directory=True)  # a folder loop: not followed, no file
    _symlink(folder / "link_a.txt", "link_b.txt")
    _symlink(folder / "link_b.txt", "link_a.txt")
    expected["link_a.txt"] = expected["link_b.txt"] = "error"
    _symlink(folder / "dangling.txt", "no_such_file.txt")
    expected["dangling.txt"] = "error"
    fifo = folder / "pipe.txt"
    if not fifo.exists():
        os.mkfifo(fifo)
    expected["pipe.txt"] = "error"
    return expected


def _symlink(link: Path, target: str, *, directory: bool = False) -> None:
    if not link.is_symlink():
        link.symlink_to(target, target_is_directory=directory)


if __name__ == "__main__":
    for name, reason in sorted(write_bad_inputs(Path(sys.argv[1])).items()):
        print(f"{name}\t{reason or 'document'}")
