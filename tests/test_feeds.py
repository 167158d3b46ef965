"""The feed registry, decoding, parsing, hostile XML, and entry extraction rules."""

import random
import tracemalloc
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from pipeline import extract, feedparse, feeds
from pipeline.records import FeedSpec, FetchResult, RawEntry

REPO = Path(__file__).resolve().parents[1]


def test_shipped_registries_are_valid() -> None:
    real = feeds.load_registry(REPO / "pipeline" / "data" / "feeds.yaml")
    assert len(real) >= 8
    assert all(f.url.startswith("https://") for f in real)
    samples = feeds.load_registry(REPO / "pipeline" / "data" / "samples" / "feeds.yaml")
    assert all(f.url.startswith("file:///") and Path(f.url[7:]).exists() for f in samples)


ENTRY = "feeds:\n  - id: a\n    name: A\n    url: https://x/\n    outlet: O\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("feeds:\n  - id: a\n    name: A\n    url: https://x/\n", "feed #1: field 'outlet'"),
        ("feeds:\n  - id: a\n    name: A\n    url: ftp://x/\n    outlet: O\n", "'url'"),
        ("feeds:\n  - id: Bad Id\n    name: A\n    url: https://x/\n    outlet: O\n", "'id'"),
        ("feeds:\n  - {id: a, name: A, url: 'https://x/', outlet: O}\n"
         "  - {id: a, name: B, url: 'https://y/', outlet: O}\n", ":3: feed #2: duplicate id"),
        ("feeds:\n  - {id: a, name: A, url: 'https://x/', outlet: O, colour: red}\n",
         "unknown field"),
        (ENTRY + "    colour: red\n", r"feeds.yaml:6: feed #1: unknown field 'colour' "
                                     r"\(allowed: enabled, full_text, id, language, name, "
                                     r"outlet, url\)"),
        ("items: []\n", "top-level 'feeds:'"),
        ("# the registry\nfeeds: []\n", r"feeds.yaml:2: top level: field 'feeds' is empty"),
        ("feeds: [\n", "not valid YAML"),
        (ENTRY + "    url: https://y/\n", r"feeds.yaml:6: feed #1: field 'url' given twice"),
        (ENTRY + "feeds: []\n", r"feeds.yaml:6: top level: field 'feeds' given twice"),
        # A mistyped or second list would be dropped without a word.
        (ENTRY + "feed:\n  - id: b\n", r"feeds.yaml:6: top level: unknown field 'feed'"),
        ("defaults: &d {outlet: O}\n" + ENTRY,
         r"feeds.yaml:1: top level: unknown field 'defaults'"),  # an anchor no feed uses
        (ENTRY.replace("https://x/", "https:/rss.dw.com/x"),
         r"feeds.yaml:4: feed #1: field 'url' has no host name"),
        (ENTRY.replace("https://x/", "https:///rdf/x"),
         r"feeds.yaml:4: feed #1: field 'url' has no host name"),
        (ENTRY.replace("https://x/", "https://rss dw.com/rdf"),
         r"feeds.yaml:4: feed #1: field 'url' must not contain spaces"),
        (ENTRY + "    language: [ar]\n",
         r"feeds.yaml:6: feed #1: field 'language' must be a language code .* got \['ar'\]"),
        (ENTRY + "    language: no\n", r"feeds.yaml:6: feed #1: field 'language' .*quote it"),
        (ENTRY + "    enabled: 'yes'\n", r"feeds.yaml:6: feed #1: field 'enabled' must be true"),
        (ENTRY + "    full_text: 1\n", r"feeds.yaml:6: feed #1: field 'full_text' must be true"),
        (ENTRY + "    enabled: !!bool maybe\n",
         r"feeds.yaml:6: feed #1: field 'enabled': cannot read 'maybe' as bool"),
    ],
)
def test_registry_errors_name_the_entry_and_field(tmp_path: Path, body: str,
                                                  message: str) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(feeds.RegistryError, match=message):
        feeds.load_registry(path)


def test_a_missing_registry_is_a_registry_error(tmp_path: Path) -> None:
    # As for the taxonomy and the gazetteer: the night fails at once, naming the file.
    with pytest.raises(feeds.RegistryError, match=r"none\.yaml: cannot read: .*No such file"):
        feeds.load_registry(tmp_path / "none.yaml")


def test_a_registry_not_in_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_bytes(ENTRY.replace("name: A", "name: الجزيرة").encode("cp1256"))
    with pytest.raises(feeds.RegistryError, match=r"feeds\.yaml:3: not UTF-8 \(byte 0xc7 at "
                                                  r"byte 11 of the line\)"):
        feeds.load_registry(path)


