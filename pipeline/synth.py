"""A synthetic corpus for benchmarks: notices recombined and perturbed from real ones.

Each document is built from the parts of the seed documents (preambles, level-1
sections, numbered problems, plans, contact paragraphs) with its numbers, years and
place names changed, and padded or cut to a length drawn from a log-normal
distribution clipped to 1 KB … 200 KB (median about 24 KB, the size of the seeds).
Document ``i`` depends only on the seed and ``i``, so any slice of a corpus can be
rebuilt exactly.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipeline.extract.gazetteer import gazetteer
from pipeline.extract.metadata import classify
from pipeline.normalize import canonicalize, decode
from pipeline.segment import segment

MIN_BYTES, MAX_BYTES, MEDIAN_BYTES = 1_000, 200_000, 24_000
PER_FOLDER = 1000


@dataclass(frozen=True)
class Parts:
    """Pieces of real notices to recombine."""

    responsibility: tuple[str, ...]
    problems: tuple[str, ...]  # "heading\nbody", without the number
    categories: tuple[str, ...]
    plans: tuple[str, ...]
    preambles: tuple[str, ...]
    contacts: tuple[str, ...]
    bureaus: tuple[str, ...]
    cities: tuple[str, ...]


def parts_of(seed_dir: Path) -> Parts:
    responsibility, problems, categories, plans, preambles, contacts = [], [], [], [], [], []
    for path in sorted(seed_dir.glob("*")):
        if not path.is_file():
            continue
        text = canonicalize(decode(path.read_bytes(), path.name).raw_text).text
        doc_type = classify(text, 0)
        outline = segment(text, doc_type)
        preamble = text[: outline.body_start].strip().splitlines()
        if preamble and doc_type == "inspection_rectification":
            preambles.append(max(preamble, key=len).strip())
        contact = text[outline.body_end :].strip().split("\n")[0].strip()
        if contact.startswith("欢迎"):
            contacts.append(contact)
        for unit in outline.units:
            body = text[unit.heading_end if unit.heading_alone else unit.body_start : unit.end].strip()
            if unit.level == 1 and unit.role in ("responsibility", "plan"):
                (responsibility if unit.role == "responsibility" else plans).append(body)
            elif unit.level == 2 and unit.role == "rectification" and unit.heading:
                categories.append(unit.heading)
        for problem in outline.problems:
            if problem.number is not None:
                item = text[problem.start : problem.end]
                problems.append(re.sub(r"^\d+\s*[.、]\s*", "", item))
    g = gazetteer()
    cities = sorted({d.name for d in g.by_code.values() if d.level == 2 and d.name.endswith("市") and len(d.name) <= 5})
    bureaus = ("工业和信息化局", "发展和改革委员会", "财政局", "商务局", "科学技术局", "市场监督管理局", "人力资源和社会保障局", "住房和城乡建设局")
    return Parts(tuple(responsibility), tuple(problems), tuple(categories), tuple(plans), tuple(preambles), tuple(contacts), bureaus, tuple(cities))


_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(?![\d.]*年)")
_YEAR = re.compile(r"(20[12]\d)(?=年)")


def _perturb(text: str, rng: random.Random, year_shift: int) -> str:
    """Other figures and years; dates and markers keep their shape."""

    def number(m: re.Match[str]) -> str:
        digits = m.group(1)
        if "." in digits:
            whole, frac = digits.split(".")
            return f"{rng.randint(1, 10 ** len(whole) - 1)}.{rng.randint(0, 10 ** len(frac) - 1):0{len(frac)}d}"
        if len(digits) <= 2:
            return digits  # months, days, small counts: keep the date shapes valid
        return str(rng.randint(10 ** (len(digits) - 1), 10 ** len(digits) - 1))

    text = _YEAR.sub(lambda m: str(int(m.group(1)) + year_shift), text)
    return _NUMBER.sub(number, text)


def target_bytes(rng: random.Random) -> int:
    size = math.exp(rng.gauss(math.log(MEDIAN_BYTES), 1.0))
    return int(min(MAX_BYTES, max(MIN_BYTES, size)))


def document(parts: Parts, seed: int, index: int) -> str:
    rng = random.Random(f"{seed}:{index}")
    size = target_bytes(rng)
    shift = rng.randint(0, 1)  # later years only: targets such as 到2035年 stay within reference_year + 10
    city = rng.choice(parts.cities)
    bureau = rng.choice(parts.bureaus)
    issuer = f"中共{city}{bureau}党组"
    year = 2024 + shift
    lines = [
        f"{issuer}关于巡察整改进展情况的通报",
        "",
        f"发布时间:{year + 1}-0{rng.randint(1, 9)}-{rng.randint(10, 28)}",
        "",
        _perturb(rng.choice(parts.preambles), rng, shift),
        "",
        "一、履行巡察整改主体责任情况",
        _perturb(rng.choice(parts.responsibility), rng, shift),
        "二、巡察整改任务落实情况",
    ]
    used = sum(len(line.encode()) + 1 for line in lines)
    tail = [
        "三、下一步工作打算",
        _perturb(rng.choice(parts.plans), rng, shift),
        rng.choice(parts.contacts) if parts.contacts else "",
        issuer,
        f"{year + 1}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
    ]
    budget = size - used - sum(len(line.encode()) + 1 for line in tail)
    number, category = 0, 0
    while budget > 0 or number == 0:
        if number % rng.randint(3, 6) == 0:
            category += 1
            heading = f"({_cn(category)}){rng.choice(parts.categories)}"
            lines.append(heading)
            budget -= len(heading.encode()) + 1
        number += 1
        problem = f"{number}.{_perturb(rng.choice(parts.problems), rng, shift)}"
        if budget < len(problem.encode()) and number > 1:
            problem = _cut(problem, budget)
            if not problem:
                break
        lines.append(problem)
        budget -= len(problem.encode()) + 1
    return "\n".join(lines + tail) + "\n"


def _cut(text: str, budget: int) -> str:
    """The longest run of whole sentences that fits the budget (in bytes)."""
    out, used = [], 0
    for sentence in re.findall(r"[^。]*。|[^。]+$", text):
        size = len(sentence.encode())
        if used + size > budget:
            break
        out.append(sentence)
        used += size
    return "".join(out)


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n - 10] if n > 10 else "")
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")


def path_of(out_dir: Path, index: int) -> Path:
    return out_dir / f"{index // PER_FOLDER:04d}" / f"{index:07d}.txt"


@cache
def _parts(seed_dir: str) -> Parts:
    return parts_of(Path(seed_dir))


def write_corpus(out_dir: Path, n: int, *, seed: int = 0, seed_dir: Path = Path("corpus"), progress=None) -> int:
    """Write documents 0 … n-1; returns the bytes written. Existing identical files are kept."""
    parts = _parts(str(seed_dir))
    if not parts.problems:
        raise ValueError(f"no numbered problems to recombine in {seed_dir}")
    written = 0
    for i in range(n):
        path = path_of(out_dir, i)
        data = document(parts, seed, i).encode("utf-8")
        if not (path.exists() and path.stat().st_size == len(data) and path.read_bytes() == data):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        written += len(data)
        if progress:
            progress(1)
    return written
