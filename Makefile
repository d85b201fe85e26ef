# `make demo` and `make test` each build .venv (if missing or stale) before they run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench-crawl bench-nlp bench-alerts bench-alerts-quality bench-search bench-scale

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/yuqing demo

test: $(STAMP)
	$(BIN)/pytest -q

# ruff for the code, lint-imports for the layering contract in pyproject.toml ([tool.importlinter]).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench-crawl: $(STAMP)
	$(BIN)/python -m bench.crawl

bench-alerts: $(STAMP)
	$(BIN)/python -m bench.alerts

# Rebuilds nlp/models/sentiment.marshal.gz, category.marshal.gz and MODEL_CARD.md from ../shared/data/sentiment/ (deterministic).
# MODEL_EXTRA: further labeled files outside the project to train on (the shipped model's: nlp/train/README.md).
MODEL_EXTRA ?=
EXTRA_ARGS := $(foreach file,$(MODEL_EXTRA),--extra $(file))
.PHONY: model
model: $(STAMP)
	$(BIN)/python -m nlp.train $(EXTRA_ARGS)

bench-nlp: $(STAMP)
	$(BIN)/python -m bench.nlp $(EXTRA_ARGS)

bench-search: $(STAMP)
	$(BIN)/python -m bench.search

# Starts its own PostgreSQL and redis-server on loopback (needs their server binaries, as .ci/run installs them).
bench-scale: $(STAMP)
	$(BIN)/python -m bench.scale

bench-alerts-quality: $(STAMP)
	$(BIN)/python -m bench.alerts_quality
