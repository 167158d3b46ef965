"""Benchmark corpora: the 31k-article ANT corpus, and larger ones derived from it.

A synthetic corpus of any size is streamed, never held whole: the ANT articles first, then
variants drawn from them with a seeded random generator. Variants are exact copies (same
text under a new URL, as syndicated wire copy), edited copies (new title, boilerplate line,
trimmed paragraph, diacritics and tatweel, other quotes and digits: what outlets do to the
same story) and distinct articles (sentences of three stories of one section recombined and
shuffled), so that dedup meets a realistic share of copies. Each variant says what it is
and which article it copies, so dedup's findings can be compared with what was generated.

Two streams. ``recycled`` (the default) copies the ANT stories themselves and recombines
their sentences as they are, so the larger the corpus, the more copies each ANT story has and
the more often each of its sentences comes back. ``fresh`` is a stream whose structure does
not depend on its size, as a monitor's archive grows by new days of news: a distinct article
changes about a third of the words of the sentences it borrows (so it is a new text), and a
copy copies one of the last 5,000 stories, so every story has about the same number of copies
at any size.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from xml.sax.saxutils import escape

# Beside the checkout, as CI has it; AKHBAR_CORPUS_DIR points elsewhere (an exported tree).
CORPUS_DIR = Path(os.environ.get("AKHBAR_CORPUS_DIR")
                  or Path(__file__).resolve().parents[1].parent / "shared" / "corpus")
ANT_PATH = CORPUS_DIR / "ant-v2.1.jsonl.gz"
FULL = 0  # size meaning "the whole ANT corpus, as it is"

# Shares of the variants beyond the base corpus. Media monitors report a third or more of a
# day's articles as copies of another (wire stories carried by several outlets).
EXACT_SHARE = 0.05
EDITED_SHARE = 0.25
STREAMS = ("recycled", "fresh")

_START = datetime(2018, 2, 1, tzinfo=UTC)
_SPAN = timedelta(days=250)
_SENTENCE = re.compile(r"[^.!?؟\n]+[.!?؟]*")
_DIACRITICS = "\u064e\u064f\u0650\u0651\u0652\u064b"
_TATWEEL = "\u0640"
_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_BOILERPLATE = (
    "تابعوا آخر الأخبار عبر تطبيقنا على الهواتف الذكية",
    "اقرأ أيضا: تطورات جديدة في القضية",
    "المصدر: وكالات",
    "(أ ف ب)",
    "شاهد الفيديو في الرابط أدناه",
)
_TITLE_EDITS = ("عاجل: {}", "بالفيديو.. {}", "{} - تقرير", "{} (صور)", "تفاصيل: {}")
_HOSTS = ("bench-a.example.org", "bench-b.example.org", "bench-c.example.org",
          "bench-d.example.org", "bench-e.example.org", "bench-f.example.org")


@dataclass(slots=True)
class BenchArticle:
    """One benchmark article, shaped like an ANT record, with where it came from."""

    id: str
    outlet: str
    category: str
    url: str
    title: str
    summary: str
    text: str
    published: datetime
    kind: str = "original"  # original | exact | edited | distinct
    origin: str | None = None  # the article an exact or edited copy was made from


def parse_size(text: str) -> int:
    """``31k`` is the whole ANT corpus; ``100k``, ``1m``, ``500`` are article counts."""
    value = text.strip().lower()
    if value in ("31k", "ant", "full"):
        return FULL
    scale = {"k": 1_000, "m": 1_000_000}.get(value[-1:], 1)
    number = value[:-1] if scale > 1 else value
    try:
        size = int(float(number) * scale)
    except ValueError as exc:
        raise ValueError(f"not a corpus size: {text!r} (use 31k, 100k, 1m or a number)") from exc
    if size <= 0:
        raise ValueError(f"corpus size must be positive: {text!r}")
    return size


def size_label(size: int, base_len: int) -> str:
    if size == FULL:
        return f"{base_len // 1000}k"
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def load_ant(path: Path = ANT_PATH) -> list[BenchArticle]:
    """Read the ANT corpus (31,429 articles) from its gzipped JSON lines."""
    out: list[BenchArticle] = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            try:
                published = parsedate_to_datetime(rec["published"]).astimezone(UTC)
            except (TypeError, ValueError):
                published = _START
            out.append(BenchArticle(
                id=rec["id"], outlet=rec["outlet"], category=rec["category"], url=rec["url"],
                title=rec["title"] or "", summary=rec.get("abstract") or "",
                text=rec["text"] or "", published=published,
            ))
    return out


class SyntheticCorpus:
    """``size`` articles streamed from the ANT base (see the module docstring); re-iterable.

    ``FULL`` yields the base as it is. A size below the base takes a seeded sample of it as
    originals and fills the rest with variants in the same shares as a large corpus.
    """

    def __init__(self, base: Sequence[BenchArticle], size: int, seed: int = 8,
                 exact_share: float = EXACT_SHARE, edited_share: float = EDITED_SHARE,
                 stream: str = "recycled") -> None:
        if stream not in STREAMS:
            raise ValueError(f"unknown stream {stream!r}: use one of {', '.join(STREAMS)}")
        self.base = base
        self.stream = stream
        self.size = len(base) if size == FULL else size
        self.seed = seed
        self.exact_share, self.edited_share = exact_share, edited_share
        if size == FULL or size >= len(base):
            self.n_original = len(base)
        else:
            self.n_original = max(1, int(size * (1 - exact_share - edited_share)))
        by_category: dict[str, list[int]] = {}
        for i, art in enumerate(base):
            by_category.setdefault(art.category, []).append(i)
        self._by_category = by_category
        self._words: list[str] = []
        if stream == "fresh":
            # The words a distinct article puts in: those of a seeded sample of the base.
            sample = random.Random(seed).sample(range(len(base)), min(2000, len(base)))
            self._words = sorted({w for i in sample for w in base[i].text.split()})

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[BenchArticle]:
        rng = random.Random(self.seed)
        if self.n_original == len(self.base):
            originals: Sequence[BenchArticle] = self.base
        else:
            originals = [self.base[i] for i in sorted(rng.sample(range(len(self.base)),
                                                                 self.n_original))]
        fresh = self.stream == "fresh"
        recent: deque[BenchArticle] = deque(maxlen=5000)  # copies also copy derived articles
        for art in originals:
            if fresh:
                recent.append(art)
            yield art
        copy_share = self.exact_share + self.edited_share
        for i in range(self.size - self.n_original):
            draw = rng.random()
            if draw < copy_share:
                if fresh:
                    source = rng.choice(recent)
                else:
                    source = rng.choice(recent) if recent and rng.random() < 0.3 \
                        else rng.choice(originals)
                if draw < self.exact_share:
                    yield self._exact(rng, source, i)
                else:
                    yield self._edited(rng, source, i)
            else:
                art = self._distinct(rng, i)
                recent.append(art)
                yield art

    def _ident(self, rng: random.Random, i: int, kind: str) -> tuple[str, str]:
        host = rng.choice(_HOSTS)
        return f"bench-{kind}-{self.seed}-{i}", f"https://{host}/news/{kind}/{i}"

    def _exact(self, rng: random.Random, src: BenchArticle, i: int) -> BenchArticle:
        ident, url = self._ident(rng, i, "exact")
        return BenchArticle(ident, rng.choice(_HOSTS), src.category, url, src.title,
                            src.summary, src.text, _shift(rng, src.published), "exact",
                            src.origin or src.id)

    def _edited(self, rng: random.Random, src: BenchArticle, i: int) -> BenchArticle:
        ident, url = self._ident(rng, i, "edited")
        title, text = src.title, src.text
        edits = [e for e in range(5) if rng.random() < 0.45] or [rng.randrange(5)]
        for edit in edits:
            if edit == 0:
                title = rng.choice(_TITLE_EDITS).format(title)
            elif edit == 1:
                line = rng.choice(_BOILERPLATE)
                text = f"{text}\n{line}" if rng.random() < 0.7 else f"{line}\n{text}"
            elif edit == 2:
                text = _trim(text)
            elif edit == 3:
                text = _decorate(rng, text)
            else:
                text = text.replace('"', "«", 1).replace('"', "»", 1).translate(_INDIC)
        summary = text.split("\n", 1)[0][:300]
        return BenchArticle(ident, rng.choice(_HOSTS), src.category, url, title, summary,
                            text, _shift(rng, src.published), "edited", src.origin or src.id)

    def _distinct(self, rng: random.Random, i: int) -> BenchArticle:
        ident, url = self._ident(rng, i, "distinct")
        pool = self._by_category[rng.choice(list(self._by_category))]
        sources = [self.base[rng.choice(pool)] for _ in range(3)]
        sentences: list[str] = []
        for src in sources:
            found = [s.strip() for s in _SENTENCE.findall(src.text) if s.strip()]
            if found:
                sentences.extend(rng.sample(found, max(1, len(found) // 2)))
        if self.stream == "fresh":
            sentences = [self._rewrite(rng, s) for s in sentences]
        rng.shuffle(sentences)
        paragraphs = [" ".join(sentences[j:j + 3]) for j in range(0, len(sentences), 3)]
        text = "\n".join(paragraphs)
        words_a, words_b = sources[0].title.split(), sources[1].title.split()
        title = " ".join(words_a[: len(words_a) // 2 + 1] + words_b[len(words_b) // 2 + 1:])
        published = _START + timedelta(seconds=rng.randrange(int(_SPAN.total_seconds())))
        return BenchArticle(ident, rng.choice(_HOSTS), sources[0].category, url, title,
                            text[:300], text, published, "distinct", None)

    def _rewrite(self, rng: random.Random, sentence: str) -> str:
        """The sentence with about a third of its words replaced by words of the base."""
        words = sentence.split()
        n = len(words) // 3
        if n:
            for pos, word in zip(rng.sample(range(len(words)), n),
                                 rng.choices(self._words, k=n), strict=True):
                words[pos] = word
        return " ".join(words)


def _shift(rng: random.Random, when: datetime) -> datetime:
    """A copy appears minutes to a day after the story it copies."""
    return when + timedelta(minutes=rng.randrange(5, 1440))


def _trim(text: str) -> str:
    """Drop the last paragraph (or, for a one-paragraph text, its last sentence)."""
    paragraphs = text.split("\n")
    if len(paragraphs) >= 3:
        return "\n".join(paragraphs[:-1])
    sentences = _SENTENCE.findall(text)
    return "".join(sentences[:-1]) if len(sentences) > 2 else text


def _decorate(rng: random.Random, text: str) -> str:
    """Add diacritics and tatweel to a few Arabic words, as some outlets write them."""
    words = text.split(" ")
    for _ in range(max(1, len(words) // 15)):
        j = rng.randrange(len(words))
        word = words[j]
        if len(word) > 2 and "\u0621" <= word[1] <= "\u064a":
            mark = _TATWEEL if rng.random() < 0.3 else rng.choice(_DIACRITICS)
            words[j] = word[:2] + mark + word[2:]
    return " ".join(words)


def rss_feed(articles: Sequence[BenchArticle], feed_id: str) -> bytes:
    """An RSS 2.0 document carrying ``articles`` (full text in ``content:encoded``).

    The envelope is generated: the ANT corpus kept no feed XML.
    """
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{escape(feed_id)}</title><link>https://bench.example.org/{feed_id}</link>"
        "<description>generated benchmark feed</description>"
    ]
    for art in articles:
        body = "".join(f"<p>{escape(p)}</p>" for p in art.text.split("\n") if p)
        parts.append(
            f"<item><title>{escape(art.title)}</title><link>{escape(art.url)}</link>"
            f'<guid isPermaLink="false">{escape(art.id)}</guid>'
            f"<pubDate>{format_datetime(art.published)}</pubDate>"
            f"<description>{escape(art.summary)}</description>"
            f"<content:encoded><![CDATA[{body.replace(']]>', ']]&gt;')}]]></content:encoded>"
            "</item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


def batched(items: Iterable[BenchArticle], size: int) -> Iterator[list[BenchArticle]]:
    """Consecutive lists of ``size`` articles (the last one shorter)."""
    batch: list[BenchArticle] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
