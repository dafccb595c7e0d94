# Two commands a new user needs: `make demo` and `make test` (README).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
TS     := $(wildcard desktop_app/resources/i18n/*.ts)
QM     := $(TS:.ts=.qm)

.PHONY: demo test bench translations lupdate clean

demo: $(STAMP) translations
	$(VENV)/bin/gravitel-desk --demo

test: $(STAMP) translations
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP) translations
	$(PY) -m pip install -q -e '.[bench]'
	QT_QPA_PLATFORM=offscreen $(PY) bench/run_all.py

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

translations: $(QM)

desktop_app/resources/i18n/%.qm: desktop_app/resources/i18n/%.ts $(STAMP)
	$(VENV)/bin/pyside6-lrelease -silent $< -qm $@

# Refresh the .ts sources from the code; translate the new entries, then commit.
lupdate: $(STAMP)
	$(VENV)/bin/pyside6-lupdate -no-obsolete -locations none $$(git ls-files 'desktop_app/*.py') -ts $(TS)

clean:
	rm -rf $(VENV) build dist *.egg-info desktop_app/resources/i18n/*.qm
