"""Measure topic tags against hand labels: precision, recall and F1, with the misses by id.

Gold labels are ``{id, topics}`` lines (extra fields such as ``split`` and ``reason`` are
kept for filtering); articles are ``{id, title, text}`` lines, plain or gzipped, so the
labelled ids can be read straight out of the shared corpus file.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.jsonl import iter_file, read_file
from pipeline.topics import Tagger

CORE_TOPICS = ("korean_peninsula", "ukraine_war", "sanctions")


@dataclass(slots=True)
class TopicScore:
    """Counts and rates for one topic (or the micro-average)."""

    topic: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    fp_ids: list[str] = field(default_factory=list)
    fn_ids: list[str] = field(default_factory=list)

    @property
    def measured(self) -> bool:
        """Whether there was anything to find or anything found: else the rates mean nothing.

        The rates below then read 1.0 (nothing to find, nothing found); reports show "n/a".
        """
        return bool(self.tp + self.fp + self.fn)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def rates(self) -> tuple[float, float, float] | None:
        """Precision, recall and F1, or None when nothing was measured."""
        return (self.precision, self.recall, self.f1) if self.measured else None

    def as_dict(self) -> dict[str, Any]:
        rates = self.rates()
        p, r, f1 = (round(x, 4) for x in rates) if rates else (None, None, None)
        return {"topic": self.topic, "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "support": self.tp + self.fn, "precision": p, "recall": r, "f1": f1,
                "false_positives": self.fp_ids, "false_negatives": self.fn_ids}


@dataclass(slots=True)
class Report:
    """Per-topic scores, their micro-average, and how many articles were judged."""

    articles: int
    topics: list[TopicScore]
    micro: TopicScore

    def by_topic(self) -> dict[str, TopicScore]:
        return {t.topic: t for t in self.topics}

    def as_dict(self) -> dict[str, Any]:
        return {"articles": self.articles, "topics": [t.as_dict() for t in self.topics],
                "micro": self.micro.as_dict()}


def score(gold: dict[str, set[str]], predicted: dict[str, set[str]],
          topics: Iterable[str] | None = None) -> Report:
    """Compare predicted topic sets with gold ones over the gold ids."""
    names = list(topics) if topics is not None else sorted(set().union(*gold.values()))
    per = {t: TopicScore(t) for t in names}
    micro = TopicScore("micro")
    for aid in sorted(gold):
        want, got = gold[aid], predicted.get(aid, set())
        for t in names:
            s = per[t]
            if t in want and t in got:
                s.tp += 1
            elif t in got:
                s.fp += 1
                s.fp_ids.append(aid)
            elif t in want:
                s.fn += 1
                s.fn_ids.append(aid)
    for s in per.values():
        micro.tp += s.tp
        micro.fp += s.fp
        micro.fn += s.fn
    return Report(len(gold), list(per.values()), micro)


def read_gold(path: Path | str, split: str | None = None,
              known: Collection[str] | None = None) -> dict[str, set[str]]:
    """Gold topics by id, optionally only the lines whose ``split`` matches.

    With ``known`` (the taxonomy's topic ids), a label outside it is an error naming its
    line: dropped silently, it would turn a typo into a perfect score. So is an id given
    twice in the file, in any split: one line would replace the other's labels, and the
    text read for both would be the last one's.
    """
    gold: dict[str, set[str]] = {}
    allowed = set(known) if known is not None else None
    lines: dict[str, int] = {}
    for number, rec in iter_file(path):
        if rec.get("id") is None:
            if split and rec.get("split") != split:
                continue
            raise ValueError(f"{path}:{number}: an object with an 'id' is required")
        _first_time(lines, str(rec["id"]), path, number)
        if split and rec.get("split") != split:  # a line without a split is in no split
            continue
        labels = rec.get("topics") or []
        if not isinstance(labels, list) or not all(isinstance(t, str) for t in labels):
            raise ValueError(f"{path}:{number}: 'topics' must be a list of topic ids")
        unknown = sorted(set(labels) - allowed) if allowed is not None else []
        if unknown:
            raise ValueError(f"{path}:{number}: not a topic of the taxonomy: "
                             f"{', '.join(unknown)} (its topics: {', '.join(known or ())})")
        gold[str(rec["id"])] = set(labels)
    return gold


def _first_time(lines: dict[str, int], aid: str, path: Path | str, number: int) -> None:
    """Record that ``aid`` is on line ``number``; an id seen on an earlier line is an error."""
    if aid in lines:
        raise ValueError(f"{path}:{number}: id {aid!r} is already on line {lines[aid]}")
    lines[aid] = number


def splits(path: Path | str) -> list[str]:
    """The splits a gold file's lines name, for telling what ``--split`` may be."""
    return sorted({str(rec["split"]) for rec in read_file(path) if rec.get("split")})


def read_articles(path: Path | str, ids: set[str] | None = None) -> dict[str, dict[str, Any]]:
    """Articles by id (``text`` or ``body`` for the body), only ``ids`` when given.

    An id read twice is an error naming both lines: which text was scored would be a guess.
    """
    out: dict[str, dict[str, Any]] = {}
    lines: dict[str, int] = {}
    for number, rec in iter_file(path):
        aid = str(rec.get("id"))
        if ids is None or aid in ids:
            _first_time(lines, aid, path, number)
            out[aid] = rec
    return out


def predict(tagger: Tagger, articles: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """Topic ids the tagger gives to each article."""
    return {aid: {t.topic for t in tagger.tag(a.get("title") or "",
                                               a.get("text") or a.get("body") or "")}
            for aid, a in articles.items()}


def evaluate(tagger: Tagger, gold: dict[str, set[str]], articles: dict[str, dict[str, Any]],
             topics: Iterable[str] | None = None) -> Report:
    """Tag the gold articles and score them.

    Nothing to measure is an error rather than a perfect score: no gold article, a gold
    label or a requested topic the taxonomy does not have, a gold id without its article.
    """
    if not gold:
        raise ValueError("no labelled article to evaluate")
    topics = list(topics) if topics is not None else None  # read twice below
    if topics == []:
        raise ValueError("no topic to evaluate")
    known = [t.id for t in tagger.topics]
    for what, names in (("gold labels", set().union(*gold.values())),
                        ("requested topics", set(topics or ()))):
        unknown = sorted(names - set(known))
        if unknown:
            raise ValueError(f"{what} not in taxonomy {tagger.version}: {', '.join(unknown)} "
                             f"(its topics: {', '.join(known)})")
    missing = sorted(set(gold) - set(articles))
    if missing:
        raise ValueError(f"{len(missing)} labelled ids have no article, e.g. {missing[:3]}")
    if topics is None:
        labelled = set().union(*gold.values()) if gold else set()
        topics = [t.id for t in tagger.topics if t.id in labelled] or list(CORE_TOPICS)
    return score(gold, predict(tagger, {k: articles[k] for k in gold}), topics)


def render(report: Report, title: str = "Topic evaluation") -> Any:
    """A rich table of the report (imported lazily: only the CLI draws tables)."""
    from rich.table import Table

    table = Table(title=f"{title} ({report.articles} articles)")
    for col in ("topic", "support", "TP", "FP", "FN", "precision", "recall", "F1"):
        table.add_column(col, justify="left" if col == "topic" else "right")
    for s in [*report.topics, report.micro]:
        rates = s.rates()
        shown = [f"{x:.3f}" for x in rates] if rates else ["n/a"] * 3
        table.add_row(s.topic, str(s.tp + s.fn), str(s.tp), str(s.fp), str(s.fn), *shown,
                      style="bold" if s is report.micro else None)
    return table


def misses(report: Report) -> list[str]:
    """Lines listing false positives and false negatives by id, per topic."""
    lines = []
    for s in report.topics:
        if s.fp_ids:
            lines.append(f"{s.topic} false positives: {', '.join(s.fp_ids)}")
        if s.fn_ids:
            lines.append(f"{s.topic} false negatives: {', '.join(s.fn_ids)}")
    return lines


# --- entities -------------------------------------------------------------------------------
# Entity labels are ``{id, entities: [{text, type, canonical}]}``. Per article, as sets: a gold
# entity is found when a linked prediction of its type carries its canonical English name, or
# an unlinked prediction of its type has its surface form once both are normalized.

# The dev labels name some entities differently from the gazetteer, whose English names are
# English Wikipedia titles. Label name -> gazetteer name; names that differ only in accents,
# case or dash style ("Erdogan"/"Erdoğan") match without an entry.
ENTITY_LABEL_ALIASES = {
    "US Treasury": "United States Department of the Treasury",
    "US State Department": "United States Department of State",
    "Washington": "Washington, D.C.",
    "New York": "New York City",
    "Kremlin": "Moscow Kremlin",
    "AFP": "Agence France-Presse",
    "Russian Foreign Ministry": "Ministry of Foreign Affairs (Russia)",
    "Turkish Foreign Ministry": "Ministry of Foreign Affairs (Turkey)",
    "Ukrainian Security Service (SBU)": "Security Service of Ukraine",
    "UN Human Rights Council": "United Nations Human Rights Council",
    "Arab Coalition": "Saudi-led intervention in the Yemeni civil war",
    "Esperance de Tunis": "Espérance Sportive de Tunis",
    "Etoile du Sahel": "Étoile Sportive du Sahel",
    "Pyeongchang": "Pyeongchang County",
    "Punggye-ri": "Punggye-ri Nuclear Test Site",
    "Daimler": "Daimler AG",
    "Gaza": "Gaza Strip",
    "Russian Defence Ministry": "Ministry of Defence (Russia)",
    "Russian Defense Ministry": "Ministry of Defence (Russia)",
    "Russian Ministry of Defence": "Ministry of Defence (Russia)",
    "Russian Ministry of Foreign Affairs": "Ministry of Foreign Affairs (Russia)",
    "Ukrainian Foreign Ministry": "Ministry of Foreign Affairs of Ukraine",
    "Ukrainian Defence Ministry": "Ministry of Defence (Ukraine)",
    "Ukrainian Defense Ministry": "Ministry of Defence (Ukraine)",
    "Chinese Foreign Ministry": "Ministry of Foreign Affairs of the People's Republic of China",
    "Chinese Defence Ministry": "Ministry of National Defense of the People's Republic of China",
    "Chinese Defense Ministry": "Ministry of National Defense of the People's Republic of China",
    "Chinese Commerce Ministry": "Ministry of Commerce of the People's Republic of China",
    "Chinese Ministry of Commerce": "Ministry of Commerce of the People's Republic of China",
    "Iranian Foreign Ministry": "Ministry of Foreign Affairs (Iran)",
    "Iranian Defence Ministry": "Ministry of Defence and Armed Forces Logistics",
    "Iranian Defense Ministry": "Ministry of Defence and Armed Forces Logistics",
    "Turkish Defence Ministry": "Ministry of National Defense (Turkey)",
    "Turkish Defense Ministry": "Ministry of National Defense (Turkey)",
    "Israeli Foreign Ministry": "Ministry of Foreign Affairs (Israel)",
    "Israeli Defence Ministry": "Ministry of Defense (Israel)",
    "Israeli Defense Ministry": "Ministry of Defense (Israel)",
    "Israeli Prime Minister's Office": "Prime Minister's Office (Israel)",
    "Saudi Foreign Ministry": "Ministry of Foreign Affairs (Saudi Arabia)",
    "Saudi Defence Ministry": "Ministry of Defense (Saudi Arabia)",
    "Saudi Defense Ministry": "Ministry of Defense (Saudi Arabia)",
    "Saudi Interior Ministry": "Ministry of Interior (Saudi Arabia)",
    "Egyptian Foreign Ministry": "Ministry of Foreign Affairs (Egypt)",
    "Egyptian Interior Ministry": "Ministry of Interior (Egypt)",
    "Emirati Foreign Ministry": "Ministry of Foreign Affairs (United Arab Emirates)",
    "UAE Foreign Ministry": "Ministry of Foreign Affairs (United Arab Emirates)",
    "Qatari Foreign Ministry": "Ministry of Foreign Affairs (Qatar)",
    "Jordanian Foreign Ministry": "Ministry of Foreign Affairs (Jordan)",
    "Iraqi Foreign Ministry": "Ministry of Foreign Affairs (Iraq)",
    "Iraqi Defence Ministry": "Ministry of Defence (Iraq)",
    "Iraqi Defense Ministry": "Ministry of Defence (Iraq)",
    "Iraqi Interior Ministry": "Ministry of Interior (Iraq)",
    "Syrian Foreign Ministry": "Ministry of Foreign Affairs and Expatriates (Syria)",
    "Syrian Defence Ministry": "Ministry of Defense (Syria)",
    "Syrian Defense Ministry": "Ministry of Defense (Syria)",
    "Syrian Interior Ministry": "Ministry of Interior (Syria)",
    "Lebanese Foreign Ministry": "Ministry of Foreign Affairs and Emigrants (Lebanon)",
    "Algerian Foreign Ministry": "Ministry of Foreign Affairs (Algeria)",
    "Algerian Defence Ministry": "Ministry of National Defence (Algeria)",
    "Moroccan Foreign Ministry": "Ministry of Foreign Affairs (Morocco)",
    "Tunisian Foreign Ministry": "Ministry of Foreign Affairs (Tunisia)",
    "Kuwaiti Foreign Ministry": "Ministry of Foreign Affairs (Kuwait)",
    "Omani Foreign Ministry": "Ministry of Foreign Affairs (Oman)",
    "Bahraini Foreign Ministry": "Ministry of Foreign Affairs (Bahrain)",
    "Sudanese Foreign Ministry": "Ministry of Foreign Affairs (Sudan)",
    "Pakistani Foreign Ministry": "Ministry of Foreign Affairs (Pakistan)",
    "Indian Foreign Ministry": "Ministry of External Affairs (India)",
    "North Korean Foreign Ministry": "Ministry of Foreign Affairs (North Korea)",
    "North Korean Defence Ministry": "Ministry of National Defence (North Korea)",
    "North Korean Defense Ministry": "Ministry of National Defence (North Korea)",
    "South Korean Foreign Ministry": "Ministry of Foreign Affairs (South Korea)",
    "South Korean Defence Ministry": "Ministry of National Defense (South Korea)",
    "South Korean Defense Ministry": "Ministry of National Defense (South Korea)",
    "Japanese Foreign Ministry": "Ministry of Foreign Affairs (Japan)",
    "Japanese Defence Ministry": "Ministry of Defense (Japan)",
    "Japanese Defense Ministry": "Ministry of Defense (Japan)",
    "British Foreign Office": "Foreign, Commonwealth and Development Office",
    "UK Foreign Office": "Foreign, Commonwealth and Development Office",
    "British Foreign Ministry": "Foreign, Commonwealth and Development Office",
    "British Defence Ministry": "Ministry of Defence (United Kingdom)",
    "British Ministry of Defence": "Ministry of Defence (United Kingdom)",
    "UK Ministry of Defence": "Ministry of Defence (United Kingdom)",
    "British Home Office": "Home Office",
    "UK Home Office": "Home Office",
    "French Foreign Ministry": "Ministry for Europe and Foreign Affairs",
    "French Defence Ministry": "Ministry of the Armed Forces (France)",
    "French Defense Ministry": "Ministry of the Armed Forces (France)",
    "French Interior Ministry": "Ministry of the Interior (France)",
    "German Foreign Ministry": "Federal Foreign Office",
    "German Foreign Office": "Federal Foreign Office",
    "German Defence Ministry": "Federal Ministry of Defence (Germany)",
    "German Defense Ministry": "Federal Ministry of Defence (Germany)",
    "Polish Foreign Ministry": "Ministry of Foreign Affairs (Poland)",
    "Russian Finance Ministry": "Ministry of Finance (Russia)",
    "Russian Emergencies Ministry": "Ministry of Emergency Situations (Russia)",
    "Russian Emergency Situations Ministry": "Ministry of Emergency Situations (Russia)",
    "US Defense Department": "United States Department of Defense",
    "US Department of Defense": "United States Department of Defense",
    "US Department of State": "United States Department of State",
    "State Department": "United States Department of State",
    "Pentagon": "The Pentagon",
    "US Army": "United States Armed Forces",
    "US military": "United States Armed Forces",
    "US Armed Forces": "United States Armed Forces",
    "Syrian Army": "Syrian Arab Army",
    "Egyptian Army": "Egyptian Armed Forces",
    "Turkish Army": "Turkish Armed Forces",
    "Lebanese Army": "Lebanese Armed Forces",
    "Iranian Army": "Islamic Republic of Iran Army",
    "South Korean military": "Republic of Korea Armed Forces",
    "South Korean Army": "Republic of Korea Armed Forces",
    "Jordanian Army": "Jordanian Armed Forces",
    "Algerian Army": "People's National Army (Algeria)",
    "French Army": "French Armed Forces",
    "German Army": "Bundeswehr",
    "Turkish intelligence": "National Intelligence Organization (Turkey)",
    "Ukrainian military intelligence": "Main Directorate of Intelligence (Ukraine)",
    "HUR": "Main Directorate of Intelligence (Ukraine)",
    "GUR": "Main Directorate of Intelligence (Ukraine)",
    "SVR": "Foreign Intelligence Service (Russia)",
    "E3": "EU three",
    "E3 countries": "EU three",
    "European troika": "EU three",
    "Hayat Tahrir al-Sham": "Hay'at Tahrir al-Sham",
    "HTS": "Hay'at Tahrir al-Sham",
    "Kataib Hezbollah": "Kata'ib Hezbollah",
    "JNIM": "Jama'at Nasr al-Islam wal-Muslimin",
    "UNIFIL": "United Nations Interim Force in Lebanon",
    "Tyre": "Tyre, Lebanon",
    "Anchorage": "Anchorage, Alaska",
    "Kerem Shalom": "Kerem Shalom crossing",
    "Rafah crossing": "Rafah Border Crossing",
    "Nuseirat": "Nuseirat Camp",
    "Nuseirat refugee camp": "Nuseirat Camp",
    "Zamzam camp": "Zamzam refugee camp",
    "Jenin camp": "Jenin refugee camp",
    "Fordow": "Fordow Fuel Enrichment Plant",
    "Arak heavy water reactor": "IR-40",
    "Shadow fleet": "Russian shadow fleet",
    "Quad": "Quadrilateral Security Dialogue",
    "IEA": "International Energy Agency",
    "Polisario": "Polisario Front",
    "M23": "March 23 Movement",
    "TPLF": "Tigray People's Liberation Front",
    "Tigray": "Tigray Region",
    "Khan Younis": "Khan Yunis",
    "Fatemiyoun": "Liwa Fatemiyoun",
    "ASML": "ASML Holding",
    "Dahiyeh": "Dahieh",
    "CENTCOM": "United States Central Command",
    "US Central Command": "United States Central Command",
    "Israeli police": "Israel Police",
    "Israeli Police": "Israel Police",
    "Iranian parliament": "Islamic Consultative Assembly",
    "Iranian Parliament": "Islamic Consultative Assembly",
    "Turkish parliament": "Grand National Assembly of Turkey",
    "Turkish Parliament": "Grand National Assembly of Turkey",
    "Egyptian parliament": "House of Representatives (Egypt)",
    "Egyptian Parliament": "House of Representatives (Egypt)",
    "Egyptian House of Representatives": "House of Representatives (Egypt)",
    "Lebanese parliament": "Parliament of Lebanon",
    "Lebanese Parliament": "Parliament of Lebanon",
    "Syrian parliament": "People's Assembly of Syria",
    "Israeli parliament": "Knesset",
    "South Korean parliament": "National Assembly (South Korea)",
    "South Korean National Assembly": "National Assembly (South Korea)",
    "Japanese parliament": "National Diet",
    "Japanese Diet": "National Diet",
    "Algerian parliament": "People's National Assembly",
    "Moroccan parliament": "Parliament of Morocco",
    "Russian General Staff": "General Staff of the Armed Forces of the Russian Federation",
    "Rosgvardiya": "National Guard of Russia",
    "Russian National Guard": "National Guard of Russia",
    "Egyptian intelligence": "General Intelligence Directorate (Egypt)",
    "Egyptian General Intelligence": "General Intelligence Directorate (Egypt)",
    "Jordanian intelligence": "General Intelligence Directorate (Jordan)",
    "Saudi intelligence": "General Intelligence Presidency",
    "Gaza Ministry of Health": "Gaza Health Ministry",
    "Health Ministry in Gaza": "Gaza Health Ministry",
    "Palestinian Red Crescent": "Palestine Red Crescent Society",
    "US Department of Energy": "United States Department of Energy",
    "US Energy Department": "United States Department of Energy",
    "UK Treasury": "HM Treasury",
    "British Treasury": "HM Treasury",
    "Ukrainian presidency": "Office of the President of Ukraine",
    "Ukrainian Presidential Office": "Office of the President of Ukraine",
    "South Korean presidency": "Office of the President (South Korea)",
    "South Korean presidential office": "Office of the President (South Korea)",
    "French presidency": "Élysée Palace",
    "Elysee": "Élysée Palace",
    "Russian presidency": "Moscow Kremlin",
    "Brookings": "Brookings Institution",
    "Brookings Institute": "Brookings Institution",
    "RAND": "RAND Corporation",
    "Rand Corporation": "RAND Corporation",
    "CFR": "Council on Foreign Relations",
    "Washington Institute": "Washington Institute for Near East Policy",
    "Carnegie Moscow Center": "Carnegie Russia Eurasia Center",
    "RUSI": "Royal United Services Institute",
    "IISS": "International Institute for Strategic Studies",
    "ECFR": "European Council on Foreign Relations",
    "SWP": "German Institute for International and Security Affairs",
    "Kiel Institute": "Kiel Institute for the World Economy",
    "IFRI": "French Institute of International Relations",
    "Ifri": "French Institute of International Relations",
    "Bruegel": "Bruegel (institution)",
    "Crisis Group": "International Crisis Group",
    "Asan Institute": "Asan Institute for Policy Studies",
    "KINU": "Korea Institute for National Unification",
    "KIDA": "Korea Institute for Defense Analyses",
    "Valdai Club": "Valdai Discussion Club",
    "Baker Institute": "Baker Institute for Public Policy",
    "Quincy Institute": "Quincy Institute for Responsible Statecraft",
    "Harvard": "Harvard University",
    "Oxford University": "University of Oxford",
    "Cambridge University": "University of Cambridge",
    "LSE": "London School of Economics",
    "SOAS": "SOAS University of London",
    "Sorbonne": "Sorbonne University",
    "MGIMO": "Moscow State Institute of International Relations",
    "Gunvor": "Gunvor Group",
    "Raytheon": "RTX Corporation",
    "Raytheon Technologies": "RTX Corporation",
    "Statoil": "Equinor",
    "Qatar Petroleum": "QatarEnergy",
    "Libya's National Oil Corporation": "National Oil Corporation",
    "National Oil Corporation (Libya)": "National Oil Corporation",
    "SOMO": "State Organization for Marketing of Oil",
    "CNPC": "China National Petroleum Corporation",
    "SMIC": "Semiconductor Manufacturing International Corporation",
    "Visa": "Visa Inc.",
    "Tether": "Tether (cryptocurrency)",
    "MSC": "Mediterranean Shipping Company",
    "COSCO": "COSCO Shipping",
    "AD Ports": "AD Ports Group",
    "KAI": "Korea Aerospace Industries",
    "UN Command": "United Nations Command",
    "USFK": "United States Forces Korea",
    "EBRD": "European Bank for Reconstruction and Development",
}


def fold_name(name: str) -> str:
    """An English name compared without accents, case, dashes or hyphens: "Choe Son-hui"
    and "Choe Son Hui" are one romanization written two ways."""
    import unicodedata

    name = ENTITY_LABEL_ALIASES.get(name, name)
    name = unicodedata.normalize("NFKD", re.sub(r"[-–—]", " ", name))
    return " ".join("".join(c for c in name if not unicodedata.combining(c)).casefold().split())


def fold_surface(text: str) -> str:
    """A surface form compared after normalization (hashtag underscores are spaces)."""
    from pipeline.normalize import normalize_inline

    return normalize_inline(text.replace("_", " "))


@dataclass(slots=True)
class EntityScore:
    """Entity counts for one type (or all): recall over gold, precision over predictions."""

    type: str
    gold: int = 0
    found: int = 0
    predicted: int = 0
    correct: int = 0
    missed: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "gold": self.gold, "found": self.found,
                "predicted": self.predicted, "correct": self.correct,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4), "missed": self.missed}