def test_registry_reads_valid_entries_as_before(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("defaults: &d {outlet: O, full_text: true}\n"
                    "feeds:\n"
                    "  - {<<: *d, id: a, name: A, url: 'https://x.example:8080/r?q=1'}\n"
                    "  - {<<: *d, id: b, name: B, url: 'file:b.xml', full_text: false,\n"
                    "     language: ar-EG, enabled: false}\n", encoding="utf-8")
    a, b = feeds.load_registry(path)
    assert (a.url, a.outlet, a.full_text, a.language, a.enabled) == (
        "https://x.example:8080/r?q=1", "O", True, "ar", True)
    assert (b.url, b.full_text, b.language, b.enabled) == (
        (tmp_path / "b.xml").as_uri(), False, "ar-EG", False)


def test_canonical_url() -> None:
    assert extract.canonical_url(
        "HTTPS://WWW.Example.COM:443/a/b?utm_source=x&id=3&fbclid=y#top"
    ) == "https://www.example.com/a/b?id=3"
    assert extract.canonical_url("http://example.com") == "http://example.com/"


def test_canonical_url_keeps_a_query_escaped_in_another_encoding() -> None:
    # Two pages of a legacy site whose titles are escaped in windows-1256: each keeps its
    # own bytes, so they stay two articles.
    first = extract.canonical_url("http://old.example/news.asp?title=%C7%E1%DE%CF%D3")
    second = extract.canonical_url("http://old.example/news.asp?title=%C8%ED%D1%E6%CA")
    assert first == "http://old.example/news.asp?title=%C7%E1%DE%CF%D3"
    assert second != first
    # UTF-8 escapes, raw Arabic letters and lower-case escapes come out as before.
    assert (extract.canonical_url("https://a.example/s?q=الخبر&utm_medium=x")
            == extract.canonical_url("https://a.example/s?q=%d8%a7%d9%84%d8%ae%d8%a8%d8%b1")
            == "https://a.example/s?q=%D8%A7%D9%84%D8%AE%D8%A8%D8%B1")
    assert extract.canonical_url("https://a.example/s?b=a+b&a=%2F") == (
        "https://a.example/s?a=%2F&b=a+b")


def entry(**kw: object) -> RawEntry:
    base = dict(feed_id="f", outlet="O", guid="g1", link="https://a.example/1", title="عنوان",
                summary_html="<p>ملخص</p>", content_html=None,
                published=datetime(2024, 1, 1, tzinfo=UTC))
    base.update(kw)
    return RawEntry(**base)  # type: ignore[arg-type]


NOW = datetime(2024, 6, 1, tzinfo=UTC)


def test_entry_rules_are_counted() -> None:
    problems: Counter[str] = Counter()
    assert extract.entry_to_article(entry(link=None, guid="x"), "https://a/", NOW,
                                    problems) is None
    rel = extract.entry_to_article(entry(link="/news/2"), "https://a.example/feed", NOW, problems)
    assert rel is not None and rel.url == "https://a.example/news/2"
    html_title = extract.entry_to_article(entry(title="<b>عاجل</b>: خبر"), "https://a/", NOW,
                                          problems)
    assert html_title is not None and html_title.title == "عاجل : خبر"
    future = extract.entry_to_article(entry(published=datetime(2030, 1, 1, tzinfo=UTC)),
                                      "https://a/", NOW, problems)
    assert future is not None and future.published_at is None
    old = extract.entry_to_article(entry(published=datetime(1980, 1, 1, tzinfo=UTC)),
                                   "https://a/", NOW, problems)
    assert old is not None and old.published_at is None
    assert problems == Counter(dropped_no_link=1, relative_link=1, html_in_title=1,
                               future_date=1, date_before_1990=1)


def test_content_hash_ignores_diacritics_and_quotes() -> None:
    a = extract.finish_article(extract.entry_to_article(
        entry(summary_html="قالَ «نعم» ٣ مرات"), "https://a/", NOW, Counter()))
    b = extract.finish_article(extract.entry_to_article(
        entry(summary_html='قال "نعم" 3 مرات'), "https://a/", NOW, Counter()))
    assert a.content_hash == b.content_hash


def test_parse_prefers_full_content() -> None:
    body = (REPO / "pipeline" / "data" / "samples" / "skynews-rss.xml").read_bytes()
    spec = FeedSpec("s", "S", "file:x", "Sky")
    parsed = feeds.parse_feed(spec, FetchResult("s", "file:x", "ok", body=body))
    assert parsed.bozo is None
    assert len(parsed.entries) == 10
    assert all(e.content_html and len(e.content_html) > len(e.summary_html)
               for e in parsed.entries)


# --- entry rules: each rule has a counter in the run summary -----------------------------

def test_missing_title_and_date_are_counted_not_dropped() -> None:
    problems: Counter[str] = Counter()
    art = extract.entry_to_article(entry(title="", published=None), "https://a/", NOW,
                                   problems)
    assert art is not None and art.title == "ملخص" and art.published_at is None
    assert problems == Counter(missing_title=1, missing_date=1)


def test_link_falls_back_to_a_url_guid_and_bad_links_are_dropped() -> None:
    problems: Counter[str] = Counter()
    art = extract.entry_to_article(entry(link="", guid="https://a.example/g"), "https://a/",
                                   NOW, problems)
    assert art is not None and art.url == "https://a.example/g"
    assert extract.entry_to_article(entry(link="javascript:alert(1)"), "https://a/", NOW,
                                    problems) is None
    assert extract.entry_to_article(entry(title="", summary_html=""), "https://a/", NOW,
                                    problems) is None
    assert problems == Counter(link_from_guid=1, dropped_bad_link=1, missing_title=1,
                               dropped_empty=1)


def test_duplicate_guids_within_a_feed() -> None:
    problems: Counter[str] = Counter()
    arts = extract.entries_to_articles([
        entry(guid="g", link="https://a.example/1"),
        entry(guid="g", link="https://a.example/1"),  # a true repeat: dropped
        entry(guid="g", link="https://a.example/2"),  # reused GUID, other article: kept
        entry(guid=None, link="https://a.example/3"),
    ], "https://a/", NOW, problems)
    assert [a.url for a in arts] == ["https://a.example/1", "https://a.example/2",
                                     "https://a.example/3"]
    assert problems == Counter(dropped_duplicate_guid=1, duplicate_guid=1)


# --- decoding --------------------------------------------------------------------------

ARABIC = "الرئيس يزور العاصمة في زيارة رسمية تستمر يومين"


def doc(encoding: str | None, text: str = ARABIC) -> str:
    decl = f'<?xml version="1.0" encoding="{encoding}"?>' if encoding else ""
    return (f'{decl}<rss version="2.0"><channel><title>{text}</title><item><title>{text}'
            "</title><link>https://a.example/1</link></item></channel></rss>")


@pytest.mark.parametrize(("body", "ctype", "encoding", "source"), [
    (doc("utf-8").encode(), "application/rss+xml; charset=utf-8", "utf-8", "http"),
    (doc(None).encode(), "application/rss+xml", "utf-8", "utf-8"),
    (doc("windows-1256").encode("cp1256"), "text/xml", "cp1256", "xml"),
    (doc("windows-1256").encode("cp1256"), "text/xml; charset=windows-1256", "cp1256", "http"),
    # Mislabelled both ways: cp1256 bytes declared UTF-8, UTF-8 bytes declared cp1256.
    (doc("utf-8").encode("cp1256"), "text/xml; charset=utf-8", "cp1256", "detected"),
    (doc("windows-1256").encode(), "text/xml; charset=windows-1256", "utf-8", "utf-8"),
    (doc(None).encode("cp1256"), "", "cp1256", "detected"),
    (b"\xef\xbb\xbf" + doc(None).encode(), "", "utf-8-sig", "bom"),
    (doc("utf-16").encode("utf-16"), "", "utf-16", "bom"),
])
def test_decoding_finds_the_real_charset(body: bytes, ctype: str, encoding: str,
                                         source: str) -> None:
    got = feeds.decode_body(body, ctype)
    assert (got.encoding, got.source) == (encoding, source)
    assert ARABIC in got.text



def short_feed(title: str, encoding: str, items: int = 1) -> bytes:
    """A feed of mostly ASCII markup around one short headline per item, undeclared."""
    item = (f"<item><title>{title}</title><link>https://www.example-news.com/arabic/"
            "middleeast/2024/03/01/story-1234560.html</link><guid isPermaLink=\"false\">"
            "urn:example:story:0</guid><pubDate>Fri, 01 Mar 2024 10:00:00 GMT</pubDate></item>")
    return ('<rss version="2.0"><channel><title>Example News</title><link>'
            f"https://www.example-news.com/</link>{item * items}</channel></rss>").encode(encoding)


def test_short_undeclared_windows_1256_feed_is_read_as_arabic() -> None:
    # Detection alone calls this one-headline feed mac-latin2 ("„ř Š ňŠ«ň… ›Ū Ř«—…").
    body = short_feed("مقتل ثلاثة في غارة", "cp1256")
    got = feeds.decode_body(body, "application/rss+xml")
    assert (got.encoding, got.source) == ("cp1256", "arabic")
    parsed = feeds.parse_feed(FeedSpec("s", "S", "https://a/", "O"),
                              FetchResult("s", "https://a/", "ok", body=body))
    assert [e.title for e in parsed.entries] == ["مقتل ثلاثة في غارة"]


@pytest.mark.parametrize(("text", "encoding"), [
    ("Президент России провёл встречу с министрами правительства в Кремле", "cp1251"),
    ("ראש הממשלה נפגש עם השרים בירושלים היום", "cp1255"),
])
def test_other_single_byte_scripts_are_not_taken_for_windows_1256(text: str,
                                                                 encoding: str) -> None:
    got = feeds.decode_body(short_feed(text, encoding, items=5), "")
    assert got.encoding == encoding and text in got.text


# Servers often label everything ISO-8859-1 or windows-1252; those decode any bytes.
LATIN_HEADERS = ["text/xml; charset=ISO-8859-1", "application/rss+xml; charset=windows-1252",
                 "text/xml; charset=latin1"]


@pytest.mark.parametrize("ctype", LATIN_HEADERS)
@pytest.mark.parametrize(("declaration", "source"), [("windows-1256", "xml"), (None, "arabic"),
                                                     ("iso-8859-1", "arabic")])
def test_windows_1256_arabic_under_a_latin_charset_is_read_as_arabic(
        ctype: str, declaration: str | None, source: str) -> None:
    body = doc(declaration).encode("cp1256")
    got = feeds.decode_body(body, ctype)
    assert (got.encoding, got.source, got.declared_mismatch) == ("cp1256", source, True)
    assert ARABIC in got.text
    parsed = feeds.parse_feed(FeedSpec("s", "S", "https://a/", "O"),
                              FetchResult("s", "https://a/", "ok", body=body,
                                          headers={"content-type": ctype}))
    assert [e.title for e in parsed.entries] == [ARABIC]
    assert parsed.problems["charset_mismatch"] == 1


FRENCH = "Le président a reçu à l’Élysée les élus de Besançon : où en est la réforme ?"
ICELANDIC = "Þjóðin hefur ákveðið að kjósa í ár; Ísland er fallegt land með mörgum fjöllum."


@pytest.mark.parametrize("ctype", LATIN_HEADERS)
@pytest.mark.parametrize("declaration", ["iso-8859-1", None])
@pytest.mark.parametrize("text", [FRENCH.replace("’", "'"), ICELANDIC])
def test_genuine_latin_1_feed_stays_latin_1(ctype: str, declaration: str | None,
                                            text: str) -> None:
    body = doc(declaration, text).encode("latin-1")
    got = feeds.decode_body(body, ctype)
    assert (got.source, got.declared_mismatch) == ("http", False)
    assert got.encoding in ("iso8859-1", "cp1252") and text in got.text


def test_genuine_windows_1252_feed_keeps_its_curly_quotes() -> None:
    got = feeds.decode_body(doc("windows-1252", FRENCH).encode("cp1252"), LATIN_HEADERS[1])
    assert (got.encoding, got.source, got.declared_mismatch) == ("cp1252", "http", False)
    assert FRENCH in got.text


def test_misdecoded_arabic_is_told_from_accented_latin() -> None:
    assert feeds.looks_misdecoded_arabic(ARABIC.encode("cp1256").decode("latin-1"))
    assert feeds.looks_misdecoded_arabic(doc(None).encode("cp1256").decode("cp1252"))
    for text in (FRENCH, ICELANDIC, doc(None, FRENCH * 20), "ÇáæÒ", ARABIC):
        assert not feeds.looks_misdecoded_arabic(text)


def test_too_many_replacement_characters_is_an_encoding_error() -> None:
    mojibake = doc("utf-8", "خبر \ufffd\ufffd عاجل \ufffd" * 30).encode()
    with pytest.raises(feeds.DecodeError, match="replacement characters"):
        feeds.decode_body(mojibake, "text/xml")
    spec = FeedSpec("s", "S", "file:x", "O")
    parsed = feeds.parse_feed(spec, FetchResult("s", "file:x", "ok", body=mojibake))
    assert parsed.reason == "encoding" and parsed.entries == []
    # A stray bad character in a long feed is counted, not fatal.
    one = doc("utf-8", ARABIC * 20 + "\ufffd").encode()
    assert feeds.decode_body(one, "").replacement_ratio > 0


def test_decoded_feed_parses_with_utf8_declaration() -> None:
    body = doc("windows-1256").encode("cp1256")
    spec = FeedSpec("s", "S", "file:x", "O")
    parsed = feeds.parse_feed(spec, FetchResult("s", "file:x", "ok", body=body))
    assert parsed.bozo is None and parsed.encoding == "cp1256"
    assert [e.title for e in parsed.entries] == [ARABIC]


def test_bozo_feed_with_entries_is_loaded_and_flagged() -> None:
    body = doc("utf-8").replace("<channel><title>", "<channel><title>R&D ").encode()
    parsed = feeds.parse_feed(FeedSpec("s", "S", "file:x", "O"),
                              FetchResult("s", "file:x", "ok", body=body))
    assert parsed.bozo and parsed.error is None and len(parsed.entries) == 1


# --- hostile XML -------------------------------------------------------------------------

def test_entity_declarations_are_refused_before_feedparser() -> None:
    quadratic = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "' + b"B" * 100_000
                 + b'">]><rss version="2.0"><channel><item><title>' + b"&big;" * 1000
                 + b"</title></item></channel></rss>")
    with pytest.raises(feeds.HostileXML, match="EntitiesForbidden"):
        feeds.check_hostile_xml(quadratic)
    tracemalloc.start()
    try:
        parsed = feeds.parse_feed(FeedSpec("s", "S", "file:x", "O"),
                                  FetchResult("s", "file:x", "ok", body=quadratic))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert parsed.reason == "hostile_xml" and parsed.entries == []
    assert peak < 20_000_000  # expanded, it would be 100 MB of title
    xxe = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b"<rss><channel><title>&x;</title></channel></rss>")
    with pytest.raises(feeds.HostileXML):
        feeds.check_hostile_xml(xxe)
    # The words in a comment or CDATA section are not a declaration.
    feeds.check_hostile_xml(b"<rss><!-- <!ENTITY x 'y'> --><channel><title><![CDATA["
                            b"<!ENTITY>]]></title></channel></rss>")


