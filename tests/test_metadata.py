"""Document metadata (SPEC 1) of the five documents, and the genre, title and place rules on small cases."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.extract.gazetteer import locate
from pipeline.extract.metadata import classify

D = dt.date

EXPECTED = {
    "000": dict(
        doc_type="inspection_rectification",
        title="中共广州市工业和信息化局党组关于巡察整改进展情况的通报",
        issuer="中共广州市工业和信息化局党组",
        province="广东省", city="广州市", district=None, adcode="440100",
        published_date=D(2025, 3, 28), signed_date=D(2025, 2, 27), reference_year=2025,
        inspection_body="市委第一巡察组", inspection_kind="专项巡察", inspection_topic="优化营商环境促进民营经济发展壮大",
        inspection_start=D(2023, 8, 16), inspection_end=D(2023, 9, 28), feedback_date=D(2024, 1, 19),
        contact_phones=["020-83123931"], postcode="510032",
    ),
    "001": dict(
        doc_type="inspection_rectification",
        issuer="中共广州开发区工委 中共广州市黄埔区委",
        province="广东省", city="广州市", district="黄埔区", adcode="440112",
        published_date=D(2025, 3, 28), signed_date=None, reference_year=2025,
        inspection_body="市委第六巡察组", contact_emails=["yshjggj@gdd.gov.cn"], postcode="510000",
    ),
    "002": dict(
        doc_type="inspection_rectification", title=None, issuer="中共珠海市工业和信息化局党组",
        city="珠海市", adcode="440400", signed_date=D(2024, 5, 20), reference_year=2024,
        inspection_body="市委第二机动巡察组", inspection_kind="机动巡察",
        inspection_start=D(2023, 3, 1), inspection_end=D(2023, 6, 20), feedback_date=D(2023, 11, 9),
    ),
    "003": dict(
        doc_type="proposal_reply",
        title="清远市工业和信息化局关于对市八届政协二次会议第20230425号提案答复的函",
        issuer="清远市工业和信息化局", city="清远市", adcode="441800",
        published_date=D(2023, 9, 22), signed_date=D(2023, 9, 22), reference_year=2023,
        inspection_body=None, contact_phones=["0763-3364322"],
    ),
    "004": dict(
        doc_type="inspection_rectification", title=None, issuer="武汉市经济和信息化局",
        province="湖北省", city="武汉市", adcode="420100", published_date=None, signed_date=None, reference_year=2024,
        inspection_body="市委第一巡察组", inspection_start=D(2024, 3, 19), inspection_end=D(2024, 4, 30), feedback_date=D(2024, 6, 27),
        contact_phones=["027—85319490"], contact_emails=["332056170@qq.com"], postcode="430023",
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def documents(dataset):
    import polars as pl

    frame = pl.read_parquet(dataset / "documents.parquet")
    return {row["source"].split("/")[-1][:3]: row for row in frame.iter_rows(named=True)}


@pytest.mark.parametrize("doc, field, expected", [(d, f, v) for d, fields in EXPECTED.items() for f, v in fields.items()])
def test_spec_examples(documents, doc, field, expected):
    assert documents[doc][field] == expected


@pytest.mark.parametrize(
    "text, doc_type",
    [
        ("中共某某局党组关于巡察整改进展情况的通报\n根据市委统一部署,市委第一巡察组对我局进行了巡察。", "inspection_rectification"),
        ("某某局关于市政协十三届二次会议第123号提案答复的函\n张委员:\n您提出的提案收悉。", "proposal_reply"),
        ("关于2023年度市级预算执行和其他财政收支审计查出问题整改情况的报告", "audit_rectification"),
        ("某某县人民政府关于印发某某方案的通知", "other"),
        # news and features about inspections are not the unit's own notice
        ("本报讯 近日,县委第二巡察组向某某镇党委反馈巡察情况,共反馈问题20个。", "other"),
        ("某某市:首轮巡察发现问题300个\n记者从市纪委监委获悉,市委巡察组对12个单位开展巡察,督促整改问题。", "other"),
        ("代表们在会上审议了《关于加快某某建设的建议》,并听取了有关部门的答复。", "other"),
        ("某某区政协召开重点提案督办会,推动提案办理取得实效。", "other"),
        # the unit's own voice makes the genre
        ("根据市委统一部署,市委巡察组对某某局党组进行了巡察。现将巡察整改进展情况予以公布。", "inspection_rectification"),
        ("主任、各位委员:\n受区政府委托,报告审计查出问题的整改情况,请予审议。", "audit_rectification"),
        ("一、整改工作开展情况\n根据巡察组反馈意见,我校召开专题会议,逐项制定整改措施。", "inspection_rectification"),
    ],
)
def test_genres(text, doc_type):
    assert classify(text, 0) == doc_type


@pytest.mark.parametrize(
    "issuer, province, city, district, adcode",
    [
        ("中共广州开发区工委 中共广州市黄埔区委", "广东省", "广州市", "黄埔区", "440112"),
        ("北京市朝阳区人民政府", "北京市", "北京市", "朝阳区", "110105"),
        ("广东省工业和信息化厅", "广东省", None, None, "440000"),
        ("深圳市南山区科技创新局", "广东省", "深圳市", "南山区", "440305"),
        ("国家发展和改革委员会", None, None, None, None),
    ],
)
def test_gazetteer(issuer, province, city, district, adcode):
    place = locate(issuer)
    assert (place.province, place.city, place.district, place.adcode) == (province, city, district, adcode)



SELF_REPORT_EXAMPLES = [
    "中共某某局党组关于巡察整改进展情况的通报",
    "某某局关于市政协第12号提案的答复",
    "现将巡察整改情况予以公布。",
    "现答复如下:",
    "报告整改情况,请予审议。",
    "您提出的提案收悉。",
    "张委员:\n",
    "根据反馈意见,我局立即召开党组会。",
]


def test_every_self_report_pattern_has_an_example():
    from pipeline.extract.metadata import metadata_rules

    assert len(metadata_rules().self_report) == len(SELF_REPORT_EXAMPLES)


@pytest.mark.parametrize("index", range(len(SELF_REPORT_EXAMPLES)))
def test_every_self_report_pattern_finds_the_voice_it_names(index):
    import re

    from pipeline.extract.metadata import metadata_rules

    pattern = metadata_rules().self_report[index]
    assert re.search(pattern, SELF_REPORT_EXAMPLES[index], re.MULTILINE), pattern
