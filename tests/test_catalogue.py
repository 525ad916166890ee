"""The word catalogues (server/catalogue/<lang>.json): every language says every phrase, with the same
placeholders; every phrase is used; the server and the web client read the same files; another
language is one more file."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from server.catalogue import CATALOGUE_DIR, DEFAULT_LANGUAGE, PLACEHOLDER, catalogue, fill, language, languages
from server.meetings.render import wording
from server.store.meetings import RELATIONS

ROOT = Path(__file__).resolve().parent.parent
WEB_SRC = ROOT / "web" / "src"
PLURAL_FORMS = {"zero", "one", "two", "few", "many", "other"}
# Who reads each section's top-level keys, and how a use looks there.
READERS: dict[str, list[tuple[list[Path], str]]] = {
    "ui": [
        (sorted(WEB_SRC.glob("*.js")), r"\bt\.{key}\b"),
        (sorted((ROOT / "server").rglob("*.py")), 'data-i18n="{key}"'),
    ],
    "board": [(sorted(WEB_SRC.glob("*.js")), r"\bw\.{key}\b")],
    "child": [(sorted(WEB_SRC.glob("*.js")), r"\bc\.{key}\b")],
    "journal": [
        (sorted(WEB_SRC.glob("*.js")), r"\bj\.{key}\b"),
        # The journal's week on a follow-up's board, written by the server when the network is called.
        ([ROOT / "server" / "meetings" / "domain" / "network_links.py"], r"""words\[["']{key}["']\]"""),
    ],
    "people": [([WEB_SRC / "labels.js"], r"\b(?:people|labels)\.{key}\b")],
    "privacy": [(sorted(WEB_SRC.glob("*.js")), r"\bp\.{key}\b")],
    "print": [([ROOT / "server" / "meetings" / "render" / "printing.py"], r"""words\[["']{key}["']\]""")],
    "mail": [
        ([ROOT / "server" / "digest.py"], r"""words\[["']{key}["']\]"""),
        # The one-time links of invitations and resets (server/meetings/http/account.py).
        ([ROOT / "server" / "meetings" / "http" / "account.py"], r"""words\[["']{key}["']\]"""),
    ],
}


