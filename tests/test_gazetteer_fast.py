"""The gazetteer's probe for place names finds what its trie pattern finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract.gazetteer import gazetteer, locate, names_in

PIECES = ["广东省", "广州市", "广州", "黄埔区", "黄埔", "南海", "南海区", "市", "区", "县", "省", "中共", "党组", "关于",
          "克孜勒苏柯尔克孜自治州", "克孜勒苏", "新平彝族傣族自治县", "新平", "广", "州", "和", "平安", "x", " "]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
def test_names_found_by_probe_are_the_pattern_scan(text):
    assert names_in(text) == [m.group() for m in gazetteer().pattern.finditer(text)]


def test_every_name_opening_is_indexed():
    g = gazetteer()
    assert all(len(name) in g.opening_lengths[name[:2]] for name in g.by_name)
    assert all(list(ks) == sorted(ks, reverse=True) for ks in g.opening_lengths.values())


def test_locate_reads_the_names_probed():
    place = locate("中共广州开发区工委 中共广州市黄埔区委")
    assert (place.city, place.district, place.adcode) == ("广州市", "黄埔区", "440112")
