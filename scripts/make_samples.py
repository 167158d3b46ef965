"""Build the bundled sample feeds from the ANT corpus (the feed envelopes are generated).

The ANT corpus kept article records, not the original feed XML, so this script wraps real
articles in RSS 2.0 and Atom envelopes, one of them in windows-1256. Run it from the repo
root: ``python scripts/make_samples.py``.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
OUT = REPO / "pipeline" / "data" / "samples"
NOTE = (
    "Generated envelope around real articles from the ANT Corpus v2.1 "
    "(Chouigui, Ben Khiroun and Elayeb, 2017; Apache-2.0)."
)


def parse_date(value: str) -> datetime:
    try:
        dt = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        dt = parsedate_to_datetime(value)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def pick(records: list[dict], outlet: str, ids: list[str], n: int) -> list[dict]:
    chosen = list({r["id"]: r for r in records if r["id"] in ids}.values())
    for r in records:
        if len(chosen) >= n:
            break
        if (
            r["outlet"] == outlet
            and r["id"] not in {c["id"] for c in chosen}
            and len(r["text"]) > 600
            and r.get("abstract")
            and r["category"] in ("internationalNews", "middleEast")
        ):
            chosen.append(r)
    return chosen[:n]


def paragraphs_html(text: str) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in text.split("\n") if p.strip())


def rss(items: list[dict], title: str, link: str, full: bool, encoding: str) -> str:
    out = [
        f'<?xml version="1.0" encoding="{encoding}"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
        f"<!-- {NOTE} -->",
        "<channel>",
        f"<title>{escape(title)}</title>",
        f"<link>{link}</link>",
        "<language>ar</language>",
    ]
    for r in items:
        out += [
            "<item>",
            f"<title>{escape(r['title'])}</title>",
            f"<link>{escape(r['url'])}</link>",
            f'<guid isPermaLink="false">{escape(r["id"])}</guid>',
            f"<pubDate>{format_datetime(parse_date(r['published']))}</pubDate>",
            f"<description>{escape(r.get('abstract') or r.get('summary') or '')}</description>",
        ]
        if full:
            out.append(
                f"<content:encoded><![CDATA[{paragraphs_html(r['text'])}]]></content:encoded>"
            )
        out.append("</item>")
    out += ["</channel>", "</rss>", ""]
    return "\n".join(out)


def atom(items: list[dict], title: str, link: str) -> str:
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ar">',
        f"<!-- {NOTE} -->",
        f"<title>{escape(title)}</title>",
        f'<link href="{link}"/>',
        f"<id>{link}</id>",
        "<updated>2018-10-01T00:00:00Z</updated>",
    ]
    for r in items:
        out += [
            "<entry>",
            f"<title>{escape(r['title'])}</title>",
            f'<link href="{escape(r["url"])}"/>',
            f"<id>{escape(r['url'])}</id>",
            f"<updated>{parse_date(r['published']).isoformat()}</updated>",
            f"<summary>{escape(r.get('abstract') or r.get('summary') or '')}</summary>",
            f'<content type="html">{escape(paragraphs_html(r["text"]))}</content>',
            "</entry>",
        ]
    out += ["</feed>", ""]
    return "\n".join(out)


def main() -> None:
    dev = [json.loads(x) for x in (CORPUS / "dev" / "articles.jsonl").read_text().splitlines()]
    with gzip.open(CORPUS / "ant-v2.1.jsonl.gz", "rt", encoding="utf-8") as fh:
        ant = [json.loads(x) for x in fh]
    by_outlet = {
        o: [r for r in dev + ant if r["outlet"] == o]
        for o in ("Sky News Arabia", "Al Arabiya", "BBC Arabic", "France 24 Arabic")
    }
    korea = [r["id"] for r in dev if r["id"].startswith("ant-")][:12]
    sky = pick(by_outlet["Sky News Arabia"], "Sky News Arabia", korea, 10)
    ara = pick(by_outlet["Al Arabiya"], "Al Arabiya", korea, 10)
    bbc = pick(by_outlet["BBC Arabic"], "BBC Arabic", korea, 8)
    fr = pick(by_outlet["France 24 Arabic"], "France 24 Arabic", korea, 8)
    # A wire copy: the same text as a Sky story, published under another outlet's URL.
    copy = dict(sky[0], url="https://www.france24.com/ar/sample-wire-copy", id="wire-copy")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "skynews-rss.xml").write_text(
        rss(sky, "سكاي نيوز عربية", "https://www.skynewsarabia.com/", True, "utf-8"),
        encoding="utf-8",
    )
    (OUT / "alarabiya-atom.xml").write_text(
        atom(ara, "العربية", "https://www.alarabiya.net/"), encoding="utf-8"
    )
    (OUT / "bbc-windows-1256.xml").write_bytes(
        rss(bbc, "بي بي سي عربي", "https://www.bbc.com/arabic", False, "windows-1256").encode(
            "windows-1256", errors="xmlcharrefreplace"
        )
    )
    (OUT / "france24-rss.xml").write_text(
        rss(fr + [copy], "فرانس 24", "https://www.france24.com/ar/", True, "utf-8"),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
