"""A large dataset made by replicating the rows of a built one: a replication, not an extraction.

    python benchmarks/replicate.py SEED_DATASET --documents 100000 --out DIR

Extracting 100 000 notices takes hours of CPU; the review site, the SQLite export and
validation only need a dataset of that size. This script copies the rows of SEED_DATASET (a
build of a few thousand synthetic notices: ``zhenggai synth`` then ``zhenggai run``) as often
as it takes, each copy under new ids in every table, and writes a dataset that
``zhenggai validate`` accepts (Parquet, JSON Lines, README, datapackage and manifest, as a build
writes them). Copy 0 is the seed itself; copy k > 0 of a document:

- takes the doc_id ``sha256("{doc_id}/{k}")[:16]``; every row id and every reference to a row
  starts with its doc_id, so they are rewritten by swapping that prefix and stay consistent;
- gets ``replica-{k}/`` before its source, so every source stays unique;
- is moved to a city drawn from the gazetteer (province, city and adcode; district null), so
  the charts see a national collection rather than the seed's few places;
- has its reference year, document dates and date rows moved back ``k % 7`` years, so the
  years spread.

The text is the seed's: it still names the seed's places and years. Figures of the copies
(counts, indicators, outcomes) are the seed's, so distributions keep their shape and only
the totals grow. Memory holds one seed table at a time, whatever --documents is.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.build import manifest  # noqa: E402
from pipeline.describe import write_description  # noqa: E402
from pipeline.extract.gazetteer import gazetteer  # noqa: E402
from pipeline.models import TABLES  # noqa: E402
from pipeline.schema import arrow_schema  # noqa: E402
from pipeline.write import Staging, table_files  # noqa: E402

SLICE_ROWS = 256
YEARS_BACK = 7  # copy k moves its dates back k % YEARS_BACK years
DATE_COLUMNS = {
    "documents": ("published_date", "signed_date", "inspection_start", "inspection_end", "feedback_date"),
    "dates": ("date_start", "date_end"),
}


def cities() -> list[tuple[str, str, str]]:
    """(province, city, adcode) of every city-level division, in adcode order."""
    by_code = gazetteer().by_code
    provinces = {d.code: d.name for d in by_code.values() if d.level == 1}
    found = [(provinces[d.province_code], d.name, d.code) for d in by_code.values() if d.level == 2 and d.province_code in provinces]
    return sorted(found, key=lambda c: c[2])


def new_doc_id(doc_id: str, copy: int) -> str:
    return doc_id if copy == 0 else hashlib.sha256(f"{doc_id}/{copy}".encode()).hexdigest()[:16]


def _place(doc_id: str, copy: int, places: list[tuple[str, str, str]]) -> tuple[str, str, str]:
    return places[int(hashlib.sha256(f"place {doc_id}/{copy}".encode()).hexdigest()[:8], 16) % len(places)]


def copy_table(frame: pl.DataFrame, table: str, copy: int, doc_ids: dict[str, str], documents: pl.DataFrame | None) -> pl.DataFrame:
    """Copy ``copy`` of a seed table's rows: new doc_id and row ids, places and years moved."""
    if copy == 0:
        return frame
    prefix = pl.col("doc_id").replace_strict(doc_ids, return_dtype=pl.String)
    ids = [c for c in frame.columns if c.endswith("_id") and c != "doc_id" and frame.schema[c] == pl.String]
    frame = frame.with_columns(*(pl.concat_str(prefix, pl.col(c).str.slice(16)).alias(c) for c in ids), prefix.alias("doc_id"))
    years = copy % YEARS_BACK
    if years:
        frame = frame.with_columns(pl.col(c).dt.offset_by(f"-{years}y") for c in DATE_COLUMNS.get(table, ()))
    if table == "documents":
        frame = frame.drop("province", "city", "district", "adcode").join(documents, on="doc_id", how="left", maintain_order="left")
        frame = frame.with_columns(
            pl.concat_str(pl.lit(f"replica-{copy}/"), pl.col("source")).alias("source"),
            (pl.col("reference_year") - years).alias("reference_year"),
        )
    return frame


def replicate(seed: Path, out: Path, documents: int) -> dict[str, int]:
    seed_documents = pl.read_parquet(seed / table_files("documents")[0], columns=["doc_id", "source"])
    copies = -(-documents // seed_documents.height)
    places = cities()
    staging = Staging(out)
    inputs: list[dict] = []
    try:
        for copy in range(copies):
            keep = seed_documents.head(min(seed_documents.height, documents - copy * seed_documents.height))
            doc_ids = {d: new_doc_id(d, copy) for d in keep["doc_id"]}
            moved = pl.DataFrame(
                [(doc_ids[d], *_place(d, copy, places)) for d in keep["doc_id"]],
                schema=["doc_id", "province", "city", "adcode"], orient="row",
            ).with_columns(district=pl.lit(None, pl.String))
            for table in TABLES:
                if table == "rejects" and copy > 0:
                    continue  # a reject is an input file: it appears once
                frame = pl.read_parquet(seed / table_files(table)[0])
                if table != "rejects":
                    frame = frame.filter(pl.col("doc_id").is_in(list(doc_ids)))
                _append(staging, table, copy_table(frame, table, copy, doc_ids, moved))
            sources = [s if copy == 0 else f"replica-{copy}/{s}" for s in keep["source"]]
            inputs += [{"source": s, "doc_id": doc_ids[d], "status": "document", "reason": None} for s, d in zip(sources, keep["doc_id"])]
            print(f"copy {copy + 1}/{copies}: {len(inputs)} documents", flush=True)
        rows = {table: staging.writer(table).rows for table in TABLES}
        names = ["manifest.json", *write_description(staging.path, rows)]
        staging.close_tables()
        staging.write_json("manifest.json", manifest(inputs, rows, f"replication of {seed.name} to {documents}", staging, names))
        staging.commit(names)
    except BaseException:
        staging.abandon()
        raise
    return rows


def _append(staging: Staging, table: str, frame: pl.DataFrame) -> None:
    """Rows in slices, so that the writer cuts row groups as a build does (by rows and bytes)."""
    schema = arrow_schema(TABLES[table])
    for piece in frame.select(schema.names).iter_slices(SLICE_ROWS):
        batch = piece.to_arrow().cast(schema).combine_chunks().to_batches()[0]
        staging.writer(table).append(batch, piece.write_ndjson().encode("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("seed", type=Path, help="a built dataset (zhenggai run)")
    parser.add_argument("--documents", type=int, default=100_000, help="documents in the replicated dataset")
    parser.add_argument("--out", type=Path, required=True, help="folder of the replicated dataset")
    args = parser.parse_args()
    started = time.perf_counter()
    rows = replicate(args.seed, args.out, args.documents)
    print(f"{rows['documents']} documents, {sum(rows.values())} rows in {time.perf_counter() - started:.0f} s → {args.out}")


if __name__ == "__main__":
    main()
