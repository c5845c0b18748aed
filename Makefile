# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8080

.PHONY: promtool demo test install install-test browsers eval bench clean lint install-lint check-whoosh-latest

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# pip's output goes to a log, shown only when the install fails.
PIPLOG := $(VENV)/pip-install.log

install: $(BIN)/python
	@echo "installing srefind into $(VENV) (log: $(PIPLOG))"
	@$(BIN)/pip install -q -e . >$(PIPLOG) 2>&1 || (cat $(PIPLOG); exit 1)

install-test: $(BIN)/python
	@echo "installing srefind[test] into $(VENV) (log: $(PIPLOG))"
	@$(BIN)/pip install -q -e '.[test]' >$(PIPLOG) 2>&1 || (cat $(PIPLOG); exit 1)

demo: install
	$(BIN)/srefind demo --port $(PORT)

# The browser tests (tests/test_browser.py) drive Debian's Chromium: Playwright cannot download its
# own browser build here. As root, install it when missing; otherwise they skip and say why. When
# the browser is there, SREFIND_REQUIRE_BROWSER=1 turns any skip of theirs into a failure.
CHROMIUM ?= /usr/bin/chromium
APTLOG := $(VENV)/apt-chromium.log

browsers: $(BIN)/python
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "installing chromium with apt-get (log: $(APTLOG))"; \
	  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } >$(APTLOG) 2>&1 \
	    || { cat $(APTLOG); exit 1; }; \
	else echo "$(CHROMIUM) is missing and we are not root: the browser tests will be skipped" >&2; fi

# tests/test_prometheus_tools.py runs Prometheus's promtool on /metrics and the example alert rules.
# It comes from Debian's prometheus package, unpacked into the virtual environment (nothing installed
# system-wide, no service started); without apt the tests skip and say why.
PROMTOOL := $(VENV)/prometheus/usr/bin/promtool

promtool: $(BIN)/python
	@if [ -x "$(PROMTOOL)" ] || ! command -v apt-get >/dev/null; then :; else \
	  echo "unpacking promtool from Debian's prometheus package (log: $(VENV)/apt-prometheus.log)"; \
	  rm -rf $(VENV)/prometheus && mkdir -p $(VENV)/prometheus && cd $(VENV)/prometheus && \
	  { apt-get download prometheus || { [ "$$(id -u)" = 0 ] && apt-get update -q && apt-get download prometheus; }; \
	    } >../apt-prometheus.log 2>&1 && dpkg-deb -x prometheus_*.deb . && rm -f prometheus_*.deb \
	    || { cat ../apt-prometheus.log; exit 1; }; fi
	@if [ -x "$(PROMTOOL)" ]; then ln -sf ../prometheus/usr/bin/promtool $(BIN)/promtool; fi

test: install-test browsers promtool
	SREFIND_REQUIRE_BROWSER=$$([ -x "$(CHROMIUM)" ] && echo 1 || echo 0) \
	SREFIND_REQUIRE_PROMTOOL=$$([ -x "$(PROMTOOL)" ] && echo 1 || echo 0) $(BIN)/python -m pytest -q

# Static checks: ruff (style, imports, likely bugs) and mypy (types), both configured in pyproject.toml.
install-lint: $(BIN)/python
	@$(BIN)/pip install -q -e '.[lint]' >$(PIPLOG) 2>&1 || (cat $(PIPLOG); exit 1)

# mypy cannot read setuptools' package-dir mapping (srefind.crawler is crawler/, and so on), so it
# checks a tree of symlinks laid out as the installed package is.
TYPETREE := build/typecheck

lint: install-lint
	$(BIN)/ruff check srefind crawler index web tests benchmarks
	@rm -rf $(TYPETREE) && mkdir -p $(TYPETREE)/srefind
	@for f in srefind/*; do ln -s "$(CURDIR)/$$f" $(TYPETREE)/srefind/; done
	@for p in crawler index web; do ln -s "$(CURDIR)/$$p" $(TYPETREE)/srefind/$$p; done
	cd $(TYPETREE) && $(CURDIR)/$(BIN)/mypy --config-file $(CURDIR)/pyproject.toml -p srefind

# Would the newest whoosh3 break us? srefind pins whoosh3 and uses some of its private names (each
# listed, with why, in the index package's compat module). This installs the newest release into a
# scratch venv and runs the index and search tests on it. Not in CI: the answer changes with the
# registry, not with our code; run it before raising the pin.
WHOOSH_VENV := build/whoosh-latest

check-whoosh-latest:
	rm -rf $(WHOOSH_VENV) && $(PYTHON) -m venv $(WHOOSH_VENV)
	$(WHOOSH_VENV)/bin/pip install -q -e '.[test]' >$(WHOOSH_VENV)/pip.log 2>&1 || (cat $(WHOOSH_VENV)/pip.log; exit 1)
	$(WHOOSH_VENV)/bin/pip install -q --upgrade --no-deps whoosh3 >>$(WHOOSH_VENV)/pip.log 2>&1
	@$(WHOOSH_VENV)/bin/pip show whoosh3 | grep -i '^version'
	$(WHOOSH_VENV)/bin/python -m pytest -q tests/test_search.py tests/test_index_writer.py tests/test_search_oracle.py \
	  tests/test_concurrent_readers.py

clean:
	rm -rf $(VENV) build *.egg-info

# The quality ratchet on ../shared (what .ci/run checks after the tests).
eval: install
	$(BIN)/srefind eval --shared ../shared --floors quality-floors.json

# Benchmarks print ratios against a baseline measured in the same run; results are kept in the README.
install-bench: $(BIN)/python
	@$(BIN)/pip install -q -e '.[bench]' >$(PIPLOG) 2>&1 || (cat $(PIPLOG); exit 1)

bench: install-bench
	$(BIN)/python benchmarks/tag_bench.py
	$(BIN)/python benchmarks/crawl_bench.py --rounds 3
	$(BIN)/python benchmarks/recrawl_bench.py
	$(BIN)/python benchmarks/search_bench.py
	$(BIN)/python benchmarks/web_bench.py
