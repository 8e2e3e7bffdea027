"""The ``zhenggai`` command: a thin layer over the library (``pipeline.run``, ``pipeline.validate`` …)."""

from __future__ import annotations

import errno
import json
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from pipeline import __version__

if TYPE_CHECKING:
    from pipeline.build import RunSummary

app = typer.Typer(
    name="zhenggai",
    help="Turn Chinese government rectification notices into research-grade tables (Parquet + JSON Lines).",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


# Exit codes (README, "Exit codes"): what a script or a CI job can rely on.
EXIT_OK = 0  # done, and no errors found
EXIT_FINDINGS = 1  # done, and it found errors: validation findings, scores below their floors, stale schemas
EXIT_USAGE = 2  # could not do it: bad usage, missing input, an output folder that cannot be written or is busy
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGTERM and SIGHUP: 128 + the signal number, as a shell reports them)


class UserError(Exception):
    """A problem with what the user asked for: reported in one line, never as a traceback."""


class Stopped(BaseException):
    """SIGTERM or SIGHUP: unwinds like Ctrl-C, so that a build removes what it started."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _err(message: str) -> None:
    typer.echo(f"zhenggai: {message}", err=True)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"zhenggai {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", help="Print the version and exit.", is_eager=True, callback=_print_version)) -> None:
    """Turn Chinese government rectification notices into research-grade tables (Parquet + JSON Lines)."""


@app.command()
def run(
    inputs: list[Path] = typer.Argument(None, help="Files or folders of notices (default: corpus)."),
    out: Path = typer.Option(Path("output"), "--out", "-o", help="Folder the dataset is written to."),
    jobs: int = typer.Option(0, "--jobs", "-j", min=0, help="Worker processes (0: one per core)."),
    engine: str = typer.Option("local", "--engine", help="local (a process pool) or dask (a Dask cluster)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (with --engine dask; default: a local cluster)."),
    max_bytes: int = typer.Option(16 * 1024 * 1024, "--max-bytes", min=1, help="Larger files go to rejects as too_large."),
    incremental: bool = typer.Option(True, "--incremental/--full", help="Reuse the rows of unchanged files from the last build (kept in OUT/.cache)."),
    validate_after: bool = typer.Option(True, "--validate/--no-validate", help="Also check the written files as a whole: digests, documents unique, rows in document order, counts (every document's rows, and each row's JSON line against its Parquet row, are checked while they are built either way)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no summary."),
    allow_empty: bool = typer.Option(False, "--allow-empty", help="Build a dataset even when the inputs hold no file (otherwise an error)."),
    follow_outside_links: bool = typer.Option(False, "--follow-outside-links", help="Read links whose target lies outside their input folder (otherwise rejected as outside_input)."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="When another run is writing to --out: wait for it, or stop at once (exit 2)."),
    reference_date: Optional[str] = typer.Option(None, "--reference-date", help="Date (YYYY-MM-DD) whose year resolves dates written without a year in pages that name none (a record's own date field comes first)."),
    record_fields: Optional[str] = typer.Option(None, "--record-fields", help="Columns of JSON Lines, CSV and Parquet records, e.g. text=content,url=link (roles: text, url, date, fetched_at, title; default: common names)."),
    timings: Optional[Path] = typer.Option(None, "--timings", hidden=True, help="Write stage seconds and counts as JSON (for the benchmark)."),
) -> None:
    """Build the dataset: every input file ends in documents or in rejects, with a reason."""
    from pipeline.build import run as build
    from pipeline.publish import LockHeld

    inputs = inputs or [Path("corpus")]
    for given in inputs:
        if not given.exists() and not given.is_symlink():
            raise UserError(f"input not found: {given}")
    if engine not in ("local", "dask"):
        raise UserError(f"unknown engine {engine!r}: use local or dask")
    _check_writable(out)
    given_date = _reference_date(reference_date)
    fields = _record_fields(record_fields)
    files = _inputs(inputs, out, allow_empty=allow_empty, follow_outside_links=follow_outside_links)
    try:
        from pipeline.inputs.containers import container_kind

        pages = None if any(container_kind(f.path) for f in files) else len(files)  # a container's pages are counted as read
        with _progress(pages, quiet) as advance:
            summary = build(inputs, out, max_bytes=max_bytes, jobs=jobs or None, engine=engine, scheduler=scheduler,
                            incremental=incremental, progress=advance, collected=files, reference_date=given_date, record_fields=fields,
                            wait=wait, on_wait=_err)
    except LockHeld as exc:
        raise UserError(f"{exc}; rerun when it is done, or without --no-wait to wait for it")
    except RuntimeError as exc:
        raise UserError(str(exc))
    except OSError as exc:
        raise UserError(_os_error(exc, out, engine, scheduler))
    if not quiet:
        _print_summary(summary, out)
    if timings:
        _write_timings(timings, summary)
    if validate_after:
        _report(out, as_json=False, show=20, quiet=quiet)
    elif summary.n_errors:
        raise typer.Exit(EXIT_FINDINGS)


def _print_summary(summary: RunSummary, out: Path) -> None:
    """What the build did, on standard error."""
    if summary.up_to_date:
        typer.echo(f"{out} is up to date: {summary.documents} documents, {summary.rejects} rejected, nothing changed", err=True)
        return
    reasons = ", ".join(f"{n} {r}" for r, n in sorted(summary.reject_reasons.items()))
    reused = f", {summary.reused} reused from the last build" if summary.reused else ""
    typer.echo(f"{summary.documents} documents, {summary.rejects} rejected{f' ({reasons})' if reasons else ''}{reused} → {out}", err=True)
    typer.echo("rows: " + ", ".join(f"{t} {n}" for t, n in summary.rows.items()), err=True)
    if summary.skipped:
        kinds = ", ".join(f"{n} {k}" for k, n in summary.skipped.items())
        typer.echo(f"container records that are no page, skipped: {sum(summary.skipped.values())} ({kinds})", err=True)
    typer.echo(f"checked while building: {summary.n_errors} errors, {summary.n_warnings} warnings", err=True)


def _write_timings(path: Path, summary: RunSummary) -> None:
    stages = {k: v for k, v in summary.seconds.items() if k not in ("total", "hash")}
    payload = {"stages": stages, "documents": summary.documents, "rejects": summary.rejects, "reused": summary.reused, "up_to_date": summary.up_to_date}
    path.write_text(json.dumps(payload, indent=2), encoding="utf-8")


def _inputs(inputs: list[Path], out: Path, *, allow_empty: bool, follow_outside_links: bool) -> list:
    """The input files; never the output folder's own, and none at all only when asked for."""
    from pipeline.build import collect_inputs
    from pipeline.confine import inside

    for given in inputs:
        if inside(given.resolve(), out.resolve()):
            raise UserError(f"input {given} is inside the output folder {out}")
    files = collect_inputs(inputs, exclude=out, follow_outside=follow_outside_links)
    if not files and not allow_empty:
        raise UserError(f"no input files in {', '.join(str(p) for p in inputs)} (--allow-empty builds an empty dataset)")
    return files


