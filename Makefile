# The study in two commands:  `make report`  (main job)  and  `make test`.
# Both create the virtual environment .venv from requirements.txt on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATASET ?= synthetic
FEATURES ?= mfcc
KERNEL := genre-study

.PHONY: report test venv data benchmark lab clean-build

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python ($(KERNEL))" >/dev/null
	touch $@

venv: $(VENV)/.installed

## Main job: every numbered notebook on $(DATASET) with papermill, HTML reports in build/$(DATASET)/html/.
report: venv
	$(BIN)/python -m genre_utils.report --dataset $(DATASET)

data: venv
	$(BIN)/python -m genre_utils.data download --dataset $(DATASET)
	$(BIN)/python -m genre_utils.data validate --dataset $(DATASET)
	$(BIN)/python -m genre_utils.data extract --dataset $(DATASET) --features $(FEATURES)

## Tests (unit, real-audio when ../shared exists, local-server downloads).
test: venv
	$(BIN)/python -m pytest -q

benchmark: venv
	$(BIN)/python benchmarks/features.py

lab: venv
	$(BIN)/jupyter lab notebooks/

clean-build:
	rm -rf build