def _phrases(words: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    """(path, kind, value) of every phrase: a string, a plural, a list, or a group's members."""
    if isinstance(words, str):
        yield path, "string", words
    elif isinstance(words, list):
        yield path, f"list of {len(words)}", words
    elif isinstance(words, dict) and "other" in words:
        yield path, "plural", words
    elif isinstance(words, dict):
        for key, value in words.items():
            yield from _phrases(value, f"{path}.{key}" if path else key)
    else:
        yield path, f"not a phrase: {type(words).__name__}", words


def _placeholders(phrase: Any) -> set[str]:
    texts = phrase.values() if isinstance(phrase, dict) else phrase if isinstance(phrase, list) else [phrase]
    return {match.group(1) for text in texts for match in PLACEHOLDER.finditer(text)}


def problems(directory: Path) -> list[str]:
    """What is wrong with the catalogues in `directory`, against the default language's."""
    found: list[str] = []
    reference = {path: (kind, value) for path, kind, value in _phrases(catalogue(DEFAULT_LANGUAGE, directory))}
    for lang in languages(directory):
        phrases = {path: (kind, value) for path, kind, value in _phrases(catalogue(lang, directory))}
        found += [f"{lang}: {path} is missing" for path in reference.keys() - phrases.keys()]
        found += [f"{lang}: {path} is not in {DEFAULT_LANGUAGE}" for path in phrases.keys() - reference.keys()]
        for path, (kind, value) in phrases.items():
            if path not in reference:
                continue
            if kind != reference[path][0]:
                found.append(f"{lang}: {path} is a {kind}, in {DEFAULT_LANGUAGE} a {reference[path][0]}")
            if _placeholders(value) != _placeholders(reference[path][1]):
                found.append(f"{lang}: {path} has placeholders {sorted(_placeholders(value))}")
            forms = value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
            if any("{" in PLACEHOLDER.sub("", form) or "}" in PLACEHOLDER.sub("", form) for form in forms):
                found.append(f"{lang}: {path} has a brace that is not a placeholder")
            if kind == "plural" and (set(value) - PLURAL_FORMS):
                strange = sorted(set(value) - PLURAL_FORMS)
                found.append(f"{lang}: {path} has forms that are no plural category: {strange}")
            if kind == "plural" and any(_placeholders(value) - {"n"} - _placeholders(form) for form in value.values()):
                found.append(f"{lang}: {path} leaves a value out of one of its forms")
    return found


def test_every_language_says_every_phrase_with_the_same_placeholders() -> None:
    assert languages() == ("nl", "en")
    assert problems(CATALOGUE_DIR) == []


def unused(words: dict[str, Any]) -> list[str]:
    """The top-level keys of `words`' sections that no reader of that section uses."""
    found = []
    printed = {path[:2] for path in wording.FROM_SCREEN.values()}  # the record's words from the screen's sections
    for section, readers in READERS.items():
        sources = [(pattern, path.read_text(encoding="utf-8")) for paths, pattern in readers for path in paths]
        for key in words[section]:
            if (section, key) in printed:
                continue
            if not any(re.search(pattern.format(key=re.escape(key)), text) for pattern, text in sources):
                found.append(f"{section}.{key}")
    return found


def test_every_phrase_is_used() -> None:
    words = catalogue(DEFAULT_LANGUAGE)
    assert set(words) == set(READERS)
    assert unused(words) == []
    # The printed record takes these from the screen's sections: it must use them as well.
    printing = (ROOT / "server" / "meetings" / "render" / "printing.py").read_text(encoding="utf-8")
    assert [key for key in wording.FROM_SCREEN if not re.search(rf"""words\[["']{key}["']\]""", printing)] == []


def test_a_phrase_nobody_uses_is_found() -> None:
    words = json.loads(json.dumps(catalogue(DEFAULT_LANGUAGE)))
    words["board"]["neverSaid"] = "Nooit gezegd"
    words["print"]["never_printed"] = "Nooit gedrukt"
    assert unused(words) == ["board.neverSaid", "print.never_printed"]


def test_relations_are_the_stores_and_the_record_names_them_as_the_screen() -> None:
    for lang in languages():
        relations = catalogue(lang)["people"]["relations"]
        assert tuple(relations) == RELATIONS, lang  # every value the store accepts, in the phone's order
        assert wording.RELATIONS[lang] == relations
        assert wording.WORDS[lang]["statuses"] == catalogue(lang)["board"]["statuses"]
    labels_js = (WEB_SRC / "labels.js").read_text(encoding="utf-8")
    assert "Object.keys(people.relations)" in labels_js  # the client's list is the catalogue's too


def test_the_web_client_bundles_every_catalogue() -> None:
    source = (WEB_SRC / "catalogue.js").read_text(encoding="utf-8")
    for lang in languages():
        assert f"import * as {lang} from '../../server/catalogue/{lang}.json'" in source, lang
        for section in ("ui", "board", "child", "people", "journal"):
            assert f"{lang}: {lang}.{section}" in source, (lang, section)


def test_another_language_is_one_more_file(tmp_path: Path) -> None:
    for lang in languages():
        shutil.copy(CATALOGUE_DIR / f"{lang}.json", tmp_path)
    english = catalogue("en")

    def translated(words: Any) -> Any:
        # Every phrase changed, its placeholders kept: what a translator hands in.
        if isinstance(words, str):
            return f"[xx] {words}"
        if isinstance(words, list):
            return [translated(w) for w in words]
        return {key: translated(value) for key, value in words.items()}

    (tmp_path / "xx.json").write_text(json.dumps(translated(english)), encoding="utf-8")
    assert languages(tmp_path) == ("nl", "en", "xx")
    assert catalogue("xx", tmp_path)["ui"]["live"] == "[xx] Connected"
    assert problems(tmp_path) == []

    broken = translated(english)
    del broken["board"]["claim"]
    broken["ui"]["announceWaiting"] = "{name} wacht"  # the room is left out
    broken["ui"]["presence"] = "{n} here"  # one form for every count
    broken["ui"]["unsaved"]["lots"] = "{n}"
    broken["ui"]["sensitiveHidden"]["one"] = "One item is hidden"  # fine: the count is in the words
    broken["child"]["added"] = "Added to {{house}}"
    (tmp_path / "xx.json").write_text(json.dumps(broken), encoding="utf-8")
    catalogue.cache_clear()
    assert set(problems(tmp_path)) == {
        "xx: board.claim is missing",
        "xx: ui.announceWaiting has placeholders ['name']",
        "xx: ui.presence is a string, in nl a plural",
        "xx: ui.unsaved has forms that are no plural category: ['lots']",
        "xx: child.added has a brace that is not a placeholder",
    }


def test_fill_puts_values_in_their_places() -> None:
    assert fill("{name} in {room}", name="Ann", room="Moeder") == "Ann in Moeder"
    assert fill("Added to the {house|lower}.", house="House of worries") == "Added to the house of worries."
    assert fill("{name} and {who}", name="Ann") == "Ann and {who}"  # a missing value stays visible
    assert catalogue("zz") == catalogue(DEFAULT_LANGUAGE)  # an unknown language: the default


def test_pages_and_exports_speak_a_language_only_with_its_catalogue() -> None:
    assert language("en") == "en"
    assert language("de") == DEFAULT_LANGUAGE  # no catalogue: Dutch, as the client falls back too
    assert language(None) == DEFAULT_LANGUAGE
    assert language("../nl") == DEFAULT_LANGUAGE
