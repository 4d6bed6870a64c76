# Two commands do all set-up on a fresh machine: `make run` and `make test`.
VENV := .venv
PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test lint pictures

$(INSTALLED): pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

run: $(INSTALLED)
	$(PYTHON) -m bot run

# Redraw the technique diagrams into knowledge/pictures after editing knowledge/pictures.yaml.
pictures: $(INSTALLED)
	$(PYTHON) -m bot render

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PYTHON) -m bot check

test: lint
	$(VENV)/bin/pytest
