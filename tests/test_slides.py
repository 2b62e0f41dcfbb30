"""Slides: every cell has a slide type, the tool that sets them is safe, decks build offline."""

import copy
import json
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from course.paths import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tools"))

from build_slides import build_slides  # noqa: E402
from slide_metadata import apply, main, slide_types  # noqa: E402

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def cell(kind: str, source: str, outputs: list | None = None, tags: list | None = None) -> dict:
    made = {"cell_type": kind, "metadata": {"tags": tags} if tags else {}, "source": source}
    if kind == "code":
        made["outputs"] = outputs or []
    return made


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_every_cell_of_every_notebook_has_a_slide_type(path):
    missing = [
        index
        for index, each in enumerate(load(path)["cells"])
        if each.get("metadata", {}).get("slideshow", {}).get("slide_type") not in SLIDE_TYPES
    ]
    assert not missing, (
        f"cells {missing} of {path.name} have no slide type: "
        f"run .venv/bin/python tools/slide_metadata.py notebooks/{path.name}"
    )


def test_slide_rules_split_sections_and_ideas_and_keep_code_with_its_prose():
    cells = [
        cell("markdown", "# Title\n\nWhat you will learn"),
        cell("markdown", "## Section"),
        cell("code", "x = 1"),
        cell("markdown", "Prose after code: a new idea"),
        cell("code", "print(x)", [{"output_type": "stream", "name": "stdout", "text": "1\n"}]),
        cell("markdown", "### A smaller step"),
        cell("code", "\n".join(f"line_{n} = {n}" for n in range(40))),
        cell("markdown", "Notes for the teacher", tags=["notes"]),
    ]
    expected = ["slide", "slide", "-", "subslide", "-", "subslide", "subslide", "notes"]
    assert slide_types(cells) == expected


def test_a_long_output_starts_a_subslide():
    long_output = [{"output_type": "stream", "name": "stdout", "text": "row\n" * 40}]
    cells = [cell("markdown", "## Section"), cell("code", "x = 1"), cell("code", "x", long_output)]
    assert slide_types(cells) == ["slide", "-", "subslide"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_slide_tool_changes_only_metadata_and_a_second_run_changes_nothing(path):
    notebook = load(path)
    once = apply(copy.deepcopy(notebook))
    assert apply(copy.deepcopy(once)) == once
    for before, after in zip(notebook["cells"], once["cells"]):
        assert before["source"] == after["source"]
        assert before.get("outputs") == after.get("outputs")
        assert after["metadata"]["slideshow"]["slide_type"] in SLIDE_TYPES
    assert once["metadata"]["rise"]["scroll"] is True
    assert once["metadata"]["rise"]["start_slideshow_at"] == "beginning"


def test_slide_tool_check_mode_reports_an_outdated_notebook_and_leaves_it(tmp_path, capsys):
    path = tmp_path / "new.ipynb"
    text = json.dumps({"cells": [cell("markdown", "# New")], "metadata": {}, "nbformat": 4})
    path.write_text(text, encoding="utf-8")
    assert main(["--check", str(path)]) == 1
    assert path.read_text(encoding="utf-8") == text
    assert main([str(path)]) == 0
    assert main(["--check", str(path)]) == 0
    assert "slide metadata is missing" in capsys.readouterr().out


class Resources(HTMLParser):
    """Collects what a page loads: <script src> and <link href> (stylesheets)."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])


def test_slides_build_one_html_per_notebook_that_loads_only_local_files(tmp_path):
    built = build_slides(NOTEBOOKS, tmp_path)
    assert sorted(path.name for path in tmp_path.glob("*.html")) == sorted(
        f"{path.stem}.html" for path in NOTEBOOKS
    )
    for page in built:
        parser = Resources()
        parser.feed(page.read_text(encoding="utf-8"))
        assert "reveal.js/dist/reveal.js" in parser.urls, page.name
        for url in parser.urls:
            assert not url.startswith(("http://", "https://", "//")), f"{page.name} loads {url}"
            assert (tmp_path / url).is_file(), f"{page.name} loads {url}, which is not there"