def test_feedparser_is_never_handed_a_path() -> None:
    # feedparser opens a str or bytes argument as a file or URL; we pass a file object.
    parsed = feeds.parse_feed(FeedSpec("s", "S", "file:x", "O"),
                              FetchResult("s", "file:x", "ok", body=b"/etc/hostname"))
    assert parsed.entries == [] and parsed.error


def test_double_encoded_utf8_is_repaired_and_counted() -> None:
    broken = ARABIC.encode("utf-8").decode("latin-1")  # "Ø§Ù\x84Ø±Ø¦Ù\x8aØ³ ..."
    body = doc("utf-8", broken + " — café").encode()
    parsed = feeds.parse_feed(FeedSpec("s", "S", "file:x", "O"),
                              FetchResult("s", "file:x", "ok", body=body))
    assert [e.title for e in parsed.entries] == [ARABIC + " — café"]
    assert parsed.problems["mojibake_repaired"] == 1
    windows = "الرئيس يزور العاصمة"
    assert feeds.repair_double_utf8(windows.encode().decode("cp1252"))[0] == windows
    # Accented Latin names are not "repaired".
    assert feeds.repair_double_utf8("Ødegaard Ùnited Müller") == ("Ødegaard Ùnited Müller", 0)



def mysql_latin1(text: str) -> str:
    """UTF-8 read as MySQL's "latin1": windows-1252, with its five undefined bytes kept as
    C1 controls (ف is D9 81: "Ù\x81")."""
    return "".join(chr(b) if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes([b]).decode("cp1252")
                   for b in text.encode())