def _os_error(exc: OSError, out: Path, engine: str, scheduler: str | None) -> str:
    if exc.errno == errno.ENOSPC or "No space left" in str(exc):
        return f"no space left on the device of {out}; the previous dataset is left as it was"
    if engine == "dask" and not isinstance(exc, FileNotFoundError):
        return f"cannot connect to the Dask scheduler {scheduler}: {exc}"
    return " ".join(str(exc).split())


def _reference_date(value: str | None):
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(f"--reference-date {value!r} is not a date: write it as YYYY-MM-DD")


def _record_fields(value: str | None) -> dict[str, str]:
    from pipeline.inputs.containers import ROLES

    fields: dict[str, str] = {}
    for part in (value or "").split(","):
        if not part.strip():
            continue
        role, sep, column = part.partition("=")
        role, column = role.strip(), column.strip()
        if not sep or not column:
            raise UserError(f"--record-fields: {part.strip()!r} is not ROLE=COLUMN (e.g. text=content,url=link)")
        if role not in ROLES:
            raise UserError(f"--record-fields: unknown role {role!r}; roles are {', '.join(ROLES)}")
        fields[role] = column
    return fields


@app.command()
def validate(
    dataset: Path = typer.Argument(Path("output"), help="Folder of a built dataset."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    show: int = typer.Option(20, "--show", min=0, help="How many findings to list."),
) -> None:
    """Check a dataset against SPEC 9; exit 1 when any error is found (warnings do not fail)."""
    if not dataset.is_dir():
        raise UserError(f"no dataset folder at {dataset}")
    _report(dataset, as_json=as_json, show=show, quiet=False)


def _report(dataset: Path, *, as_json: bool, show: int, quiet: bool) -> None:
    from pipeline.validate import validate as check

    report = check(dataset)
    if as_json:
        typer.echo(report.to_json())
    elif not quiet or report.n_errors:
        for finding in report.findings[:show]:
            where = f"{finding.table}" + (f" {finding.row_id}" if finding.row_id else "")
            typer.echo(f"{finding.severity:7} {finding.code} {finding.rule:16} {where}: {finding.message}")
        total = report.n_errors + report.n_warnings
        if total > show:
            typer.echo(f"… and {total - show} more (--show N lists more, --json all kept)")
        typer.echo(f"validate: {report.n_errors} errors, {report.n_warnings} warnings in {dataset}")
    if report.n_errors:
        raise typer.Exit(EXIT_FINDINGS)


@app.command()
def schemas(
    out: Path = typer.Option(Path("schemas"), "--out", "-o", help="Folder for the JSON Schema files."),
    check: bool = typer.Option(False, "--check", help="Only compare: exit 1 if a committed schema differs from the models."),
) -> None:
    """Write one JSON Schema per table, derived from the row models."""
    from pipeline.models import TABLES
    from pipeline.schema import json_schema_text, write_json_schemas

    if check:
        stale = [t for t, m in TABLES.items() if not (out / f"{t}.schema.json").exists() or (out / f"{t}.schema.json").read_text("utf-8") != json_schema_text(m)]
        if stale:
            _err(f"schemas out of date: {', '.join(stale)} (run: zhenggai schemas)")
            raise typer.Exit(EXIT_FINDINGS)
        typer.echo(f"schemas up to date in {out}")
        return
    _check_writable(out)
    for path in write_json_schemas(out):
        typer.echo(str(path))


@app.command()
def extract(
    source: str = typer.Argument(..., help="A file, or - to read standard input."),
    indent: Optional[int] = typer.Option(2, "--indent", help="Indent of the JSON output (0 for one line)."),
) -> None:
    """Extract one document and print every table's rows as one JSON object."""
    from pipeline.normalize import InputRejected
    from pipeline.build import extract_bytes

    from pipeline.inputs.containers import container_kind

    if source != "-" and container_kind(source):
        raise UserError(f"{source} holds many pages: build a dataset from it with zhenggai run {source}")
    data = sys.stdin.buffer.read() if source == "-" else _read(Path(source))
    try:
        result = extract_bytes(data, "<stdin>" if source == "-" else source)
    except InputRejected as exc:
        raise UserError(f"{source}: {exc.reason}: {exc.message}")
    payload = result.model_dump(mode="json")
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=indent or None))


