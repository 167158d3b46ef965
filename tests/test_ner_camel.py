"""The optional CAMeL NER backend: discovery, BIO-to-span mapping, merging with the gazetteer.

The plumbing is tested with a fake recognizer and with a tiny randomly initialised BERT
token-classification model saved in CAMeL's folder layout and loaded through the real
``camel_tools.ner.NERecognizer``. Its labels are noise: nothing here measures NER quality.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipeline import ner_camel
from pipeline.entities import EntityTagger
from pipeline.gazetteer import load_gazetteer
from pipeline.ner_camel import CamelNer, bio_to_spans, load_if_available, model_path
from pipeline.normalize import WORD

REPO = Path(__file__).resolve().parents[1]


def test_bio_tags_become_typed_spans() -> None:
    words = [(0, 3), (4, 9), (10, 14), (15, 19), (20, 24), (25, 30), (31, 35)]
    tags = ["O", "B-PERS", "I-PERS", "B-LOC", "I-ORG", "B-MISC", "I-LOC"]
    assert bio_to_spans(words, tags) == [(4, 14, "PER", 1.0), (15, 19, "LOC", 1.0),
                                         (20, 24, "ORG", 0.7), (31, 35, "LOC", 0.7)]
    assert bio_to_spans(words[:2], ["B-ORG", "I-ORG"]) == [(0, 9, "ORG", 1.0)]
    assert bio_to_spans([], []) == []


def test_no_data_means_no_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMELTOOLS_DATA", str(tmp_path))
    assert ner_camel.data_dir() == tmp_path
    assert model_path() is None
    assert load_if_available(factory=lambda p: pytest.fail("must not load")) is None


def test_a_broken_install_is_logged_not_raised(tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "data" / "ner" / "arabert"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "vocab.txt").write_text("[PAD]\n")
    assert model_path(tmp_path) == folder

    def broken(path: Path) -> CamelNer:
        raise OSError("weights missing")

    assert load_if_available(tmp_path, factory=broken) is None
    assert "could not be loaded: weights missing" in caplog.text


def test_the_catalogue_names_the_model_folder(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "ner" / "arabert-v2"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "vocab.txt").write_text("[PAD]\n")
    assert model_path(tmp_path) is None
    (tmp_path / "catalogue.json").write_text(json.dumps({"components": {
        "NamedEntityRecognition": {"default": "arabert",
                                   "datasets": {"arabert": {"path": "ner/arabert-v2"}}}}}))
    assert model_path(tmp_path) == folder


class FakeRecognizer:
    """Labels the words it is told to, per sentence, like ``NERecognizer.predict``."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels
        self.calls: list[list[list[str]]] = []

    def predict(self, sentences: list[list[str]], batch_size: int = 32) -> list[list[str]]:
        self.calls.append(sentences)
        return [[self.labels.get(w, "O") for w in s] for s in sentences]


def test_spans_map_back_to_the_original_text() -> None:
    text = "قال الباحثُ جون سميثْ إنّ الوضع خطير.\nوزار مدينة بونتا."
    fake = FakeRecognizer({"جون": "B-PERS", "سميثْ": "I-PERS", "بونتا": "B-LOC"})
    spans = CamelNer(fake).spans(text)
    assert [(text[s:e], t) for s, e, t, _ in spans] == [("جون سميثْ", "PER"), ("بونتا", "LOC")]
    assert len(fake.calls[0]) == 2  # one list of words per sentence


def test_long_sentences_are_cut_into_chunks() -> None:
    text = " ".join(["كلمة"] * (ner_camel.MAX_WORDS + 5))
    fake = FakeRecognizer({})
    assert CamelNer(fake).spans(text) == []
    assert [len(s) for s in fake.calls[0]] == [ner_camel.MAX_WORDS, 5]


