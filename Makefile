# The two commands a new user needs (see README.md):
#   make run    set up, build the postcode table, load the sample directory if empty, serve
#   make test   set up (including the browser tools) and run every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test setup browser-tools vendor lint bench lock

run: setup
	$(BIN)/finder postcodes build --if-missing
	$(BIN)/finder demo --if-empty
	$(BIN)/finder serve

test: setup browser-tools
	$(BIN)/python -m pytest

setup: $(VENV)/.installed

# Reinstall whenever the lock or the project metadata changes.
$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# Debian's Chromium and ChromeDriver, and axe-core from npm, for the accessibility tests.
browser-tools: node_modules/axe-core/axe.min.js
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null \
		|| scripts/install-browser

node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The map library, Leaflet from npm (package.json), is kept in static/vendor/leaflet so that
# `make run` needs no npm; after changing its version, `make vendor` copies the new one in.
vendor: node_modules/axe-core/axe.min.js
	rm -rf static/vendor/leaflet
	mkdir -p static/vendor/leaflet
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css \
		node_modules/leaflet/dist/images node_modules/leaflet/LICENSE static/vendor/leaflet/

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/python bench/postcodes.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/registrations.py
	$(BIN)/python bench/refresh.py

# Re-pin every dependency after changing pyproject.toml (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --no-header -o requirements.lock
