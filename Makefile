# Two entry points: `make demo` (the main job) and `make test` (the tests).
# Both create .venv when it is missing and install wavae with what it needs.
# CPU by default: torch is pinned to the CPU wheel 2.13.0. For a CUDA build, install torch
# first from the PyTorch index of your CUDA version, then `pip install -e .`.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
TORCH  ?= torch==2.13.0
STAMP  := $(VENV)/.wavae-installed

.PHONY: install demo test clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet "$(TORCH)"
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m wavae.demo --out demo_output

test: $(STAMP)
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) demo_output
