"""Rebuild ``variants.jsonl`` and ``derived_pairs.jsonl`` from the ANT corpus (deterministic).

Each base article gets one edited copy (the edits outlets make to wire copy) or, for the
synthetic hard negatives, another story's lead over its own background paragraphs. Run from
the repository root: ``.venv/bin/python tests/data/dedup/build_variants.py``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parents[2].parent / "shared" / "corpus" / "ant-v2.1.jsonl.gz"
SEED = 4242
EDITS = [
    "new_title", "boilerplate", "trim_last", "diacritics_tatweel", "quotes_digits",
    "lead_only", "combined",
]
PER_EDIT = 8
NEGATIVES = 10
HARAKAT = "\u064e\u064f\u0650\u0651\u0652\u064b"
INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n") if p.strip()]


def decorate(word: str, rng: random.Random) -> str:
    if not re.fullmatch(r"[\u0621-\u064a]{3,}", word):
        return word
    chars = list(word)
    out = []
    for i, ch in enumerate(chars):
        out.append(ch)
        if rng.random() < 0.35:
            out.append(rng.choice(HARAKAT))
        if i == 1 and rng.random() < 0.2 and ch not in "اأإآدذرزوؤة":
            out.append("ـــ")
    return "".join(out)


def edit(base: dict, kind: str, rng: random.Random) -> tuple[str, str]:
    paras = paragraphs(base["text"])
    title = base["title"]
    if kind == "new_title":
        return "عاجل: " + " ".join(title.split()[::-1][:6]), "\n".join(paras)
    if kind == "boilerplate":
        body = ["بيروت (أ ف ب) - " + paras[0], *paras[1:]]
        body.insert(min(2, len(body)), "اقرأ أيضا: " + "تطورات جديدة في القضية")
        body += ["-----------------",
                 "يمكنكم تسلم إشعارات بأهم الموضوعات بعد تحميل أحدث نسخة من تطبيقنا.",
                 "فرانس24/ أ ف ب"]
        return title, "\n".join(body)
    if kind == "trim_last":
        keep = max(1, len(paras) - (2 if len(paras) > 6 else 1))
        return title, "\n".join(paras[:keep])
    if kind == "diacritics_tatweel":
        body = "\n".join(" ".join(decorate(w, rng) for w in p.split(" ")) for p in paras)
        return title, body
    if kind == "quotes_digits":
        body = "\n".join(paras)
        body = re.sub(r'"([^"\n]{1,80})"', r"«\1»", body).translate(INDIC)
        return title, body
    if kind == "lead_only":
        lead = paras[0] if len(paras[0].split()) >= 40 else " ".join(paras[:2])
        return title, lead
    # combined: new title, dateline, trimmed ending, diacritics on a third of the words
    keep = paras[: max(1, len(paras) - 1)]
    keep[0] = "القاهرة (رويترز) - " + keep[0]
    body = "\n".join(
        " ".join(decorate(w, rng) if rng.random() < 0.33 else w for w in p.split(" "))
        for p in keep
    )
    return "تقرير: " + title, body


def main() -> None:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    labelled = set()
    for line in (HERE / "corpus_pairs.jsonl").open(encoding="utf-8"):
        pair = json.loads(line)
        labelled.update((pair["a"], pair["b"]))
    urls: dict[str, int] = {}
    for r in rows:
        urls[r["url"]] = urls.get(r["url"], 0) + 1
    pool = [
        r for r in rows
        if r["id"] not in labelled and urls[r["url"]] == 1 and len(paragraphs(r["text"])) >= 4
        and 1200 <= len(r["text"]) <= 6000
    ]
    rng = random.Random(SEED)
    bases = rng.sample(pool, PER_EDIT * len(EDITS) + NEGATIVES)
    variants, pairs = [], []
    for i, base in enumerate(bases[: PER_EDIT * len(EDITS)]):
        kind = EDITS[i % len(EDITS)]
        title, text = edit(base, kind, random.Random(f"{SEED}:{base['id']}"))
        vid = f"{base['id']}~{kind}"
        variants.append({"id": vid, "title": title, "text": text, "published": base["published"],
                         "derived_from": base["id"], "edit": kind})
        pairs.append({"a": base["id"], "b": vid, "label": "copy", "edit": kind})
    # Synthetic hard negatives: the lead of another story of the same section and week over
    # the base's background paragraphs -- a new development told on yesterday's background.
    by_section: dict[str, list[dict]] = {}
    for r in rows:
        by_section.setdefault(r["category"], []).append(r)
    for base in bases[PER_EDIT * len(EDITS):]:
        day = base["id"].rsplit("-", 1)[1]
        others = [r for r in by_section[base["category"]]
                  if r["id"] != base["id"] and r["id"].rsplit("-", 1)[1][:6] == day[:6]
                  and r["outlet"] == base["outlet"] and r["id"] not in labelled]
        other = random.Random(f"{SEED}:neg:{base['id']}").choice(others)
        paras = paragraphs(base["text"])
        text = "\n".join([paragraphs(other["text"])[0], *paras[1:]])
        vid = f"{base['id']}~new_lead"
        variants.append({"id": vid, "title": other["title"], "text": text,
                         "published": base["published"], "derived_from": base["id"],
                         "edit": f"new_lead_from:{other['id']}"})
        pairs.append({"a": base["id"], "b": vid, "label": "distinct", "edit": "new_lead"})
    for pair in pairs:
        digest = hashlib.sha1(f"{pair['a']}|{pair['b']}".encode()).hexdigest()
        pair["split"] = "tune" if int(digest, 16) % 2 == 0 else "heldout"
    with (HERE / "variants.jsonl").open("w", encoding="utf-8") as out:
        for v in variants:
            out.write(json.dumps(v, ensure_ascii=False) + "\n")
    with (HERE / "derived_pairs.jsonl").open("w", encoding="utf-8") as out:
        for p in pairs:
            out.write(json.dumps(p, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