def _entity_key(e: dict[str, Any]) -> tuple[str, str, str]:
    if e.get("id") or (e.get("canonical") and "id" not in e):
        return (e["type"], "name", fold_name(e["canonical"]))
    return (e["type"], "surface", fold_surface(e["text"]))


def score_entities(gold: dict[str, list[dict[str, Any]]],
                   predicted: dict[str, list[dict[str, Any]]]) -> dict[str, EntityScore]:
    """Per-type and overall (``all``) entity scores over the gold ids."""
    scores = {t: EntityScore(t) for t in ("PER", "ORG", "LOC", "all")}
    for aid in sorted(gold):
        preds = {_entity_key(p) for p in predicted.get(aid, [])}
        names = {k for k in preds if k[1] == "name"}
        surfaces = {k for k in preds if k[1] == "surface"}
        gold_keys: set[tuple[str, str, str]] = set()
        for g in gold[aid]:
            key = (g["type"], fold_name(g["canonical"]), fold_surface(g["text"]))
            if key[:2] in {k[:2] for k in gold_keys}:
                continue  # the same entity labelled twice (two spellings)
            gold_keys.add(key)
            hit = (g["type"], "name", key[1]) in names or \
                (g["type"], "surface", key[2]) in surfaces
            for t in (g["type"], "all"):
                scores[t].gold += 1
                scores[t].found += hit
                if not hit:
                    scores[t].missed.append(f"{aid}: {g['text']} ({g['canonical']})")
        for p in preds:
            ok = any(p[0] == g[0] and p[2] == (g[1] if p[1] == "name" else g[2])
                     for g in gold_keys)
            for t in (p[0], "all"):
                scores[t].predicted += 1
                scores[t].correct += ok
    return scores


