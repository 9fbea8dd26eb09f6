"""The door scanner's own catalogue of words (static/scanner/words.js): both languages complete,
every word the page and its modules ask for present, and the Russian in the markup the same as the
catalogue's (the page shows the markup until the script has run)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from tests.conftest import ROOT

SCANNER = ROOT / "static" / "scanner"
PLACEHOLDER = re.compile(r"\{(\w+)\}")
FORMS = {"ru": 3, "en": 2}  # one/few/many and one/other


def _catalogue() -> dict[str, dict[str, str | list[str]]]:
    source = (SCANNER / "words.js").read_text(encoding="utf-8")
    match = re.search(r"^export const WORDS = (\{.*?^\});$", source, re.MULTILINE | re.DOTALL)
    assert match, "WORDS is one JSON object in words.js"
    words: dict[str, dict[str, str | list[str]]] = json.loads(match.group(1))
    return words


def _placeholders(text: str | list[str]) -> set[str]:
    return set().union(*(PLACEHOLDER.findall(form) for form in ([text] if isinstance(text, str) else text)))


class _MarkedWords(HTMLParser):
    """The data-words (text) and data-words-label (aria-label) keys of scan.html, with the Russian there."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: dict[str, str] = {}
        self.labels: dict[str, str] = {}
        self._open: list[str] = []
        self._text: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if key := found.get("data-words-label"):
            self.labels[key] = found.get("aria-label") or ""
        if key := found.get("data-words"):
            self._open.append(key)
            self._text[key] = []

    def handle_data(self, data: str) -> None:
        for key in self._open:
            self._text[key].append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open and tag in {"p", "h1", "h2", "li", "label", "button", "strong"}:
            key = self._open.pop()
            self.texts[key] = "".join(self._text.pop(key)).strip()


def test_russian_and_english_have_the_same_words_with_the_same_placeholders() -> None:
    words = _catalogue()

    assert sorted(words) == ["en", "ru"]
    assert sorted(words["ru"]) == sorted(words["en"])
    assert {key: (_placeholders(words["ru"][key]), _placeholders(words["en"][key]))
            for key in words["ru"] if _placeholders(words["ru"][key]) != _placeholders(words["en"][key])} == {}
    assert all(text.strip() for language in words.values() for value in language.values()
               for text in ([value] if isinstance(value, str) else value))


def test_counted_phrases_have_every_form_of_their_language() -> None:
    words = _catalogue()
    counted = {key for key, value in words["ru"].items() if isinstance(value, list)}

    assert counted == {key for key, value in words["en"].items() if isinstance(value, list)}
    assert counted, "at least one counted phrase"
    for language, forms in FORMS.items():
        assert {key: len(words[language][key]) for key in counted} == dict.fromkeys(counted, forms)
        assert all("{n}" in form for key in counted for form in words[language][key])


def test_every_word_the_scanner_asks_for_is_in_the_catalogue() -> None:
    words = _catalogue()
    asked: set[str] = set()
    for module in SCANNER.glob("*.js"):
        for line in module.read_text(encoding="utf-8").splitlines():
            asked |= set(re.findall(r'\b(?:t|plural)\(\s*"(\w+)"', line))
            for call in re.findall(r"\bt\((.*)", line):  # the keys a call chooses between: t(closed ? "a_b" : "a")
                asked |= set(re.findall(r'[?:]\s*"(\w+)"', call))
            asked |= set(re.findall(r'\bkey: "(\w+)"', line))  # kept to look up later: { key: "history_sent" }
    asked |= {f"title_{kind}" for kind in ("ok", "warn", "error")}  # the answer's title by its kind

    assert len(asked) > 40
    assert sorted(asked - set(words["ru"])) == []


def test_the_pages_russian_markup_is_the_catalogues_russian() -> None:
    words = _catalogue()["ru"]
    page = _MarkedWords()
    page.feed((ROOT / "templates" / "scan.html").read_text(encoding="utf-8"))

    assert len(page.texts) >= 18 and len(page.labels) >= 3
    assert {key: text for key, text in page.texts.items() if words.get(key) != text} == {}
    assert {key: label for key, label in page.labels.items() if words.get(key) != label} == {}
