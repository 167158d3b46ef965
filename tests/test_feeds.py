"""The feed registry, parsing, and entry extraction rules."""

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline import extract, feeds
from pipeline.records import FeedSpec, FetchResult, RawEntry

REPO = Path(__file__).resolve().parents[1]


def test_shipped_registries_are_valid() -> None:
    real = feeds.load_registry(REPO / "pipeline" / "data" / "feeds.yaml")
    assert len(real) >= 8
    assert all(f.url.startswith("https://") for f in real)
    samples = feeds.load_registry(REPO / "pipeline" / "data" / "samples" / "feeds.yaml")
    assert all(f.url.startswith("file:///") and Path(f.url[7:]).exists() for f in samples)


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
        ("items: []\n", "top-level 'feeds:'"),
        ("feeds: [\n", "not valid YAML"),
    ],
)
def test_registry_errors_name_the_entry_and_field(tmp_path: Path, body: str,
                                                  message: str) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(feeds.RegistryError, match=message):
        feeds.load_registry(path)


def test_canonical_url() -> None:
    assert extract.canonical_url(
        "HTTPS://WWW.Example.COM:443/a/b?utm_source=x&id=3&fbclid=y#top"
    ) == "https://www.example.com/a/b?id=3"
    assert extract.canonical_url("http://example.com") == "http://example.com/"


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
