"""Give every cell of the course's notebooks a slide type, so instructors can present them.

RISE (in JupyterLab: Alt+R) and `make slides` (reveal.js HTML) both read
`cell.metadata.slideshow.slide_type`. This tool sets it on every cell by fixed rules, so a
new or edited notebook gets slides with one command and the same notebook always gets the
same slides. It changes no source and no output; running it twice changes nothing.

Sample run::

    $ .venv/bin/python tools/slide_metadata.py notebooks/*.ipynb
    notebooks/00_start_here.ipynb: 8 slides, 9 subslides, 25 cells
    $ .venv/bin/python tools/slide_metadata.py --check notebooks/*.ipynb   # exit 1 if outdated

Rules, in order (the first that applies wins):

1. a cell tagged `slide`, `subslide`, `fragment`, `skip` or `notes` gets that type: the
   author's override (add the tag in JupyterLab's property inspector, then rerun the tool);
2. the first cell, and a markdown cell starting with `# ` or `## `: "slide" (a new section);
3. a markdown cell starting with `### `: "subslide";
4. a markdown cell right after a code cell: "subslide" (new prose is a new idea);
5. any other cell stays on the current slide ("-"): a code cell shares the slide with the
   prose that explains it. But when a cell would make the slide taller than MAX_LINES lines
   (source + text output, wrapped at LINE_WIDTH characters; an image counts as IMAGE_LINES),
   it starts a "subslide" instead, so long scripts and long outputs get a slide of their own.

The notebook's `rise` metadata also gets `scroll: true` (a slide taller than the screen
scrolls instead of being cut), `theme: "white"` (RISE's default theme, "simple", loads
its fonts from the internet) and `start_slideshow_at: "beginning"` (RISE's default starts on
the selected cell's slide, past the cells that set the notebook up), unless the notebook
already says otherwise.
"""

import argparse
import json
import sys
from pathlib import Path

MAX_LINES = 30
LINE_WIDTH = 100  # characters: a longer line wraps and counts as several
IMAGE_LINES = 14
OVERRIDE_TAGS = ("slide", "subslide", "fragment", "skip", "notes")
RISE_DEFAULTS = {
    "scroll": True,
    "theme": "white",  # no fonts from the internet
    "start_slideshow_at": "beginning",  # the first code slide sets the notebook up
}


def text_of(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


def height(text: str) -> int:
    """Lines the text takes on a slide, long lines wrapped at LINE_WIDTH characters."""
    return sum(max(1, -(-len(line) // LINE_WIDTH)) for line in text.splitlines())


def cell_lines(cell: dict) -> int:
    """How many lines a cell takes on a slide: its source plus its text or image outputs."""
    lines = height(text_of(cell["source"])) or 1
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if any(kind.startswith("image/") for kind in data):
            lines += IMAGE_LINES
        elif "text" in output:
            lines += height(text_of(output["text"]))
        elif "text/plain" in data:
            lines += height(text_of(data["text/plain"]))
        elif output.get("output_type") == "error":
            lines += len(output.get("traceback", []))
    return lines


def slide_types(cells: list[dict]) -> list[str]:
    """The slide type of each cell, by the rules in this module's docstring."""
    types: list[str] = []
    height = 0
    for index, cell in enumerate(cells):
        source = text_of(cell["source"]).lstrip()
        is_markdown = cell["cell_type"] == "markdown"
        after_code = index > 0 and cells[index - 1]["cell_type"] == "code"
        tags = [tag for tag in cell.get("metadata", {}).get("tags", []) if tag in OVERRIDE_TAGS]
        lines = cell_lines(cell)
        if tags:
            kind = tags[0]
        elif index == 0 or (is_markdown and source.startswith(("# ", "## "))):
            kind = "slide"
        elif is_markdown and (source.startswith("### ") or after_code):
            kind = "subslide"
        elif height + lines > MAX_LINES:
            kind = "subslide"
        else:
            kind = "-"
        if kind in ("slide", "subslide"):
            height = 0
        if kind not in ("skip", "notes"):
            height += lines
        types.append(kind)
    return types


def apply(notebook: dict) -> dict:
    """A copy of the notebook with slide types set on every cell and RISE scrolling on."""
    result = json.loads(json.dumps(notebook))
    for cell, kind in zip(result["cells"], slide_types(result["cells"])):
        cell.setdefault("metadata", {}).setdefault("slideshow", {})["slide_type"] = kind
    rise = result.setdefault("metadata", {}).setdefault("rise", {})
    for key, value in RISE_DEFAULTS.items():
        rise.setdefault(key, value)
    return result


def dump(notebook: dict) -> str:
    """The notebook as JupyterLab and nbformat write it (so unchanged files stay byte-equal)."""
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def process(path: Path, check: bool) -> bool:
    """Update one notebook (or only compare, with check); True if it was already up to date."""
    text = path.read_text(encoding="utf-8")
    updated = apply(json.loads(text))
    new_text = dump(updated)
    kinds = [cell["metadata"]["slideshow"]["slide_type"] for cell in updated["cells"]]
    summary = (
        f"{kinds.count('slide')} slides, {kinds.count('subslide')} subslides, {len(kinds)} cells"
    )
    if new_text == text:
        print(f"{path}: up to date ({summary})")
        return True
    if check:
        print(f"{path}: slide metadata is missing or outdated: run tools/slide_metadata.py")
    else:
        path.write_text(new_text, encoding="utf-8")
        print(f"{path}: {summary}")
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if outdated")
    args = parser.parse_args(argv)
    up_to_date = [process(path, args.check) for path in args.notebooks]
    return 1 if args.check and not all(up_to_date) else 0


if __name__ == "__main__":
    sys.exit(main())
