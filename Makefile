# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv if needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/crm-audit demo -o demo-out

test: $(STAMP)
	GX_ANALYTICS_ENABLED=false $(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --deals 100000

clean:
	rm -rf $(VENV) demo-out bench-out .pytest_cache