def read_entity_gold(path: Path | str, split: str | None = None
                     ) -> dict[str, list[dict[str, Any]]]:
    """Gold entities by id, optionally only the lines whose ``split`` matches (an id given
    twice in the file is an error, as in :func:`read_gold`)."""
    gold: dict[str, list[dict[str, Any]]] = {}
    lines: dict[str, int] = {}
    for number, rec in iter_file(path):
        _first_time(lines, str(rec.get("id")), path, number)
        if not split or rec.get("split") == split:
            gold[str(rec.get("id"))] = list(rec.get("entities") or [])
    return gold


def evaluate_entities(gold: dict[str, list[dict[str, Any]]],
                      articles: dict[str, dict[str, Any]],
                      tagger: Any = None) -> dict[str, EntityScore]:
    """Tag the gold articles with the entity tagger and score them per type."""
    from pipeline.entities import default_tagger

    missing = sorted(set(gold) - set(articles))
    if missing:
        raise ValueError(f"{len(missing)} labelled ids have no article, e.g. {missing[:3]}")
    tagger = tagger or default_tagger()
    predicted = {aid: tagger.tag_record({"title": articles[aid].get("title"),
                                         "text": articles[aid].get("text")
                                         or articles[aid].get("body")})
                 for aid in gold}
    return score_entities(gold, predicted)


def render_entities(scores: dict[str, EntityScore], title: str = "Entity evaluation") -> Any:
    """A rich table of entity scores per type."""
    from rich.table import Table

    table = Table(title=title)
    for col in ("type", "gold", "found", "predicted", "correct", "precision", "recall", "F1"):
        table.add_column(col, justify="left" if col == "type" else "right")
    for s in scores.values():
        table.add_row(s.type, str(s.gold), str(s.found), str(s.predicted), str(s.correct),
                      f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}",
                      style="bold" if s.type == "all" else None)
    return table
