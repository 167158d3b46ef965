"""The benchmark suite runs end to end in smoke mode and reports every figure (no timings)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # benchmarks/ sits beside the package, not inside it
    sys.path.insert(0, str(REPO))

from benchmarks.corpus import FULL, SyntheticCorpus, load_ant, parse_size  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "ant-v2.1.jsonl.gz"

pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not present")


def test_sizes_parse() -> None:
    assert parse_size("31k") == FULL
    assert parse_size("100k") == 100_000
    assert parse_size("1m") == 1_000_000
    with pytest.raises(ValueError):
        parse_size("lots")


def test_synthetic_corpus_is_deterministic_and_has_copies() -> None:
    base = load_ant()
    first = list(SyntheticCorpus(base, 600, seed=3))
    second = list(SyntheticCorpus(base, 600, seed=3))
    assert [a.text for a in first] == [a.text for a in second]
    assert len(first) == 600
    kinds = {a.kind for a in first}
    assert {"original", "exact", "edited", "distinct"} <= kinds
    ids = {a.id for a in first}
    # Every copy points at an article present in the same corpus.
    assert all(a.origin in ids for a in first if a.kind in ("exact", "edited"))
    assert len({a.url for a in first}) == 600


def _copies_per_original(base: list, size: int, stream: str) -> float:
    """Copies made of the base's own stories, per base story."""
    originals = {a.id for a in base}
    copies = sum(1 for a in SyntheticCorpus(base, size, seed=5, stream=stream)
                 if a.kind in ("exact", "edited") and a.origin in originals)
    return copies / len(base)


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = text.split()
    return {tuple(words[i:i + 4]) for i in range(len(words) - 3)}


def test_fresh_stream_keeps_its_structure_at_any_size() -> None:
    base = load_ant()[:300]
    # Recycled: the 300 stories take most copies, so each has more the larger the corpus.
    small, large = (_copies_per_original(base, n, "recycled") for n in (4_000, 16_000))
    assert large > 3 * small
    # Fresh: copies go to recent stories, so an old story stops gaining copies.
    small, large = (_copies_per_original(base, n, "fresh") for n in (4_000, 16_000))
    assert large < 1.5 * small
    # A fresh distinct article is a new text: few of its 4-word shingles are in the base.
    base_shingles = set().union(*(_shingles(a.text) for a in base))

    def shared_with_base(stream: str) -> float:
        distinct = [a for a in SyntheticCorpus(base, 600, seed=5, stream=stream)
                    if a.kind == "distinct"]
        shares = [len(_shingles(a.text) & base_shingles) / max(1, len(_shingles(a.text)))
                  for a in distinct]
        return sum(shares) / len(shares)

    assert shared_with_base("recycled") > 0.5
    assert shared_with_base("fresh") < 0.5
    with pytest.raises(ValueError):
        SyntheticCorpus(base, 600, stream="other")


def test_smoke_suite_prints_and_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--smoke", "--json", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for label in ("parse", "extract", "normalize", "load", "search", "dedup", "tag",
                  "load and search index together", "end to end",
                  "peak RSS", "DB bytes / 1,000 articles", "cold_seconds", "all-304_seconds",
                  "normalize_speedup", "tokenize_speedup", "lsh_speedup",
                  "speedup_vs_commit_each", "concurrent_writers", "partitioning",
                  "fetch_shards", "dedup_search_and_tagging", "near_duplicates done after",
                  "search done after"):
        assert label in proc.stdout, f"{label!r} missing from the printed report"
    figures = json.loads(out.read_text())
    assert figures["machine"]["nproc"] >= 1
    size = figures["stages"]["300"]
    assert size["articles"] == 300
    for stage in ("parse", "extract", "normalize", "load", "search", "dedup", "tag"):
        assert size["stages"][stage]["articles"] == 300
        assert size["stages"][stage]["per_second"] > 0
    assert size["end_to_end"]["per_second"] > 0
    assert size["peak_rss_mb"] > 0
    assert size["db"]["article_rows"] > 0 and size["db"]["bytes_per_1000_articles"] > 0
    # Generated copies exist and dedup (exact at load, near in the index) finds some of them.
    assert size["dedup"]["generated_copies"] > 0 and size["dedup"]["copies_found"] > 0
    # The night in the DAG's shape: every article loaded once, deduplicated and tagged.
    night = figures["night"]["300"]
    assert night["workers"] >= 1 and night["end_to_end"]["per_second"] > 0
    assert sum(night["load"].values()) == 300
    assert night["dedup"]["articles"] == night["load"]["new"] + night["load"]["updated"]
    assert night["tagged"]["topics"]["articles"] == night["dedup"]["articles"]
    assert night["tagged"]["search"]["indexed"] == night["dedup"]["articles"]
    assert night["tagged"]["entities"]["mentions"] > 0
    fetch = figures["fetch"]
    assert fetch["cold_client_status"].get("ok") == fetch["feeds"]
    assert fetch["all-304_server"]["answered_304"] == fetch["feeds"]
    base = figures["baselines"]
    assert base["near_duplicates"]["naive_copy_pairs"] > 0
    assert base["loading"]["copy_upsert_rows"] == base["loading"]["articles"]
    assert "writers_2_per_s" in figures["scaleout"]["concurrent_writers"]
