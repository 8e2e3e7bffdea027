"""Score a built dataset against gold annotations: precision, recall and F1 per table, and the
accuracy of each field on matched rows.

Rows are paired one to one within a document, best overlap first:

- problems, measures: span IoU ≥ 0.8;
- dates: spans overlap (≥ half of the shorter) and date_start/date_end are equal;
- indicators: spans overlap and value_normalized and unit are equal;
- policy_refs: spans overlap and the titles are equal;
- outcomes: spans overlap and kind, value and action are equal;
- organizations: spans overlap;
- status: the status phrases of problems (``problems.status`` with its offsets) overlap and the
  statuses are equal;
- documents: the same doc_id;
- any other table: spans overlap.

A gold folder holds the tables it annotates; a table without a gold file is not scored, and a
field is scored only on gold rows that carry it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import polars as pl

from pipeline.models import REGISTRY

# every table with ids, and the status phrases of problems as a pseudo-table of their own
GOLD_TABLES = (*(t.name for t in REGISTRY.values() if t.id_field), "status")

DOCUMENT_FIELDS = (
    "doc_type", "title", "issuer", "province", "city", "district", "adcode", "published_date", "signed_date",
    "reference_year", "inspection_body", "inspection_kind", "inspection_topic", "inspection_start",
    "inspection_end", "feedback_date", "contact_phones", "contact_emails", "contact_address", "postcode", "n_problems",
    "proposal_number", "proposer", "proposer_role", "proposal_session", "proposal_title",
)  # fmt: skip
FIELDS: dict[str, tuple[str, ...]] = {
    "documents": DOCUMENT_FIELDS,
    "problems": ("number", "title", "problem", "category", "inferred"),
    "measures": ("role", "seq", "marker", "title"),
    "dates": ("granularity", "year_inferred", "as_of", "open_end", "broken", "role"),
    "indicators": ("qualifier", "change", "comparison", "subject", "kind"),
    "policy_refs": ("doc_number", "alias"),
    "outcomes": ("unit",),
    "organizations": ("name", "function", "kind", "level", "place", "role"),
    "status": (),
}


@dataclass
class TableScore:
    table: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    fields: dict[str, list[int]] = field(default_factory=dict)  # field → [correct, total]
    misses: list[dict] = field(default_factory=list)
    false_positives: list[dict] = field(default_factory=list)
    field_errors: list[dict] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def field_accuracy(self) -> dict[str, float]:
        """Accuracy of each field over the matched rows whose gold carries it; a field no matched
        gold row carries has no figure (it is neither perfect nor pinned)."""
        return {name: c / t for name, (c, t) in self.fields.items() if t}


@dataclass
class Scores:
    tables: dict[str, TableScore]

    def to_dict(self) -> dict:
        return {
            name: {
                "precision": round(s.precision, 4),
                "recall": round(s.recall, 4),
                "f1": round(s.f1, 4),
                "tp": s.tp,
                "fp": s.fp,
                "fn": s.fn,
                "fields": {k: round(v, 4) for k, v in s.field_accuracy().items()},
            }
            for name, s in self.tables.items()
        }


def _norm(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return value


def _equal(a, b) -> bool:
    a, b = _norm(a), _norm(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
    return a == b


def read_gold(folder: Path, table: str) -> list[dict]:
    path = folder / f"{table}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def read_pred(folder: Path, table: str) -> list[dict]:
    if table == "status":
        return _status_rows(read_pred(folder, "problems"))
    parquet = folder / f"{table}.parquet"
    if parquet.exists():
        return pl.read_parquet(parquet).to_dicts()
    return read_gold(folder, table)


def _status_rows(problems: list[dict]) -> list[dict]:
    """The status phrase of each problem that states one, as a span row of its own."""
    return [
        {"doc_id": p["doc_id"], "status": p["status"], "char_start": p["status_char_start"], "char_end": p["status_char_end"]}
        for p in problems
        if p.get("status") is not None
    ]


def _overlap(g: dict, p: dict) -> float:
    inter = min(g["char_end"], p["char_end"]) - max(g["char_start"], p["char_start"])
    if inter <= 0:
        return 0.0
    return inter / max(1, min(g["char_end"] - g["char_start"], p["char_end"] - p["char_start"]))


def _iou(g: dict, p: dict) -> float:
    inter = min(g["char_end"], p["char_end"]) - max(g["char_start"], p["char_start"])
    if inter <= 0:
        return 0.0
    union = max(g["char_end"], p["char_end"]) - min(g["char_start"], p["char_start"])
    return inter / union


def _span_match(threshold: float, measure: Callable[[dict, dict], float], *keys: str) -> Callable[[dict, dict], float]:
    def score(g: dict, p: dict) -> float:
        s = measure(g, p)
        if s < threshold or any(not _equal(g.get(k), p.get(k)) for k in keys):
            return 0.0
        return s

    return score


OVERLAP = _span_match(0.5, _overlap)
MATCHERS: dict[str, Callable[[dict, dict], float]] = {
    "problems": _span_match(0.8, _iou),
    "measures": _span_match(0.8, _iou),
    "dates": _span_match(0.5, _overlap, "date_start", "date_end"),
    "indicators": _span_match(0.5, _overlap, "value_normalized", "unit"),
    "policy_refs": _span_match(0.5, _overlap, "title"),
    "outcomes": _span_match(0.5, _overlap, "kind", "value", "action"),
    "organizations": OVERLAP,
    "status": _span_match(0.5, _overlap, "status"),
}


def _brief(row: dict) -> dict:
    keep = ("doc_id", "char_start", "char_end", "text", "number", "title", "date_start", "date_end", "value_normalized", "unit", "kind", "value", "action", "status")
    return {k: _norm(row[k]) for k in keep if k in row}


def score_table(table: str, gold: list[dict], pred: list[dict]) -> TableScore:
    result = TableScore(table, fields={f: [0, 0] for f in FIELDS.get(table, ())})
    if table == "documents":
        by_id = {p["doc_id"]: p for p in pred}
        pairs = [(g, by_id[g["doc_id"]]) for g in gold if g["doc_id"] in by_id]
        matched_pred = {id(p) for _, p in pairs}
        result.misses = [_brief(g) for g in gold if g["doc_id"] not in by_id]
        result.false_positives = [_brief(p) for p in pred if id(p) not in matched_pred and p["doc_id"] in {g["doc_id"] for g in gold}]
    else:
        pairs, unmatched_gold, unmatched_pred = _pair(gold, pred, MATCHERS.get(table, OVERLAP))
        result.misses = [_brief(g) for g in unmatched_gold]
        result.false_positives = [_brief(p) for p in unmatched_pred]
    result.tp, result.fn, result.fp = len(pairs), len(result.misses), len(result.false_positives)
    for g, p in pairs:
        for name in FIELDS.get(table, ()):
            if name not in g:
                continue
            counts = result.fields[name]
            counts[1] += 1
            if _equal(g[name], p.get(name)):
                counts[0] += 1
            else:
                result.field_errors.append({"field": name, "gold": _norm(g[name]), "pred": _norm(p.get(name)), **_brief(g)})
    return result


def _pair(gold: list[dict], pred: list[dict], match: Callable[[dict, dict], float]):
    """Greedy one-to-one pairing within each document, highest match score first."""
    by_doc: dict[str, list[dict]] = {}
    for p in pred:
        by_doc.setdefault(p["doc_id"], []).append(p)
    for rows in by_doc.values():
        rows.sort(key=lambda r: r["char_start"])
    candidates = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(by_doc.get(g["doc_id"], [])):
            if p["char_start"] >= g["char_end"]:
                break
            s = match(g, p)
            if s > 0:
                candidates.append((-s, gi, g["doc_id"], pi))
    candidates.sort()
    used_gold, used_pred, pairs = set(), set(), []
    for _, gi, doc_id, pi in candidates:
        if gi in used_gold or (doc_id, pi) in used_pred:
            continue
        used_gold.add(gi)
        used_pred.add((doc_id, pi))
        pairs.append((gold[gi], by_doc[doc_id][pi]))
    gold_docs = {g["doc_id"] for g in gold}
    unmatched_gold = [g for gi, g in enumerate(gold) if gi not in used_gold]
    unmatched_pred = [p for doc_id, rows in by_doc.items() if doc_id in gold_docs for pi, p in enumerate(rows) if (doc_id, pi) not in used_pred]
    return pairs, unmatched_gold, unmatched_pred


def evaluate(gold_dir: Path | str, pred_dir: Path | str, tables: tuple[str, ...] = GOLD_TABLES) -> Scores:
    gold_dir, pred_dir = Path(gold_dir), Path(pred_dir)
    return Scores({t: score_table(t, read_gold(gold_dir, t), read_pred(pred_dir, t)) for t in tables if (gold_dir / f"{t}.jsonl").exists()})


def format_scores(scores: Scores, *, show_errors: bool = False) -> str:
    lines = [f"{'table':12} {'P':>7} {'R':>7} {'F1':>7} {'tp':>5} {'fp':>5} {'fn':>5}  fields (accuracy on matched rows)"]
    for name, s in scores.tables.items():
        fields = ", ".join(f"{k} {v:.3f}" for k, v in s.field_accuracy().items())
        lines.append(f"{name:12} {s.precision:7.3f} {s.recall:7.3f} {s.f1:7.3f} {s.tp:5d} {s.fp:5d} {s.fn:5d}  {fields}")
    if show_errors:
        for name, s in scores.tables.items():
            for kind, rows in (("miss", s.misses), ("false positive", s.false_positives), ("field", s.field_errors)):
                for row in rows:
                    lines.append(f"{name} {kind}: {json.dumps(row, ensure_ascii=False)}")
    return "\n".join(lines)


# --- the pinned floors ---------------------------------------------------------------


def floors_of(scores: Scores) -> dict[str, float]:
    """Every figure the gate pins: table F1s and field accuracies, keyed 'table.f1', 'table.field'."""
    out = {}
    for name, s in scores.tables.items():
        out[f"{name}.f1"] = round(s.f1, 4)
        for k, v in s.field_accuracy().items():
            out[f"{name}.{k}"] = round(v, 4)
    return out


def below_floor(scores: Scores, baseline: dict[str, float]) -> list[str]:
    current = floors_of(scores)
    return [f"{key}: {current.get(key, 0.0):.4f} < floor {floor:.4f}" for key, floor in sorted(baseline.items()) if current.get(key, 0.0) + 1e-9 < floor]


def update_baseline(path: Path, scores: Scores, *, allow_lower: bool = False) -> list[str]:
    """Raise the floors to the current scores; lowering one needs ``allow_lower``. Returns what changed."""
    old = json.loads(path.read_text("utf-8"))["floors"] if path.exists() else {}
    new = floors_of(scores)
    lowered = [k for k, v in new.items() if k in old and v < old[k]]
    if lowered and not allow_lower:
        raise ValueError("refusing to lower floors without --allow-lower: " + ", ".join(f"{k} {old[k]} → {new[k]}" for k in lowered))
    merged = {k: (v if allow_lower else max(v, old.get(k, 0.0))) for k, v in new.items()}
    path.write_text(json.dumps({"floors": dict(sorted(merged.items()))}, indent=2) + "\n", encoding="utf-8")
    return [f"{k}: {old.get(k)} → {merged[k]}" for k in merged if old.get(k) != merged[k]]
