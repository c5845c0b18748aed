# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8080

.PHONY: demo test install install-test browsers eval bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# setuptools warns at length about the data folders inside the package; the log keeps it all.
PIPLOG := $(VENV)/pip-install.log

install: $(BIN)/python
	@echo "installing srefind into $(VENV) (log: $(PIPLOG))"
	@$(BIN)/pip install -q -e . >$(PIPLOG) 2>&1 || (cat $(PIPLOG); exit 1)

install-test: $(BIN)/python
	@echo "installing srefind[test] into $(VENV) (log: $(PIPLOG))"
	@$(BIN)/pip install -q -e '.[test]' >$(PIPLOG) 2>&1 || (cat $(PIPLOG); exit 1)

demo: install
	$(BIN)/srefind demo --port $(PORT)

test: install-test
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) build *.egg-info