def test_double_encoded_arabic_with_feh_is_repaired_whole() -> None:
    # Words holding ف and one of ق ك ل م ن ه و ى ي need both codecs at once.
    text = "وقال الوزير في مؤتمر صحفي إن الاتفاق نهائي"
    assert feeds.repair_double_utf8(mysql_latin1(text)) == (text, len(text.split()))
    body = doc("utf-8", mysql_latin1(text)).encode()
    parsed = feeds.parse_feed(FeedSpec("s", "S", "file:x", "O"),
                              FetchResult("s", "file:x", "ok", body=body))
    assert [e.title for e in parsed.entries] == [text]
    assert parsed.problems["mojibake_repaired"] == 1


def with_reference(ref: str) -> bytes:
    """Three good items, then one whose title and category hold ``ref``."""
    good = "".join(f"<item><title>خبر {i}</title><link>https://news.example/{i}</link></item>"
                   for i in range(3))
    bad = (f"<item><title>عاجل {ref} هنا</title><category>{ref}</category>"
           "<link>https://news.example/e</link></item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>t</title>{good}{bad}</channel></rss>").encode()


@pytest.mark.parametrize(("ref", "title"), [
    ("&#55357;&#56832;", "عاجل 😀 هنا"), ("&#xD83D;&#xDE00;", "عاجل 😀 هنا"),
    ("&#x0D83D;&#xde00;", "عاجل 😀 هنا"), ("&#55357;", "عاجل \ufffd هنا"),
    ("&#56832;&#55357;", "عاجل \ufffd\ufffd هنا"), ("&#1114112;", "عاجل \ufffd هنا"),
    ("&#x110000;", "عاجل \ufffd هنا"), ("&#99999999999999999999;", "عاجل \ufffd هنا"),
])
def test_references_python_cannot_encode_do_not_fail_the_feed(ref: str, title: str) -> None:
    parsed = feeds.parse_feed(FeedSpec("s", "S", "file:x", "O"),
                              FetchResult("s", "file:x", "ok", body=with_reference(ref)))
    assert [e.title for e in parsed.entries] == ["خبر 0", "خبر 1", "خبر 2", title]
    assert parsed.error is None


