"""Document metadata (SPEC 1) of the five documents, and the genre, title and place rules on small cases."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import rules
from pipeline.extract.gazetteer import gazetteer, locate
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


# --- page headers: labelled titles, breadcrumbs, furniture after a value, outlets, headlines ---

from pipeline.build import extract_text  # noqa: E402
from pipeline.extract.metadata import metadata_rules  # noqa: E402

BODY = "根据市委统一部署,市委第一巡察组对本单位开展了常规巡察,现将整改进展情况通报如下。\n一、整改任务落实情况\n1.学习不深入的问题\n一是组织专题学习12次。"


def _doc(text: str):
    return extract_text(text).document


@pytest.mark.parametrize("label", metadata_rules().title_labels)
def test_a_labelled_title_is_the_title(label):
    spaced = " ".join(label)
    text = f"| 索引号:123/2019-1 | 发文单位:某市人民政府办公室 |\n| {spaced}: 某市人民政府办公室关于做好巡察整改工作的通知 | |\n{BODY}"
    assert _doc(text).title == "某市人民政府办公室关于做好巡察整改工作的通知"


@pytest.mark.parametrize("mark", metadata_rules().breadcrumb_marks)
def test_a_breadcrumb_is_never_the_title(mark):
    text = f"首页 {mark} 通知公告\n某局关于巡察整改进展情况的通报\n{BODY}"
    assert _doc(text).title == "某局关于巡察整改进展情况的通报"


@pytest.mark.parametrize("stop", metadata_rules().field_furniture + metadata_rules().field_labels)
def test_furniture_never_stays_in_the_issuer(stop):
    text = f"{BODY}\n信息来源:某市审计局{stop}12 打印本页"
    assert _doc(text).issuer == "某市审计局"


@pytest.mark.parametrize("furniture", metadata_rules().field_furniture)
def test_furniture_never_stays_in_a_labelled_title(furniture):
    text = f"标 题:某局关于调整办公时间的通知 {furniture}大 中 小 打印本页\n{BODY}"
    assert _doc(text).title == "某局关于调整办公时间的通知"


@pytest.mark.parametrize("ending", metadata_rules().outlet_endings)
def test_an_outlet_is_no_issuer(ending):
    assert _doc(f"{BODY}\n来源:某某{ending}").issuer is None


@pytest.mark.parametrize("suffix", metadata_rules().org_suffixes)
def test_the_issuer_of_a_reply_to_a_named_proposal(suffix):
    title = f"某市住房建设{suffix}对某某委员《关于加快老旧小区改造的提案》的答复"
    assert _doc(f"{title}\n{BODY}").issuer == f"某市住房建设{suffix}"


@pytest.mark.parametrize("post", metadata_rules().official_posts + metadata_rules().reporter_posts)
def test_a_byline_is_no_title(post):
    assert _doc(f"某市审计局{post} 张三丰\n{BODY}").title is None


@pytest.mark.parametrize("post", metadata_rules().official_posts)
def test_an_officials_byline_names_the_issuer(post):
    assert _doc(f"某市审计局{post} 张三丰\n{BODY}").issuer == "某市审计局"


@pytest.mark.parametrize("post", metadata_rules().reporter_posts)
def test_a_reporters_byline_names_no_issuer(post):
    assert _doc(f"某市日报社{post} 张三丰\n{BODY}").issuer is None


@pytest.mark.parametrize("credit, issuer", [("(县委巡察办)", "县委巡察办"), ("(新疆维吾尔自治区纪委)", "新疆维吾尔自治区纪委"), ("(徐跃腾)", None), ("(曾祥丽)", None)])
def test_a_closing_credit_names_the_issuer_when_it_is_an_organisation(credit, issuer):
    assert _doc(f"{BODY}{credit}").issuer == issuer


def test_the_organisation_before_the_year_of_a_title_is_the_issuer():
    assert _doc(f"市交通委2017年度建议提案办理工作情况\n{BODY}").issuer == "市交通委"


def test_a_headline_is_the_title_and_a_crosshead_is_not():
    assert _doc(f"杭州富阳:对国企子公司开展延伸巡察\n日期:2023-01-13\n{BODY}").title == "杭州富阳:对国企子公司开展延伸巡察"
    assert _doc(f"{BODY.splitlines()[0]}\n省委巡视组向省纪委\n移交509件问题线索\n{BODY}").title is None


def test_the_date_on_the_source_line_is_the_publication_date():
    document = _doc(f"某局2017年度建议提案办理工作情况\n来源:某局 2017-11-14\n{BODY}")
    assert document.published_date == D(2017, 11, 14)


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


@pytest.mark.parametrize("label", metadata_rules().signed_labels)
@pytest.mark.parametrize("form", ["{label}: | 2019-11-26 |", "{label} 2019-11-26 公开方式 主动公开", "| {label}:2019年11月26日 |"])
def test_a_signed_label_in_the_information_table_gives_the_signed_date(label, form):
    document = _doc(form.format(label=label) + "\n发布日期:2019-12-02\n" + BODY)
    assert (document.signed_date, document.published_date) == (D(2019, 11, 26), D(2019, 12, 2))


def test_a_signature_followed_by_an_annex_still_gives_the_signed_date():
    document = _doc(f"{BODY}\n\n某县人民政府办公室\n\n2022年10月28日\n\n附件1\n\n某县专项行动方案\n一、总体要求\n(一)目标任务")
    assert document.signed_date == D(2022, 10, 28)


def test_the_date_under_an_officials_byline_is_the_signed_date():
    assert _doc(f"某市某区审计局局长 张三丰\n2023年9月28日\n{BODY}").signed_date == D(2023, 9, 28)


@pytest.mark.parametrize("label", metadata_rules().phone_labels)
def test_a_labelled_hotline_is_a_phone(label):
    assert _doc(f"{BODY}\n联系方式:{label}:12388").contact_phones == ["12388"]


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 0, 1), (1, 2, 0)])
def test_contact_lines_in_any_order(order):
    lines = ["监督电话:0755-12345678", "监督邮箱:jdjc@example.gov.cn", "举报电话:12388"]
    document = _doc(BODY + "\n" + "\n".join(lines[i] for i in order))
    assert sorted(document.contact_phones) == ["0755-12345678", "12388"]
    assert document.contact_emails == ["jdjc@example.gov.cn"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="省市区广州南海", min_size=1, max_size=4), min_size=1, max_size=8),
       st.text(alphabet="省市区广州南海 ", max_size=30), st.sampled_from(["", "[ ]?局", "(?!市)"]))
def test_a_trie_of_words_matches_as_their_longest_first_alternation(words, text, after):
    """The gazetteer's names as a trie find what their longest-first alternation finds, also
    where what follows makes the engine back off to a shorter word."""
    trie = re.compile(f"(?:{rules.literal_trie(words)}){after}")
    alternation = re.compile(f"{rules.alt(words)}{after}")
    assert [m.span() for m in trie.finditer(text)] == [m.span() for m in alternation.finditer(text)]


def test_the_gazetteer_pattern_finds_the_longest_name():
    assert [m.group() for m in gazetteer().pattern.finditer("广州市南海区和南海")] == ["广州市", "南海区", "南海"]
