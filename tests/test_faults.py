"""Trust under faults: exit codes, hostile paths and links, the lock, the cache, interrupted
and failed runs, edited outputs, the review page's data block.  Exit codes are asserted through
a real subprocess wherever a real process can produce the case."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pytest

from pipeline import cache
from pipeline.build import batches_of, run
from pipeline.cli import run_command
from pipeline.publish import OutputLock, leftovers
from pipeline.validate import validate

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
NOTICE = (CORPUS / "000_b34043a502c411eb.txt").read_text("utf-8")


def zhenggai(*args: str, cwd: Path = ROOT, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, cwd=cwd, timeout=300, **kwargs)


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("zhenggai: ") and "Traceback" not in stderr, stderr
    return lines[0]


def snapshot(out: Path) -> dict[str, str]:
    """Digest of every file a reader sees in a dataset folder (through its links)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir()) if p.is_file() and p.name != "lock"}


def many_notices(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"{i:03d}.txt").write_text(f"{NOTICE}\n{i}", "utf-8")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("built") / "out"
    run([CORPUS], out, jobs=1)
    return out


# --- exit codes --------------------------------------------------------------------------


def test_version():
    result = zhenggai("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("zhenggai ")


@pytest.mark.parametrize(
    "args, code",
    [
        (["frobnicate"], 2),
        (["run", "corpus", "--bogus"], 2),
        (["run", "no/such/folder", "--out", "{tmp}/out"], 2),
        (["run", "{tmp}/empty", "--out", "{tmp}/out"], 2),
        (["validate", "{tmp}/nothing"], 2),
        (["eval", "--gold", "{tmp}/none", "--pred", "{tmp}/none"], 2),
        (["schemas", "--check", "--out", "{tmp}/empty"], 1),
    ],
)
def test_exit_code_of_each_failure(args, code, tmp_path):
    (tmp_path / "empty").mkdir()
    result = zhenggai(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.returncode == code, result.stderr
    one_line(result.stderr)


def test_validate_with_errors_exits_1(built, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    for path in built.iterdir():
        if path.is_file():
            (broken / path.name).write_bytes(path.read_bytes())
    (broken / "problems.jsonl").write_text("", "utf-8")
    result = zhenggai("validate", str(broken))
    assert result.returncode == 1
    assert "ZG018" in result.stdout and "ZG015" in result.stdout
    assert zhenggai("validate", str(built)).returncode == 0


def test_eval_below_a_floor_exits_1(built, tmp_path):
    floors = json.loads((ROOT / "tests" / "eval_baseline.json").read_text("utf-8"))["floors"]
    impossible = tmp_path / "floors.json"
    impossible.write_text(json.dumps({"floors": {k: 1.5 for k in floors}}), "utf-8")
    result = zhenggai("eval", "--gold", "tests/gold", "--pred", str(built), "--baseline", str(impossible))
    assert result.returncode == 1
    assert "below floor" in result.stderr


def test_run_whose_validation_fails_exits_1(tmp_path, monkeypatch):
    from pipeline.validate import Report, finding

    def failing(dataset):
        report = Report()
        report.extend([finding("ZG008", "problems", "x", "planted")])
        return report

    monkeypatch.setattr("pipeline.validate.validate", failing)
    assert run_command(["run", str(CORPUS), "--out", str(tmp_path / "out"), "-q", "--jobs", "1"]) == 1


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_stopped_run_says_so_and_leaves_the_previous_dataset(signum, code, built, tmp_path):
    out = tmp_path / "out"
    run([CORPUS], out, jobs=1)
    before = snapshot(out)
    process = start("run", str(many_notices(tmp_path / "many", 150)), "--out", str(out), "--jobs", "2")
    deadline = time.monotonic() + 120
    while len(list(out.glob(".generation-*"))) < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    assert process.poll() is None, "the run ended before the signal"
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == code
    assert "zhenggai: " in one_line(stderr)
    assert snapshot(out) == before
    assert leftovers(out) == []
    assert not list((out / ".cache").rglob("*.tmp"))


# --- inputs ------------------------------------------------------------------------------


def test_a_file_name_that_is_not_utf8(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    gbk = os.fsdecode(str(inputs).encode() + b"/\xd5\xfb\xb8\xc4.txt")
    Path(gbk).write_text(NOTICE, "utf-8")
    (inputs / "plain.txt").write_text(NOTICE.replace("2024", "2023"), "utf-8")
    out = tmp_path / "out"
    result = zhenggai("run", str(inputs), "--out", str(out), "-q", "--jobs", "1")
    assert result.returncode == 0, result.stderr
    sources = [json.loads(line)["source"] for line in (out / "documents.jsonl").read_text("utf-8").splitlines()]
    assert any(s.endswith("/\\xd5\\xfb\\xb8\\xc4.txt") for s in sources)


def test_a_link_out_of_the_input_folder_is_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(NOTICE.replace("整改", "机密整改"), "utf-8")
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "own.txt").write_text(NOTICE, "utf-8")
    (inputs / "x.txt").symlink_to(secret)
    records = tmp_path / "secret.jsonl"  # a container is not opened either
    records.write_text(json.dumps({"text": NOTICE.replace("整改", "机密记录")}, ensure_ascii=False) + "\n", "utf-8")
    (inputs / "y.jsonl").symlink_to(records)
    (inputs / "inside.txt").symlink_to(inputs / "own.txt")  # stays inside: read (a duplicate)
    out = tmp_path / "out"
    assert zhenggai("run", str(inputs), "--out", str(out), "-q").returncode == 0
    rejects = {r["source"].rsplit("/", 1)[1]: r["reason"] for r in map(json.loads, (out / "rejects.jsonl").read_text("utf-8").splitlines())}
    assert rejects == {"x.txt": "outside_input", "y.jsonl": "outside_input", "own.txt": "duplicate"}
    assert "机密" not in (out / "documents.jsonl").read_text("utf-8")
    assert zhenggai("run", str(inputs), "--out", str(out), "-q", "--follow-outside-links").returncode == 0
    assert "机密" in (out / "documents.jsonl").read_text("utf-8")


def test_the_output_folder_is_never_an_input(tmp_path):
    inputs = tmp_path / "in"
    many_notices(inputs, 3)
    out = inputs / "dataset"
    assert zhenggai("run", str(inputs), "--out", str(out), "-q").returncode == 0
    assert zhenggai("run", str(inputs), "--out", str(out), "-q", "--full").returncode == 0
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert [Path(i["source"]).name for i in manifest["inputs"]] == ["000.txt", "001.txt", "002.txt"]
    result = zhenggai("run", str(out), "--out", str(out))
    assert result.returncode == 2
    assert "inside the output folder" in one_line(result.stderr)


def test_an_empty_input_set_does_not_replace_a_dataset(built, tmp_path):
    out = tmp_path / "out"
    run([CORPUS], out, jobs=1)
    before = snapshot(out)
    (tmp_path / "empty").mkdir()
    result = zhenggai("run", str(tmp_path / "empty"), "--out", str(out))
    assert result.returncode == 2
    assert "--allow-empty" in one_line(result.stderr)
    assert snapshot(out) == before
    assert zhenggai("run", str(tmp_path / "empty"), "--out", str(out), "-q", "--allow-empty").returncode == 0
    assert json.loads((out / "manifest.json").read_text("utf-8"))["row_counts"]["documents"] == 0


# --- one writer --------------------------------------------------------------------------


def test_a_second_run_says_who_holds_the_folder(tmp_path):
    out = tmp_path / "out"
    with OutputLock(out):
        refused = zhenggai("run", str(CORPUS), "--out", str(out), "--no-wait")
        assert refused.returncode == 2
        assert f"pid {os.getpid()}" in one_line(refused.stderr)
        log = tmp_path / "stderr"
        with open(log, "w") as stderr:
            waiting = subprocess.Popen([sys.executable, "-m", "pipeline", "run", str(CORPUS), "--out", str(out), "-q"], cwd=ROOT, stderr=stderr)
        deadline = time.monotonic() + 120
        while "waiting for" not in log.read_text() and waiting.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert waiting.poll() is None, "the second run did not wait"
        assert f"waiting for another zhenggai run (pid {os.getpid()} on " in one_line(log.read_text())
    assert waiting.wait(timeout=300) == 0, log.read_text()
    assert validate(out).n_errors == 0


# --- the cache ---------------------------------------------------------------------------


class _Planted:
    """Unpickling this runs code: what a hostile cache entry would do."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _entries(out: Path) -> list[Path]:
    return [p for p in (out / ".cache").rglob("*") if p.is_file() and p.parent.name != ".cache"]


def test_a_hostile_cache_entry_runs_nothing_and_is_recomputed(tmp_path):
    inputs = tmp_path / "in"
    many_notices(inputs, 4)
    out = tmp_path / "out"
    run([inputs], out, jobs=1)
    marker = tmp_path / "ran"
    planted = pickle.dumps(_Planted(marker))
    entries = _entries(out)
    assert len(entries) == 4
    for entry in entries:  # what the earlier pickle cache would have run
        entry.write_bytes(len(planted).to_bytes(8, "little") + pa.compress(planted, codec="zstd", asbytes=True))
    (inputs / "new.txt").write_text(NOTICE + "\nnew", "utf-8")  # so that the rerun reads the cache
    again = run([inputs], out, jobs=1)
    assert not marker.exists()
    assert again.reused == 0
    run([inputs], tmp_path / "clean", jobs=1, incremental=False)
    assert snapshot(out) == snapshot(tmp_path / "clean")


def test_an_edited_or_moved_entry_is_not_believed(tmp_path):
    key, other = "a" * 32, "b" * 32
    rows = {"rejects": [{"source": "x", "doc_id": None, "size_bytes": 3, "reason": "empty", "message": "m"}]}
    entry = cache.Entry({"source": "x"}, batches_of(rows), {"rejects": b'{"source":"x"}\n'})
    cache.store(str(tmp_path), key, entry)
    assert cache.load(str(tmp_path), key) == entry
    path = cache.entry_path(str(tmp_path), key)
    packed = path.read_bytes()
    body = pa.input_stream(pa.py_buffer(packed[len(cache.MAGIC) + 32 :]), compression="zstd").read()
    edited = body.replace(b'"x"', b'"y"')
    forged = packed[: len(cache.MAGIC) + 32] + pa.compress(edited, codec="zstd", asbytes=True)
    path.write_bytes(forged)
    assert cache.load(str(tmp_path), key) is None  # edited: the seal no longer fits
    cache.store(str(tmp_path), key, entry)
    moved = cache.entry_path(str(tmp_path), other)
    moved.parent.mkdir(parents=True, exist_ok=True)
    moved.write_bytes(path.read_bytes())
    assert cache.load(str(tmp_path), other) is None  # bound to its own key
    path.write_bytes(packed[: len(packed) // 2])
    assert cache.load(str(tmp_path), key) is None  # truncated


# --- failures while writing --------------------------------------------------------------


def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    run([CORPUS], out, jobs=1)
    before = snapshot(out)
    write_bytes = Path.write_bytes

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    def partial_write(self, data):  # a temporary file is made, then the disk is full
        if not self.name.endswith(".tmp"):
            return write_bytes(self, data)
        write_bytes(self, b"")
        no_space()

    monkeypatch.setattr("pipeline.write.TableWriter.append", no_space)
    monkeypatch.setattr(Path, "write_bytes", partial_write)
    code = run_command(["run", str(many_notices(tmp_path / "in", 3)), "--out", str(out), "-q", "--jobs", "1"])
    assert code == 2
    assert "no space left" in one_line(capsys.readouterr().err)
    monkeypatch.undo()
    assert snapshot(out) == before
    assert leftovers(out) == []
    assert not list((out / ".cache").rglob("*.tmp"))


# --- edited outputs ----------------------------------------------------------------------


def test_an_output_edited_with_its_time_put_back_is_rebuilt(tmp_path):
    out = tmp_path / "out"
    run([CORPUS], out, jobs=1)
    clean = snapshot(out)
    target = out / "problems.jsonl"
    stat = target.stat()
    time.sleep(0.2)
    data = bytearray(target.read_bytes())
    data[10:12] = b"XX" if data[10:12] != b"XX" else b"YY"
    with open(target, "r+b") as fh:
        fh.write(data)
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert target.stat().st_mtime_ns == stat.st_mtime_ns and target.stat().st_size == stat.st_size
    again = run([CORPUS], out, jobs=1)
    assert not again.up_to_date
    assert snapshot(out) == clean


def test_validate_without_a_manifest_says_so(built, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in built.iterdir():
        if path.is_file() and path.name != "manifest.json":
            (copy / path.name).write_bytes(path.read_bytes())
    codes = {f.code for f in validate(copy).errors}
    assert codes == {"ZG017"}


def test_json_lines_and_parquet_must_hold_the_same_rows(built, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in built.iterdir():
        if path.is_file():
            (copy / path.name).write_bytes(path.read_bytes())
    lines = (copy / "measures.jsonl").read_text("utf-8").splitlines()
    row = json.loads(lines[1])
    row["text"] = row["text"][::-1]
    lines[1] = json.dumps(row, ensure_ascii=False)
    (copy / "measures.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    assert "ZG018" in {f.code for f in validate(copy).errors}
    (copy / "measures.jsonl").write_text("\n".join(lines[:-1]) + "\n", "utf-8")
    assert "ZG018" in {f.code for f in validate(copy).errors}


# --- the review page ---------------------------------------------------------------------


@pytest.mark.parametrize("text", ["<!--<script>", "</script><script>alert(1)</script>", "a</SCRIPT >b", "<!-- -->&amp;"])
def test_the_review_data_block_holds_any_text(text):
    from pipeline.review.page import packed_rows, unpack_rows

    block = packed_rows({"text": text})  # base64: no character that could end the <script> element
    assert "<" not in block and ">" not in block and "&" not in block
    assert unpack_rows(block) == {"text": text}


# --- memory ------------------------------------------------------------------------------

PEAK_KIB = """
import resource


def peak_kib():
    # the high-water mark of this process's own memory: ru_maxrss carries over from the parent
    # that forked it (the test runner, however large it has grown), VmHWM starts anew at exec
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

MEASURE_RUN = PEAK_KIB + """
import sys
from pipeline.cli import run_command
import pipeline.build, pipeline.webpage, readability, lxml.html  # what any build imports
before = peak_kib()
code = run_command(sys.argv[1:])
print(code, before, peak_kib())
"""


def build_growth(tmp_path: Path, page: Path, harness: str) -> tuple[int, int]:
    """Bytes the build of the input folder holding ``page`` grew by, in a child process measured by
    ``harness``, and the page's size."""
    result = subprocess.run([sys.executable, "-c", harness, "run", str(page.parent), "--out", str(tmp_path / "out"), "-q", "--jobs", "1", "--no-validate"],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    code, before, peak = map(int, result.stdout.split())
    assert code == 0, result.stderr
    return (peak - before) * 1024, page.stat().st_size


def test_a_large_page_of_many_elements_takes_bounded_memory(tmp_path):
    """A 3.8 MB page of 300 000 small elements (a statistics table): the HTML parse once took
    50 times the page's size; the whole build may now grow by 20 times it at most."""
    row = '<tr><td class="c{n}"><span>第{n}项</span></td><td><a href="/x/{n}.html">整改事项{n}</a></td><td>已完成</td></tr>\n'
    rows = "".join(row.format(n=n) for n in range(33_000))
    page = f"<html><head><title>关于巡察整改进展情况的通报</title></head><body><h1>关于巡察整改进展情况的通报</h1><div><p>一、整改任务落实情况</p><table>{rows}</table></div></body></html>"
    (tmp_path / "in").mkdir()
    path = tmp_path / "in" / "page.html"
    path.write_text(page, "utf-8")
    growth, size = build_growth(tmp_path, path, MEASURE_RUN)
    assert growth <= 20 * size, f"{growth / 2**20:.0f} MiB for a page of {size / 2**20:.1f} MiB"


MEASURE_WARM_RUN = PEAK_KIB + """
import pathlib, sys, tempfile
from pipeline.cli import run_command
import pipeline.build, pipeline.webpage, readability, lxml.html  # what any build imports
with tempfile.TemporaryDirectory() as warm:  # a build of a one-line page: rules loaded, lazy imports
    # (pyarrow loads pandas on its first conversion) and writers started, all of a fixed size
    (pathlib.Path(warm) / "in").mkdir()
    (pathlib.Path(warm) / "in" / "warm.txt").write_text("一、整改任务落实情况\\n1.关于市发改委落实不到位的问题\\n一是于2024年6月26日完成,投资3亿元。\\n", "utf-8")
    run_command(["run", str(pathlib.Path(warm) / "in"), "--out", str(pathlib.Path(warm) / "out"), "-q", "--jobs", "1", "--no-validate"])
before = peak_kib()
code = run_command(sys.argv[1:])
print(code, before, peak_kib())
"""


def text_page(megabytes: float) -> str:
    """A notice whose numbered problems and their measures repeat, renumbered, to the given size."""
    lines = NOTICE.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("1."))
    head, items = lines[:start], lines[start : start + 24]
    out, n, size = list(head), 0, 0
    while size < megabytes * 1e6:
        for line in items:
            number, dot, rest = line.strip().partition(".")
            if dot and number.isdigit():
                n += 1
                line = f"  {n}.{rest}"
            out.append(line)
            size += len(line.encode()) + 1
    return "\n".join(out) + "\n"


def test_a_large_page_of_plain_text_takes_bounded_memory(tmp_path):
    """A 3 MB notice of 8 000 numbered problems (160 000 rows): the build beyond its start-up may
    grow by 20 times the page's size at most."""
    (tmp_path / "in").mkdir()
    path = tmp_path / "in" / "page.txt"
    path.write_text(text_page(3), "utf-8")
    growth, size = build_growth(tmp_path, path, MEASURE_WARM_RUN)
    assert growth <= 20 * size, f"{growth / 2**20:.0f} MiB for a page of {size / 2**20:.1f} MiB"


def test_a_large_page_spilled_to_files_gives_the_same_dataset(tmp_path, monkeypatch):
    """The tables of a page over spill.SPILL_BYTES go through files: the same bytes as when held in
    memory, the same again when its rows come from the cache, and no file left behind."""
    from pipeline import spill

    (tmp_path / "in").mkdir()
    page = tmp_path / "in" / "page.txt"
    page.write_text(text_page(1.2), "utf-8")
    assert page.stat().st_size >= spill.SPILL_BYTES
    (tmp_path / "in" / "small.txt").write_text(NOTICE, "utf-8")
    for step in ("built", "rebuilt"):
        spilled = run([tmp_path / "in"], tmp_path / "spilled", jobs=1)
        with monkeypatch.context() as m:
            m.setattr(spill, "SPILL_BYTES", 1 << 40)
            run([tmp_path / "in"], tmp_path / step, jobs=1, incremental=False)
        names = [n for n in snapshot(tmp_path / step) if n.endswith((".parquet", ".jsonl"))]
        assert spilled.rows["sections"] > 5_000 and names
        assert {n: snapshot(tmp_path / "spilled")[n] for n in names} == {n: snapshot(tmp_path / step)[n] for n in names}
        assert not list((tmp_path / "spilled" / ".cache" / "tmp").glob("*"))
        (tmp_path / "in" / "small.txt").write_text(NOTICE + "\n", "utf-8")  # the rebuild runs, the page comes from the cache
    assert spilled.reused == 1


def test_the_readme_documents_every_exit_code():
    from pipeline import cli

    readme = (ROOT / "README.md").read_text("utf-8")
    codes = [value for name, value in vars(cli).items() if name.startswith("EXIT_")]
    assert sorted(codes) == [0, 1, 2, 130]
    for code in codes:
        assert f"\n| {code} | " in readme


def test_a_file_system_without_links_still_gets_a_dataset(tmp_path, monkeypatch):
    """FAT drives and some network shares refuse symbolic links: files are then moved into place."""

    def refused(*args, **kwargs):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr("pipeline.publish.os.symlink", refused)
    out = tmp_path / "out"
    run([CORPUS], out, jobs=1)
    run([CORPUS], out, jobs=1, incremental=False)
    assert not any(p.is_symlink() for p in out.iterdir())
    assert validate(out).n_errors == 0
    assert leftovers(out) == []
    assert run([CORPUS], out, jobs=1).up_to_date
    monkeypatch.undo()
    run([CORPUS], tmp_path / "linked", jobs=1)
    assert snapshot(out) == snapshot(tmp_path / "linked")


def test_the_row_cache_is_keyed_on_the_code_that_made_the_rows(tmp_path):
    """Rows made by an edited extractor are never served from the cache of the old one."""
    from pipeline.rules import tree_hash

    package = tmp_path / "pipeline"
    (package / "extract").mkdir(parents=True)
    (package / "__pycache__").mkdir()
    (package / "extract" / "dates.py").write_text("A = 1\n", "utf-8")
    (package / "rules.yaml").write_text("a: 1\n", "utf-8")
    before = tree_hash(package)
    (package / "__pycache__" / "dates.cpython.pyc").write_bytes(b"\0")
    (package / "notes.txt").write_text("not code", "utf-8")
    assert tree_hash(package) == before
    (package / "extract" / "dates.py").write_text("A = 2\n", "utf-8")
    assert tree_hash(package) != before