def test_surrogate_references_are_joined_or_replaced_before_parsing() -> None:
    assert feeds.repair_char_refs("&#55357;&#55357;&#56832; &#1575;&#x627;&#20013;") == (
        "&#xFFFD;&#x1F600; &#1575;&#x627;&#20013;")  # the second high half has its pair
    assert feeds.repair_char_refs("&#x10FFFF;&#" + "9" * 5000 + ";") == "&#x10FFFF;&#xFFFD;"


PAGES_NOT_FEEDS = [
    b"<!DOCTYPE html><html lang='ar'><head><meta charset='utf-8'><title>\xd8\xa7\xd9\x84"
    b"\xd8\xb1\xd8\xa6\xd9\x8a\xd8\xb3\xd9\x8a\xd8\xa9</title></head><body><p>"
    b"\xd8\xa3\xd8\xae\xd8\xa8\xd8\xa7\xd8\xb1<br><img src=a.png></p></body></html>",
    b"<html><head><title>Page not found</title></head><body><h1>404</h1><p>Sorry &nbsp; "
    b"gone</p></body></html>",
    b'{"error": "moved"}',
    b"<?xml version='1.0'?><error><code>NoSuchKey</code></error>",
]
BROKEN_FEEDS = [
    b"<rss><channel><title>\xd8\xb9</title></chan",
    b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></fe',
]