@app.command(name="eval")
def evaluate(
    gold: Path = typer.Option(Path("tests/gold"), "--gold", help="Folder of gold JSONL files."),
    pred: Path = typer.Option(Path("output"), "--pred", help="Folder of a built dataset."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
    show_errors: bool = typer.Option(False, "--show-errors", help="List every miss, false positive and wrong field."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Floors file: exit 1 if any score is below its floor."),
    update: bool = typer.Option(False, "--update-baseline", help="Raise the floors in --baseline to the current scores."),
    allow_lower: bool = typer.Option(False, "--allow-lower", help="With --update-baseline: also lower floors that dropped."),
) -> None:
    """Score a dataset against gold annotations: precision, recall, F1 per table and field accuracy."""
    from pipeline.evaluate import below_floor, format_scores, update_baseline
    from pipeline.evaluate import evaluate as score

    for folder, what in ((gold, "gold"), (pred, "dataset")):
        if not folder.is_dir():
            raise UserError(f"no {what} folder at {folder}")
    scores = score(gold, pred)
    if as_json:
        typer.echo(json.dumps(scores.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(format_scores(scores, show_errors=show_errors))
    if baseline is None:
        return
    if update:
        try:
            changed = update_baseline(baseline, scores, allow_lower=allow_lower)
        except ValueError as exc:
            raise UserError(str(exc))
        typer.echo(f"baseline {baseline}: {len(changed)} floors changed", err=True)
        return
    if not baseline.exists():
        raise UserError(f"no baseline at {baseline} (create it with --update-baseline)")
    failures = below_floor(scores, json.loads(baseline.read_text("utf-8"))["floors"])
    for line in failures:
        typer.echo(f"below floor: {line}", err=True)
    if failures:
        raise typer.Exit(EXIT_FINDINGS)


@app.command()
def review(
    dataset: Path = typer.Argument(Path("output"), help="Folder of a built dataset."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder for the site (default: DATASET/review)."),
    docs: Optional[str] = typer.Option(None, "--docs", help="Pages only for these documents: doc_ids separated by commas (the index lists every document)."),
    sample: Optional[int] = typer.Option(None, "--sample", min=0, help="Pages only for N documents, the same ones on every run (with --docs: added to them)."),
) -> None:
    """Write a static review site: an index to page, sort, filter and search the documents, charts, and a page per document with every row highlighted."""
    from pipeline.review.charts import ChartsUnavailable
    from pipeline.review.site import SiteError, build_site

    if not dataset.is_dir():
        raise UserError(f"no dataset folder at {dataset}")
    out = out or dataset / "review"
    _check_writable(out)
    chosen = [d.strip() for d in docs.split(",") if d.strip()] if docs is not None else None
    try:
        written = build_site(dataset, out, docs=chosen, sample=sample)
    except (SiteError, ChartsUnavailable) as exc:
        raise UserError(str(exc))
    pages = sum(1 for path in written if path.suffix == ".html") - 1
    typer.echo(f"{len(written)} files, {pages} document pages → {out / 'index.html'}", err=True)


@app.command()
def export(
    dataset: Path = typer.Argument(Path("output"), help="Folder of a built dataset."),
    format: str = typer.Option("csv", "--format", "-f", help="Output format: csv (UTF-8 with BOM, lists as JSON text) or sqlite (zhenggai.db with full-text search, and metadata.json for Datasette)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder for the exported files (default: DATASET/FORMAT)."),
    review_url: str = typer.Option("/review/", "--review-url", help="sqlite: where Datasette finds the review site, for links from rows to their highlights ('' for none)."),
) -> None:
    """Export every table to another format; CSV opens in Excel with the Chinese intact, SQLite in Datasette."""
    from pipeline.export import FORMATS, ExportError, export_csv, export_sqlite

    if format not in FORMATS:
        raise UserError(f"unknown format {format!r} (choose from: {', '.join(FORMATS)})")
    if not dataset.is_dir():
        raise UserError(f"no dataset folder at {dataset}")
    out = out or dataset / format
    _check_writable(out)
    try:
        written = export_sqlite(dataset, out, review_url or None) if format == "sqlite" else export_csv(dataset, out)
    except ExportError as exc:
        raise UserError(str(exc))
    for path in written:
        typer.echo(str(path))


@app.command()
def synth(
    n: int = typer.Option(1000, "--n", min=1, help="How many documents."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for the documents (NNNN/NNNNNNN.txt)."),
    seed: int = typer.Option(0, "--seed", help="Seed: the same seed gives the same corpus."),
    seeds_from: Path = typer.Option(Path("corpus"), "--from", help="Real notices to recombine."),
) -> None:
    """Write a synthetic corpus for benchmarks: real notices recombined and perturbed, 1 KB to 200 KB each."""
    from pipeline.synth import write_corpus

    if not seeds_from.is_dir():
        raise UserError(f"no folder of seed documents at {seeds_from}")
    _check_writable(out)
    with _progress(n, False) as advance:
        try:
            written = write_corpus(out, n, seed=seed, seed_dir=seeds_from, progress=advance)
        except ValueError as exc:
            raise UserError(str(exc))
    typer.echo(f"{n} documents, {written / 2**20:.1f} MiB → {out}", err=True)


@app.command()
def bench(
    n: int = typer.Option(20000, "--n", min=10, help="Documents in the synthetic corpus."),
    work: Path = typer.Option(Path("output/bench"), "--work", help="Folder for the corpus and the builds."),
    report: Path = typer.Option(Path("output/bench.json"), "--report", help="Where the figures are written as JSON."),
    seeds_from: Path = typer.Option(Path("corpus"), "--from", help="Real notices to recombine."),
    memory_only: bool = typer.Option(False, "--memory-only", help="Only peak RSS of --jobs 2 builds at N/10 and N documents (e.g. --n 100000)."),
) -> None:
    """Measure speed and memory at scale: jobs 1 and 2, rerun, peak RSS, time against length."""
    from pipeline.bench import format_memory, format_report, run_bench, run_memory

    if not seeds_from.is_dir():
        raise UserError(f"no folder of seed documents at {seeds_from}")
    _check_writable(work)
    try:
        result = (run_memory if memory_only else run_bench)(n, work, seeds_from, report)
    except ImportError as exc:
        raise UserError(f"the benchmark needs the dev extra (psutil): {exc}")
    typer.echo((format_memory if memory_only else format_report)(result))
    typer.echo(f"→ {report}", err=True)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"input not found: {path}")
    except IsADirectoryError:
        raise UserError(f"{path} is a folder; extract takes one file (use run for folders)")
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}")


def _check_writable(folder: Path) -> None:
    from pipeline.publish import TMP_SUFFIX  # a probe left by a killed run is removed by the next

    try:
        folder.mkdir(parents=True, exist_ok=True)
        # a name of its own: a second run probing at the same moment must not remove this one's probe
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".zhenggai-write-test-", suffix=TMP_SUFFIX)
        os.close(handle)
        Path(probe).unlink(missing_ok=True)  # the run holding the folder may have swept it already
    except OSError as exc:
        raise UserError(f"cannot write to {folder}: {exc.strerror or exc}")


class _progress:
    """A progress bar on standard error for runs of more than one document, when it is a terminal."""

    def __init__(self, total: int | None, quiet: bool):
        self.total, self.quiet = total, quiet
        self.bar = None

    def __enter__(self):
        if self.quiet or (self.total is not None and self.total < 2) or not sys.stderr.isatty():
            return lambda n: None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("extracting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True)
        self.bar.start()
        task = self.bar.add_task("run", total=self.total)
        return lambda n: self.bar.advance(task, n)

    def __exit__(self, *exc) -> None:
        if self.bar:
            self.bar.stop()


def main() -> None:
    sys.exit(run_command(sys.argv[1:] or ["--help"]))


def run_command(args: list[str]) -> int:
    """Run one command line and return its exit code (see the EXIT_ constants)."""
    stopping = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {signum: signal.signal(signum, _stop) for signum in stopping}
    try:
        return _run_command(args)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _run_command(args: list[str]) -> int:
    try:
        code = app(args, standalone_mode=False)
    except typer.Exit as exc:
        code = exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        code = EXIT_INTERRUPTED
    except Stopped as exc:
        _err(f"stopped by {signal.Signals(exc.signum).name}; an output folder keeps its last complete dataset")
        return 128 + exc.signum
    except typer.TyperException as exc:  # usage errors: bad option, missing argument, bad value
        _err(" ".join(exc.format_message().split()))
        return EXIT_USAGE
    except UserError as exc:
        _err(" ".join(str(exc).split()))
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    if code == EXIT_INTERRUPTED:  # typer turns Ctrl-C into Exit(130), silently
        _err("interrupted; an output folder keeps its last complete dataset")
    return code if isinstance(code, int) else EXIT_OK


def _stop(signum: int, frame) -> None:
    raise Stopped(signum)
