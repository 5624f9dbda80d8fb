# Two commands for a new user:  make run  (index the seeds and serve them)  and  make test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NEWS := $(BIN)/news-search

.PHONY: run test clean

$(VENV)/installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/installed
	@if [ "$$($(NEWS) stats --json 2>/dev/null | $(BIN)/python -c 'import json,sys; print(json.load(sys.stdin)["articles"])' 2>/dev/null || echo 0)" = 0 ]; then \
		$(NEWS) index seeds/; \
	fi
	$(NEWS) search "North Korea"
	$(NEWS) serve

test: $(VENV)/installed
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		{ apt-get update -qq && apt-get install -y -qq chromium; } >/dev/null 2>&1; } || \
		echo "Debian's chromium could not be installed: the browser test will skip (which fails the run where CI is set)"
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build *.egg-info