def test_merging_with_gazetteer_and_pattern_mentions() -> None:
    text = ("وقال وزير الخارجية الهولندي ستيف ديكر إن فلاديمير بوتين التقى "
            "جون سميث في موسكو.")
    fake = FakeRecognizer({"ديكر": "B-PERS", "فلاديمير": "B-PERS", "بوتين": "I-PERS",
                           "جون": "B-PERS", "سميث": "I-PERS", "موسكو": "B-ORG"})
    tagger = EntityTagger(load_gazetteer(), ner=CamelNer(fake))
    got = [(m.text, m.type, m.method, m.canonical) for m in tagger.tag(text)]
    assert got == [("ديكر", "PER", "camel", None),  # replaces the pattern's "ستيف ديكر"
                   ("فلاديمير بوتين", "PER", "gazetteer", "Vladimir Putin"),
                   ("جون سميث", "PER", "camel", None),
                   ("موسكو", "LOC", "gazetteer", "Moscow")]  # the gazetteer wins
    assert tagger.link("وبوتين").en == "Vladimir Putin"
    assert tagger.link("للكرملين").en == "Kremlin"
    assert tagger.link("جون سميث") is None


TINY_MODEL = textwrap.dedent('''
    import json, sys
    from pathlib import Path
    import torch
    from transformers import BertConfig, BertForTokenClassification, BertTokenizer

    base = Path(sys.argv[1])
    folder = base / "data" / "ner" / "arabert"
    folder.mkdir(parents=True)
    labels = ["B-LOC", "B-ORG", "B-PERS", "B-MISC", "I-LOC", "I-ORG", "I-PERS", "I-MISC", "O"]
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهويءأإآةى"
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *letters, *("##" + c for c in letters)]
    (folder / "vocab.txt").write_text("\\n".join(vocab) + "\\n", encoding="utf-8")
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=32,
                        max_position_embeddings=300, num_labels=len(labels),
                        id2label=dict(enumerate(labels)),
                        label2id={l: i for i, l in enumerate(labels)})
    torch.manual_seed(7)
    BertForTokenClassification(config).save_pretrained(folder)
    BertTokenizer(str(folder / "vocab.txt"), do_lower_case=False).save_pretrained(folder)
    # What `camel_data` leaves beside the data: the catalogue camel_tools reads on import.
    (base / "catalogue.json").write_text(json.dumps(
        {"version": "1.6", "packages": {}, "components": {}}))
''')

RUN_TAGGER = textwrap.dedent('''
    import json, sys
    from pipeline.entities import EntityTagger
    from pipeline.gazetteer import load_gazetteer
    from pipeline.ner_camel import load_if_available

    ner = load_if_available()
    text = sys.stdin.read()
    tagger = EntityTagger(load_gazetteer(), ner=ner)
    print(json.dumps({"backend": type(ner.predictor).__module__ if ner else None,
                      "spans": ner.spans(text) if ner else [],
                      "mentions": [m.as_dict() for m in tagger.tag(text)]},
                     ensure_ascii=False))
''')


@pytest.mark.slow
def test_tiny_random_model_in_camel_layout(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    env = {**os.environ, "CAMELTOOLS_DATA": str(tmp_path), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    subprocess.run([sys.executable, "-c", TINY_MODEL, str(tmp_path)], check=True, env=env,
                   capture_output=True, timeout=300)
    text = ("استقبل فلاديمير بوتين كيم جونغ أون في قاعدة فوستوشني الفضائية.\n"
            "وقال الكرملين إن اللقاء مهم.")
    done = subprocess.run([sys.executable, "-c", RUN_TAGGER], input=text, text=True, env=env,
                          capture_output=True, timeout=300, cwd=REPO, check=True)
    out = json.loads(done.stdout)
    assert out["backend"] == "camel_tools.ner"
    bounds = {b for m in WORD.finditer(text) for b in m.span()}
    for start, end, etype, conf in out["spans"]:
        assert start in bounds and end in bounds and etype in ("PER", "ORG", "LOC")
        assert 0 < conf <= 1
    for m in out["mentions"]:
        assert text[m["start"]:m["end"]] == m["text"]
        assert m["method"] in ("gazetteer", "pattern", "camel")
    linked = {m["canonical"] for m in out["mentions"] if m["method"] == "gazetteer"}
    assert linked >= {"Vladimir Putin", "Kim Jong Un", "Vostochny Cosmodrome", "Kremlin"}
