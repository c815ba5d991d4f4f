# Two commands on a fresh machine: `make demo` and `make test`. Each sets up what it needs.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
OUT     ?= demo_out
# BLAS threads: the library itself runs numpy's BLAS with one thread unless you set
# OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS (tinygrad_edu/threads.py).

.PHONY: demo test bench serve lint setup system-deps clean

setup: $(STAMP) system-deps

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev,web,data]"
	touch $(STAMP)

# Graphviz's `dot` renders graphs; Chromium drives the browser tests. Installed when missing
# and possible (root with apt-get); otherwise we say how and the dependent tests skip.
system-deps:
	@bash scripts/system_deps.sh

demo: setup
	$(BIN)/tinygrad-edu demo --out $(OUT)

test: setup
	$(BIN)/python -m pytest

# Sustained loops in both thread settings, then the single-call table: about 15 minutes.
# `make bench BENCH_ARGS=--quick` takes about 3.
bench: setup
	$(BIN)/python bench/run.py $(BENCH_ARGS)

serve: setup
	$(BIN)/tinygrad-edu serve

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache
