"""The README and `docs/` stay true to the repository they describe.

The README is the front door (at most 150 lines) and everything longer lives in `docs/`; a page
nobody links to is never read, a link that leads nowhere or out of the repository breaks the
moment the reader follows it, and a `make` target or `events-app` command that a page names but
the code no longer has is the most common way documentation goes stale.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from events_app.cli import main
from tests.conftest import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
README_MAX_LINES = 150

FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
URL = re.compile(r"\b(?:https?|ftp)://[^\s`'\"<>()\[\]]*", re.IGNORECASE)
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
INLINE_CODE = re.compile(r"`([^`\n]+)`")
MAKE = re.compile(r"(?:^|[\s;&|(])make\s+([a-z][\w-]*)")
COMMAND = re.compile(r"(?:^|[\s;&|(/])events-app\s+([a-z][\w-]*)")
HOSTS_IN_COMMANDS = {"localhost", "127.0.0.1", "0.0.0.0", "[::1]"}


def _lines_outside_code(text: str) -> Iterator[str]:
    fenced = False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield line


def _code(text: str) -> Iterator[str]:
    """Fenced blocks line by line, and inline code spans: where commands are written."""
    fenced = False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            yield line
        else:
            yield from INLINE_CODE.findall(line)


def _links(text: str) -> list[str]:
    prose = "\n".join(_lines_outside_code(text))
    return INLINE_LINK.findall(prose) + REFERENCE_LINK.findall(prose)


def _slug(heading: str) -> str:
    """The anchor a heading gets on the usual Markdown hosts: lower case, punctuation dropped."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    for line in _lines_outside_code(page.read_text(encoding="utf-8")):
        if match := re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line):
            slug = _slug(match.group(1))
            anchors.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
            seen[slug] = seen.get(slug, 0) + 1
    return anchors


def _is_allowed_host(url: str) -> bool:
    """Local addresses and reserved example domains, as in commands and configuration samples."""
    host = urlsplit(url).netloc.rsplit("@", 1)[-1]
    host = host.split(":")[0] if not host.startswith("[") else host.split("]")[0] + "]"
    if not host or any(mark in host for mark in "<{$…"):
        return True  # a placeholder such as https://<laptop address>:8443 or https://…
    return host.lower() in HOSTS_IN_COMMANDS or "example" in host.lower().split(".")


def _make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", makefile, re.MULTILINE))


def _page_id(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def test_the_docs_folder_has_pages() -> None:
    assert README in PAGES and len(PAGES) > 1


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_every_relative_link_resolves_inside_the_repository(page: Path) -> None:
    broken = []
    for link in _links(page.read_text(encoding="utf-8")):
        if SCHEME.match(link):
            continue
        path, _, anchor = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        if not target.is_relative_to(ROOT) or not target.exists():
            broken.append(f"{link}: no such file in the repository")
        elif anchor and target.suffix == ".md" and anchor not in _anchors(target):
            broken.append(f"{link}: no heading #{anchor} in {_page_id(target)}")
    assert broken == []


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_nothing_links_outside_the_repository(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    outside = [link for link in _links(text) if SCHEME.match(link)]
    outside += [url for url in URL.findall(text) if not _is_allowed_host(url)]
    assert outside == []


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {(README.parent / link.partition("#")[0]).resolve()
              for link in _links(README.read_text(encoding="utf-8")) if not SCHEME.match(link)}
    unlinked = [_page_id(page) for page in PAGES[1:] if page.resolve() not in linked]
    assert unlinked == []


def test_the_readme_stays_a_front_door() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES
    assert "make run" in "\n".join(lines[:10]) and "make test" in "\n".join(lines[:10])


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_make_targets_named_exist_in_the_makefile(page: Path) -> None:
    named = {target for code in _code(page.read_text(encoding="utf-8")) for target in MAKE.findall(code)}
    assert named - _make_targets() == set()


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_events_app_commands_named_exist(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    named = {command for code in _code(page.read_text(encoding="utf-8")) for command in COMMAND.findall(code)}
    missing = []
    for command in sorted(named):
        with pytest.raises(SystemExit) as exited:
            main([command, "--help"])
        if exited.value.code != 0:
            missing.append(command)
    capsys.readouterr()
    assert missing == []


def test_every_setting_in_the_readme_table_is_read_by_the_service() -> None:
    table = set(re.findall(r"^\| `(EVENTS_[A-Z_]+)` \|", README.read_text(encoding="utf-8"), re.MULTILINE))
    read = set(re.findall(r"\"(EVENTS_[A-Z_]+)\"", (ROOT / "events_app" / "settings.py").read_text(encoding="utf-8")))
    assert "EVENTS_DATABASE_URL" in table
    assert table - read == set()


def test_every_folder_in_the_readme_layout_exists() -> None:
    text = README.read_text(encoding="utf-8")
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    parents: list[str] = []
    folders = []
    for line in block.splitlines():
        if match := re.match(r"^( *)(\S+)/(?:\s|$)", line):
            depth = len(match.group(1)) // 2
            parents[depth:] = [match.group(2)]
            folders.append("/".join(parents))
    assert "events_app/services" in folders and "events_app/web" in folders
    assert sorted(folder for folder in set(folders) if folders.count(folder) > 1) == []
    assert [folder for folder in folders if not (ROOT / folder).is_dir()] == []


def test_link_checks_catch_what_they_are_for(tmp_path: Path) -> None:
    """The checks above would pass on an empty list; show they find each kind of fault."""
    sample = ("[up](../shared/DOMAIN.md) [ok](docs/cli.md) [web](https://github.com/x) "
              "see http://127.0.0.1:8000 and https://events.example.ru and https://pypi.org/project/x\n"
              "```sh\nmake run\nEVENTS_X=1 make nosuch\nevents-app serve --tls\n```\n")
    assert _links(sample) == ["../shared/DOMAIN.md", "docs/cli.md", "https://github.com/x"]
    assert [url for url in URL.findall(sample) if not _is_allowed_host(url)] == [
        "https://github.com/x", "https://pypi.org/project/x"]
    assert {target for code in _code(sample) for target in MAKE.findall(code)} == {"run", "nosuch"}
    assert {command for code in _code(sample) for command in COMMAND.findall(code)} == {"serve"}
    assert not (README.parent / "../shared/DOMAIN.md").resolve().is_relative_to(ROOT)
    assert _slug("Site visits, buses and the visitor list") == "site-visits-buses-and-the-visitor-list"
    assert _slug("The `events-app` command") == "the-events-app-command"
