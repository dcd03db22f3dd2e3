# The two commands: `make run` (demo on http://127.0.0.1:5000) and `make test` (everything).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

# init-db migrates and loads the shipped content (a no-op when nothing changed); seed-demo
# creates the demo organization on the first run only and prints the logins every time.
run: $(VENV)/.installed
	TRAINER_ENV=development $(BIN)/flask --app trainer init-db
	TRAINER_ENV=development $(BIN)/flask --app trainer seed-demo
	@echo "打开 http://$(HOST):$(PORT) (Ctrl-C 停止)"
	TRAINER_ENV=development $(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) \
		--access-logfile - wsgi:app

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/flask --app trainer content check
	$(BIN)/pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

# Exam day at scale (bench/exam_day.py): 2,000 agents on SQLite and PostgreSQL, ~40 min.
# Options through BENCH_ARGS, e.g. make bench BENCH_ARGS="--agents 500 --db sqlite".
bench: $(VENV)/.installed-dev
	$(BIN)/python bench/exam_day.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
