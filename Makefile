# The study in two commands:  `make report`  (main job)  and  `make test`.
# Both create the virtual environment .venv from requirements.txt on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATASET ?= synthetic
FEATURES ?= mfcc
# Optional study settings, passed to every notebook that declares them (empty: the notebooks' defaults):
# SPLIT=thesis|fault_filtered|official|kfold  SEEDS=0,1,2,3,4  SEGMENT_SECONDS=0|3  EPOCHS=100
# MODELS=cnn,lstm,svm,crnn,musicnn (contenders to train and compare; default all)
# AUGMENT=2 (train with that many degraded copies of each training track; 0: none)
comma := ,
REPORT_PARAMS := $(if $(SPLIT),--param split=$(SPLIT)) $(if $(SEEDS),--param 'seeds=[$(SEEDS)]') \
	$(if $(SEGMENT_SECONDS),--param segment_seconds=$(SEGMENT_SECONDS)) $(if $(EPOCHS),--param epochs=$(EPOCHS)) \
	$(if $(AUGMENT),--param augment=$(AUGMENT)) \
	$(if $(MODELS),--param 'models=["$(subst $(comma),"$(comma)",$(MODELS))"]')
KERNEL := genre-study

.PHONY: report test test-study venv data benchmark benchmark-scale lab clean-build strip

$(VENV)/.installed: requirements.txt requirements-nodeps.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-nodeps.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python ($(KERNEL))" >/dev/null
	touch $@

venv: $(VENV)/.installed

## Main job: every numbered notebook on $(DATASET) with papermill, HTML reports in build/$(DATASET)/html/.
report: venv
	$(BIN)/python -m genre_utils.report --dataset $(DATASET) $(REPORT_PARAMS)

data: venv
	$(BIN)/python -m genre_utils.data download --dataset $(DATASET)
	$(BIN)/python -m genre_utils.data validate --dataset $(DATASET)
	$(BIN)/python -m genre_utils.data extract --dataset $(DATASET) --features $(FEATURES)

## Tests (unit, real-audio when ../shared exists, local-server downloads), one test file per CPU (logical core) at a time
## (at most 4: each worker holds TensorFlow). A bare `pytest` runs them one by one.
test: venv
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q -n logical --maxprocesses 4 --dist loadfile

## Every contender, 5-fold cross-validated on the 100 real GTZAN excerpts in ../shared (about 9 min on 2 cores).
test-study: venv
	$(BIN)/python -m pytest -q -s -m study

benchmark: venv
	$(BIN)/python benchmarks/features.py
	$(BIN)/python benchmarks/training.py

## The scale benchmarks: Dask against the process pool, and memory with streamed inputs (about 40 min on 2 cores).
benchmark-scale: venv
	$(BIN)/python benchmarks/dask_extraction.py
	$(BIN)/python benchmarks/streaming_memory.py

## JupyterLab on notebooks/ with the project's kernel; Ctrl-C stops it. As root (a container, a cloud notebook
## machine, CI) JupyterLab refuses to start without --allow-root, so it is passed there. LAB_ARGS adds options
## (e.g. LAB_ARGS="--no-browser --port 8899").
lab: venv
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

clean-build:
	rm -rf build

## Remove outputs from the committed notebooks (run before committing a notebook edited in JupyterLab),
## then bring each py:percent twin up to date.
strip: venv
	$(BIN)/jupyter nbconvert --clear-output --inplace notebooks/[0-9][0-9]_*.ipynb
	$(BIN)/jupytext --sync notebooks/[0-9][0-9]_*.ipynb
