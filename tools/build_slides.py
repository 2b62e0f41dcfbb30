"""Build reveal.js HTML slides from the notebooks: for a classroom machine without Jupyter.

Sample run (what `make slides` does; no network needed, then or when presenting)::

    $ .venv/bin/python tools/build_slides.py
    build/slides/00_start_here.html
    build/slides/01_concurrency_models.html
    ...

Open a file in any browser: arrows or space move, Esc shows all slides, S opens speaker notes.
The decks load reveal.js from `build/slides/reveal.js/`, a copy of `tools/reveal.js/` (the
vendored files of the npm package, MIT), and nothing from the internet: the template in
`tools/slides_template/` drops the stock template's CDN scripts (jQuery, require.js, MathJax,
mermaid). Slides follow the cells' slide metadata (set by `tools/slide_metadata.py`) and show
the outputs stored in the notebooks; to run code live on a slide, present with RISE instead.
"""

import shutil
from collections.abc import Iterable
from pathlib import Path

from nbconvert import SlidesExporter

from course.paths import NOTEBOOKS_DIR, REPO_ROOT

TOOLS = REPO_ROOT / "tools"
REVEAL_DIR = TOOLS / "reveal.js"
OUT_DIR = REPO_ROOT / "build" / "slides"


def make_exporter() -> SlidesExporter:
    """nbconvert's slides exporter with the offline template and the local reveal.js."""
    return SlidesExporter(
        extra_template_basedirs=[str(TOOLS)],
        template_name="slides_template",
        reveal_url_prefix="reveal.js",
        reveal_theme="white",
        reveal_transition="none",
        reveal_scroll=True,
    )


def build_slides(notebooks: Iterable[Path], out_dir: Path) -> list[Path]:
    """Write one `NAME.html` per notebook into out_dir, with reveal.js beside them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REVEAL_DIR, out_dir / "reveal.js", dirs_exist_ok=True)
    exporter = make_exporter()
    built = []
    for notebook in notebooks:
        html, _ = exporter.from_filename(str(notebook))
        built.append(out_dir / f"{notebook.stem}.html")
        built[-1].write_text(html, encoding="utf-8")
    return built


def main() -> None:
    for path in build_slides(sorted(NOTEBOOKS_DIR.glob("*.ipynb")), OUT_DIR):
        print(path.relative_to(REPO_ROOT))


if __name__ == "__main__":
    main()