def test_a_page_served_in_place_of_a_feed_is_not_a_feed() -> None:
    # Home pages and soft 404s are rarely well-formed XML: what tells them from a broken
    # feed is that feedparser found no RSS or Atom root in them.
    def reason(body: bytes) -> str | None:
        return feeds.parse_feed(FeedSpec("s", "S", "file:x", "O"), FetchResult(
            "s", "file:x", "ok", body=body,
            headers={"content-type": "text/html; charset=utf-8"})).reason

    assert [reason(b) for b in PAGES_NOT_FEEDS] == ["not_a_feed"] * len(PAGES_NOT_FEEDS)
    assert [reason(b) for b in BROKEN_FEEDS] == ["parse"] * len(BROKEN_FEEDS)


BODY = "قال المتحدث باسم الوزارة إن الاجتماع ناقش ملفات التجارة والاستثمار والطاقة. " * 3
RSS_HEAD = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            "<title>قناة</title><link>https://news.example/</link>")


def rss_doc(*items: str, head: str = RSS_HEAD) -> bytes:
    return (head + "".join(f"<item><title>خبر {i}</title><link>https://news.example/{i}"
                           f"</link><guid>g{i}</guid>{item}</item>"
                           for i, item in enumerate(items)) + "</channel></rss>").encode()


def parse_with_feedparser_only(spec: FeedSpec, result: FetchResult,
                               monkeypatch: pytest.MonkeyPatch) -> feeds.ParsedFeed:
    """parse_feed with neither body stand-ins nor the plain-RSS reader: feedparser alone."""
    with monkeypatch.context() as m:
        m.setattr(feedparse, "_stand_in_bodies", lambda text: (text, {}, "-"))
        m.setattr(feedparse, "_plain_rss", lambda data: None)
        return feeds.parse_feed(spec, result)


STAND_IN_CASES = {
    "cdata and escaped": rss_doc(f"<description>{BODY} &amp;lt;b&amp;gt; &lt;p&gt;</description>"
                                 f"<content:encoded><![CDATA[<p>{BODY}</p>]]></content:encoded>"),
    "crlf and spaces": rss_doc(f"<content:encoded>\r\n <![CDATA[\r\n <p>{BODY}</p>\r\n"
                               f"<p>{BODY}</p>\r ]]>\n</content:encoded>"
                               f"<description>\r\n  {BODY}\r\n {BODY}  \n</description>"),
    "c1 controls": rss_doc(f"<description>\x93{BODY}\x94 \x80 \x85</description>"),
    "utf-8 read as latin-1": rss_doc("<description>" + "cafÃ© au lait, crÃ¨me " * 4
                                     + "</description>"),
    "character references": rss_doc(f"<description>{BODY} &#1575; &#x627;</description>"),
    "undeclared entity": rss_doc(f"<description>{BODY} &nbsp;</description>"),
    "invalid character": rss_doc(f"<content:encoded><![CDATA[{BODY}\x01]]></content:encoded>"),
    "cdata end in text": rss_doc(f"<description>{BODY} ]]> </description>"),
    "blank and short": rss_doc(f"<description><![CDATA[{' ' * 60}]]></description>"
                               "<content:encoded><![CDATA[قصير]]></content:encoded>"),
    "comment and instruction": rss_doc(
        f"<!-- <description><![CDATA[ --><description>{BODY}</description>"
        f"<?pi <content:encoded>{BODY}</content:encoded> ?>"),
    "two descriptions": rss_doc(f"<description>{BODY}</description>"
                                f"<description><![CDATA[{BODY}{BODY}]]></description>"),
    "mixed content": rss_doc(f"<description>{BODY}<![CDATA[{BODY}]]></description>"
                             f"<content:encoded>{BODY}<b>x</b></content:encoded>"),
    "other content prefix": rss_doc(
        f"<content:encoded><![CDATA[{BODY}]]></content:encoded>",
        head=RSS_HEAD.replace("purl.org/rss/1.0/modules/content/", "example.org/c")),
    "doctype": b'<?xml version="1.0"?><!DOCTYPE rss>' + rss_doc(
        f"<description>{BODY}</description>")[len(b'<?xml version="1.0" encoding="utf-8"?>'):],
    "atom xhtml": (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>t</title><entry><title>e</title><id>urn:1</id>"
        "<link href='https://news.example/a'/><updated>2024-01-01T00:00:00Z</updated>"
        "<content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>"
        f"<description>{BODY}</description></div></content></entry></feed>").encode(),
    "malformed": rss_doc(f"<description><![CDATA[{BODY}]]></description><link>"),
}


