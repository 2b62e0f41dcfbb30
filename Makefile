# Two commands for students and CI: `make lab` and `make test`.
# Both create .venv and (re)install requirements only when requirements.txt or pyproject.toml
# changed, so a second run starts within seconds.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings
# JupyterLab refuses to run as root (containers, CI machines) without --allow-root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)

.PHONY: lab test test-fast bench slides clean check-python

lab: $(STAMP)
	$(BIN)/jupyter lab --ip=127.0.0.1 $(ALLOW_ROOT) \
		--ServerApp.root_dir=notebooks \
		--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate

# Two workers: the notebooks one after another on one, the other test modules on the other.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2

# For contributors: everything but the notebooks, the browser, Ctrl-C and benchmark runs.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not slow"

# How far each concurrency model scales (a few minutes): table and plots in build/bench/.
bench: $(STAMP)
	$(BIN)/python -m course.bench

# reveal.js HTML slides of every notebook in build/slides/ (no network needed, to build or show).
slides: $(STAMP)
	$(BIN)/python tools/build_slides.py

$(STAMP): requirements.txt pyproject.toml | check-python
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements.txt
	mkdir -p $(LAB_SETTINGS)
	cp tools/jupyterlab-overrides.json $(LAB_SETTINGS)/overrides.json
	touch $(STAMP)

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || { \
		echo "This course needs Python 3.11 or newer; '$(PYTHON)' is not."; \
		echo "Install it, or point make at it: make test PYTHON=python3.12"; exit 1; }

clean:
	rm -rf $(VENV) build downloaded .pytest_cache
