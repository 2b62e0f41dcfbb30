"""In a real browser: JupyterLab runs notebook 01's spinner live and draws its frames in place.

Starts JupyterLab (no token, 127.0.0.1, a free port) on a copy of the notebooks, drives
Debian's Chromium with Playwright, runs the cell that runs spinner_thread.py, and samples
the cell's output while the script runs: every sample shows at most one spinner frame (the
`\\r` frames redraw one line), the frame changes over time, and `Answer: 42` arrives.
Screenshots go to build/browser/. Also: a RISE slideshow starts on the first slide without
JupyterLab's "Click to add a cell." bar, and every slide of `make slides` is readable whole.
Skipped, with a reason, where Chromium is not installed.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from course.paths import NOTEBOOKS_DIR, REPO_ROOT
from flagserver import free_port, stop_process

sys.path.insert(0, str(REPO_ROOT / "tools"))
from build_slides import build_slides  # noqa: E402  (tools/ is not a package)

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
NOTEBOOK = "01_concurrency_models.ipynb"
SCREENSHOTS = REPO_ROOT / "build" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FRAME = re.compile(r"([\\|/-]) thinking!")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"no Chromium at {CHROMIUM}: install it (Debian/Ubuntu: sudo apt-get install -y "
        "chromium) or point $CHROMIUM at a Chromium binary",
    ),
]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"jupyter lab did not answer at {url} within {timeout:g} s")


@pytest.fixture(scope="module")
def lab_url(tmp_path_factory):
    """JupyterLab on a free port, serving a copy of notebooks/ (autosave cannot touch ours)."""
    home = tmp_path_factory.mktemp("lab")
    shutil.copytree(REPO_ROOT / "notebooks", home / "notebooks")
    port = free_port()
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1",
        f"--port={port}", "--ServerApp.token=", "--ServerApp.password=",
        f"--ServerApp.root_dir={home / 'notebooks'}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(home / "runtime")}
    log = (home / "lab.log").open("w")
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/api", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(process, timeout=15)
        log.close()


@pytest.fixture
def browser_page():
    """A Chromium tab (1280x900), closed after the test."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        try:
            yield page
        finally:
            browser.close()


@pytest.fixture
def page(lab_url, browser_page):
    return browser_page


def code_cell(page, text: str):
    cells = page.locator(".jp-Notebook .jp-CodeCell").filter(has_text=text)
    assert cells.count() == 1, f"expected one code cell containing {text!r}"
    return cells.first


def run_cell(cell) -> None:
    cell.locator(".jp-InputArea-editor").click()
    cell.page.keyboard.press("Shift+Enter")


def prompt(cell) -> str:
    return cell.locator(".jp-InputPrompt").inner_text()


def test_spinner_frames_redraw_in_place_while_the_thread_script_runs(lab_url, page):
    page.goto(f"{lab_url}/lab/tree/{NOTEBOOK}")
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=45_000)

    imports = code_cell(page, "from course import (")
    run_cell(imports)
    page.wait_for_function(
        "cell => /\\[\\d+\\]/.test(cell.querySelector('.jp-InputPrompt').innerText)",
        arg=imports.element_handle(),
        timeout=30_000,
    )

    spinner = code_cell(page, 'run_script("spinner_thread.py")')
    output = spinner.locator(".jp-Cell-outputArea")
    run_cell(spinner)
    page.wait_for_function(
        "cell => cell.querySelector('.jp-InputPrompt').innerText.includes('*')",
        arg=spinner.element_handle(),
        timeout=10_000,
    )  # running now: JupyterLab cleared the stored output, what follows is the live run

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "spinner-running.png").unlink(missing_ok=True)
    samples, frames_seen = [], set()
    deadline = time.monotonic() + 30
    while "*" in prompt(spinner) and time.monotonic() < deadline:
        text = output.inner_text()
        samples.append(text)
        frames = FRAME.findall(text)
        frames_seen.update(frames)
        if frames and not (SCREENSHOTS / "spinner-running.png").exists():
            spinner.screenshot(path=str(SCREENSHOTS / "spinner-running.png"))
        assert len(frames) <= 1, f"more than one spinner frame on screen: {text!r}"
        assert not re.search(r"[\\|/-]{2,} thinking!|thinking!.*thinking!", text), text
        time.sleep(0.05)

    output.get_by_text("Answer: 42").wait_for(timeout=10_000)
    spinner.screenshot(path=str(SCREENSHOTS / "spinner-done.png"))
    assert len(samples) >= 10, "the cell finished too fast to watch the spinner"
    assert len(frames_seen) >= 3, f"the spinner did not animate live: frames {frames_seen}"
    assert "thinking!" not in output.inner_text(), "the spinner line was not erased at the end"


def test_rise_slideshow_starts_on_the_first_slide_without_the_add_cell_bar(lab_url, page):
    cells = json.loads((NOTEBOOKS_DIR / NOTEBOOK).read_text(encoding="utf-8"))["cells"]
    title = cells[0]["source"][0].lstrip("# ").strip()  # "01. ..." of the first slide
    # as RISE's own button opens it, with the LAST cell selected: RISE's default would start there
    page.goto(f"{lab_url}/rise/{NOTEBOOK}?activeCellIndex={len(cells) - 1}")
    present = page.locator(".reveal .slides section.present").first
    present.wait_for(timeout=60_000)
    page.wait_for_timeout(2000)  # RISE moves to its start slide once the notebook is laid out
    (SCREENSHOTS / "rise-first-slide.png").parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "rise-first-slide.png"))
    assert present.inner_text().upper().startswith(title.upper()), (
        f"the slideshow did not start on the first slide: {present.inner_text()[:80]!r}"
    )
    footer = page.locator(".jp-Notebook-footer")
    assert footer.count() == 0 or footer.first.is_hidden(), "'Click to add a cell.' is on a slide"


def test_every_slide_of_make_slides_is_readable_whole(tmp_path, browser_page):
    """No slide is cut off: it fits the window, or it scrolls and its end can be scrolled to."""
    decks = build_slides(sorted(NOTEBOOKS_DIR.glob("*.ipynb")), tmp_path)
    unreadable, seen = [], 0
    for deck in decks:
        browser_page.goto(deck.as_uri())
        browser_page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=30_000)
        indices = browser_page.evaluate(
            "Reveal.getSlides().map(s => [Reveal.getIndices(s).h, Reveal.getIndices(s).v || 0])"
        )
        for h, v in indices:
            browser_page.evaluate(f"Reveal.slide({h}, {v})")
            slide = browser_page.evaluate(
                """() => {
                    const s = Reveal.getCurrentSlide();
                    s.scrollTop = s.scrollHeight;  // to the end, as a presenter scrolls
                    const box = s.getBoundingClientRect();
                    const last = s.lastElementChild ? s.lastElementChild.getBoundingClientRect()
                                                    : box;
                    return {top: box.top, bottom: box.bottom, lastBottom: last.bottom,
                            window: window.innerHeight, text: s.innerText.slice(0, 50)};
                }"""
            )
            seen += 1
            if not (
                slide["top"] >= -1
                and slide["bottom"] <= slide["window"] + 1
                and slide["lastBottom"] <= slide["bottom"] + 1
            ):
                unreadable.append(f"{deck.name} #/{h}/{v} {slide}")
    assert seen > 100, f"only {seen} slides looked at"
    assert not unreadable, "slides cut off at the bottom:\n" + "\n".join(unreadable)