@pytest.mark.parametrize("name", list(STAND_IN_CASES))
def test_body_stand_ins_give_what_feedparser_gives(name: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Bodies handed to feedparser as stand-ins come back exactly as a plain parse gives them.
    spec = FeedSpec("s", "S", "https://news.example/feed", "O")
    result = FetchResult("s", spec.url, "ok", body=STAND_IN_CASES[name])
    swapped: list[int] = []
    real = feedparse._stand_in_bodies

    def spy(text: str) -> tuple[str, dict[str, str], str]:
        out = real(text)
        swapped.append(len(out[1]))
        return out

    monkeypatch.setattr(feedparse, "_stand_in_bodies", spy)
    fast = feeds.parse_feed(spec, result)
    plain = parse_with_feedparser_only(spec, result, monkeypatch)
    assert fast == plain
    assert fast.entries or fast.error
    if name in ("cdata and escaped", "crlf and spaces", "c1 controls", "two descriptions",
                "utf-8 read as latin-1", "comment and instruction"):
        assert swapped[0] >= 1  # the case did take the stand-in path


@pytest.mark.parametrize("text", ["", "a", " a", "a ", "a  b", "a\nb", "a\n\nb", "a \nb",
                                  "a\tb", "a\u3000b", "a\xa0b", "a\x85b", "a\u2028b",
                                  "a\u200fb", "سطر اول\nسطر ثان", "\n", "x\n"])
def test_words_joined_is_split_and_join(text: str) -> None:
    assert extract.words_joined(text) == " ".join(text.split())


# Pieces of RSS documents for the plain-RSS reader: texts, links and dates that each take
# one of feedparser's steps (stripping, Latin-1 re-reading, C1 mapping, URI joining, the
# link's query repair, date formats), and shapes just outside the plain one.
FUZZ_TEXTS = ["", " ", "\r\n  ", ARABIC, " " + BODY + " \r\n", "café", "cafÃ© crÃ¨me " * 5,
              "x\x93q\x94 " * 6, "a &amp; b", "&amp;amp; " * 12, "&#1575;&#x627;", "&#x93;hi&#x94;",
              "&lt;p&gt;" + ARABIC + "&lt;/p&gt;", "<![CDATA[<p>" + BODY + "</p>]]>",
              "  <![CDATA[" + BODY + "]]>\n ", "<![CDATA[a]]><![CDATA[" + BODY + "]]>",
              "x<!-- c -->y" + ARABIC, "<?pi x?>" + BODY, "\u200f" + BODY,
              "&quot;q&quot; &apos;a&apos;",
              "ابحث]]&gt;" * 6]
FUZZ_BAD = ["<b>bold</b> " + ARABIC, "&nbsp;" + ARABIC, "\x01bad"]
FUZZ_LINKS = ["https://a.example/x", " https://a.example/y?a=1&amp;b=2 ", "/relative/path",
              "http:///triple/x", "javascript:alert(1)", "", "HTTPS://X.EXAMPLE/a#frag",
              "https://a.example/q?x=1&amp;amp;y=2", "<![CDATA[https://a.example/c?a=1&b=2]]>",
              "https://a.example/p&amp;q;r", "https://a.example/\x93", "urn:x:1"]
FUZZ_DATES = ["Thu, 29 Feb 2024 10:00:00 GMT", "Thu, 29 Feb 2024 10:00:00 +0300", "garbage",
              "2024-02-29T10:00:00Z", "", "Thu, 29 Feb 2024 25:00:00 GMT", " 1 Mar 2024 08:00 EST "]
FUZZ_EXTRAS = ["<category>c</category>", "<author>a@b.c (A)</author>", "<pubdate>x</pubdate>",
               '<enclosure url="https://a.example/x.mp3" type="audio/mpeg"/>', "<Title>T</Title>",
               "<title><b>x</b></title>", "<comments>https://a.example/c</comments>"]


def fuzz_item(rng: random.Random, plain: bool) -> str:
    fields = [t for t in ("title", "link", "guid", "pubDate", "description", "content:encoded")
              if rng.random() < 0.75]
    if rng.random() < 0.05:
        fields.append(rng.choice(fields or ["title"]))
    parts = []
    for tag in fields:
        attrs = ""
        if tag == "guid" and rng.random() < 0.5:
            attrs = rng.choice([' isPermaLink="false"', ' isPermaLink="true"',
                                ' isPermaLink="True"', ' ispermalink="false"'])
        elif not plain and rng.random() < 0.1:
            attrs = rng.choice([' type="html"', ' xml:base="https://b.example/"', ' x="1"'])
        if tag in ("link", "guid"):
            text = rng.choice(FUZZ_LINKS)
        elif tag == "pubDate":
            text = rng.choice(FUZZ_DATES)
        else:
            text = rng.choice(FUZZ_TEXTS if plain or rng.random() < 0.7 else FUZZ_BAD)
        parts.append(f"<{tag}{attrs}>{text}</{tag}>")
    if rng.random() < 0.2:
        parts.append(rng.choice(['<category>c</category>', '<category domain="d">c</category>',
                                 "<category/>"]))
    if not plain and rng.random() < 0.3:
        parts.append(rng.choice(FUZZ_EXTRAS))
    rng.shuffle(parts)
    sep = rng.choice(["", "\n", "\r\n  "])
    return f"<item>{sep}{sep.join(parts)}{sep}</item>"


def fuzz_doc(rng: random.Random) -> bytes:
    plain = rng.random() < 0.7
    items = [fuzz_item(rng, plain) for _ in range(rng.choice([0, 1, 2, 4]))]
    head = [f"<title>{rng.choice(FUZZ_TEXTS[:10])}</title>"] if rng.random() < 0.9 else []
    head += ["<link>https://news.example/</link>"] if rng.random() < 0.7 else []
    head += [f"<description>{rng.choice(FUZZ_TEXTS)}</description>"] if rng.random() < 0.5 else []
    head += [rng.choice(["<language>ar</language>", "<language>en_US</language>",
                         f"<lastBuildDate>{FUZZ_DATES[0]}</lastBuildDate>",
                         f"<pubDate>{FUZZ_DATES[1]}</pubDate>", "<generator>g</generator>",
                         "<ttl>60</ttl>", '<language xml:lang="fr">ar</language>'])
             for _ in range(rng.choice([0, 0, 1, 2]))]
    rng.shuffle(head)
    tail = ["<title>late</title>"] if not plain and rng.random() < 0.2 else []
    root = '<rss version="2.0"' if plain else rng.choice(['<rss version="2.0"', "<rss",
                                                          '<rss version="0.91"'])
    ns = rng.choice(['xmlns:content="http://purl.org/rss/1.0/modules/content/"'] * 5
                    + ['xmlns:content="http://example.org/other"'])
    return (f'<?xml version="1.0" encoding="utf-8"?>\n{root} {ns}><channel>'
            + "\n".join(head + items + tail) + "</channel></rss>").encode()


def test_plain_rss_reader_gives_what_feedparser_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    # Documents of the plain RSS shape are read without feedparser, with feedparser's exact
    # results; every other document still goes to feedparser. Compared on generated feeds.
    spec = FeedSpec("s", "S", "https://news.example/feed", "O")
    rng = random.Random(20261125)
    read_plain = 0
    real = feedparse._plain_rss

    def spy(data: bytes) -> feedparser.FeedParserDict | None:
        nonlocal read_plain
        out = real(data)
        read_plain += out is not None
        return out

    for _ in range(600):
        result = FetchResult("s", spec.url, "ok", body=fuzz_doc(rng))
        with monkeypatch.context() as m:
            m.setattr(feedparse, "_plain_rss", spy)
            fast = feeds.parse_feed(spec, result)
        assert fast == parse_with_feedparser_only(spec, result, monkeypatch), result.body
    assert read_plain > 150  # the plain reader did read a good share of them


@pytest.mark.parametrize("uri", ["https://a.example/x", "http:///x", "https:////x/y", "/rel",
                                 "rel/x", "", "HTTP://A.EXAMPLE", "svn+ssh:///r", "a,b-c.d:///z",
                                 "javascript:alert(1)", "urn:x:1", "1http:///x", "ftp://"])
def test_join_without_base_is_feedparsers(uri: str) -> None:
    from feedparser.urls import _urljoin

    assert feedparse._join_no_base(uri) == _urljoin("", uri)


def test_a_local_feed_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    """AKHBAR_MAX_FEED_BYTES holds for file: feeds too, without reading the file whole."""
    from pipeline.settings import Settings

    small, big = tmp_path / "small.xml", tmp_path / "big.xml"
    small.write_bytes(b"<rss>" + b"x" * 900 + b"</rss>")
    with big.open("wb") as fh:  # 64 MB on paper, sparse on disk
        fh.truncate(64 * 1024 * 1024)
    specs = [FeedSpec("small", "S", small.as_uri(), "O"), FeedSpec("big", "B", big.as_uri(), "O")]
    ok, refused = feeds.fetch_feeds(specs, Settings(max_feed_bytes=1000))
    assert (ok.status, ok.reason, len(ok.body)) == ("ok", None, 911)
    assert (refused.status, refused.reason, refused.body) == ("failed", "too_large", b"")
    assert "1000" in refused.error and str(big) in refused.error
    tracemalloc.start()
    try:
        feeds.read_file_feed(specs[1], max_bytes=1000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024


def test_a_local_feed_that_keeps_coming_is_cut_at_the_limit(tmp_path: Path) -> None:
    """A file whose size is not known ahead (a pipe) is read only up to the limit."""
    import os
    import threading

    pipe = tmp_path / "feed.pipe"
    os.mkfifo(pipe)

    def write() -> None:
        with pipe.open("wb") as fh:
            fh.write(b"x" * 5000)  # fits in the pipe's buffer: never blocks

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    got = feeds.read_file_feed(FeedSpec("p", "P", pipe.as_uri(), "O"), max_bytes=1000)
    writer.join(5)
    assert (got.status, got.reason, got.body) == ("failed", "too_large", b"")
