# One command sets everything up and runs the demo (make demo); one runs the tests (make test).
# Only python3 (3.11+) and pip are needed: everything else is installed, pinned, into .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Test workers (pytest-xdist). The slow tests mostly wait on a subprocess, a socket or a timer,
# so the whole suite runs best with more workers than cores; the fast ones compute, so they run
# best with one worker a core (each worker also collects every test: about 7 s of CPU).
TEST_WORKERS ?= 6
FAST_TEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest --dist worksteal

.PHONY: demo test test-fast lint format bench lock clean install

# pip compiles every module one at a time (half of the install's time); compileall does the same
# on every core. The bytecode must be written here: with PYTHONDONTWRITEBYTECODE set, as on some
# machines, nothing would write it later and every process would compile what it imports.
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-compile --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib > /dev/null
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/oversight demo

# The tests start oversight hundreds of times: its own bytecode is written first, once.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m compileall -q oversight bot jobs > /dev/null
	$(PYTEST) -n $(TEST_WORKERS)

# The same without the slow tests (subprocesses, retries, big data): about 2 1/4 minutes of
# processor time (see Development in the README).
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m compileall -q oversight bot jobs > /dev/null
	$(PYTEST) -n $(FAST_TEST_WORKERS) -m "not slow"

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m bench

# A production install (see Deployment in the README), run as the service's user: a new virtual
# environment at PREFIX with only what oversight needs to run (requirements-runtime.lock) and
# oversight itself, not editable. Its bytecode is written here: the service may not write beside
# its code. PREFIX must be new, so that the files of a bot still running are never changed.
install:
	@test -n "$(PREFIX)" || { echo "Say where: make install PREFIX=/opt/oversight/releases/NAME" >&2; exit 2; }
	@test ! -e "$(PREFIX)" || { echo "$(PREFIX) already exists: install each release into a new folder." >&2; exit 2; }
	$(PYTHON) -m venv "$(PREFIX)"
	"$(PREFIX)/bin/python" -m pip install --quiet --no-cache-dir --no-compile --disable-pip-version-check --no-deps -r requirements-runtime.lock
	"$(PREFIX)/bin/python" -m pip install --quiet --no-cache-dir --no-compile --disable-pip-version-check --no-deps --no-build-isolation .
	"$(PREFIX)/bin/python" -m pip check --disable-pip-version-check
	"$(PREFIX)/bin/python" -m compileall -q -j 0 "$(PREFIX)/lib" > /dev/null
	install -m 755 deploy/oversight-import-incoming "$(PREFIX)/bin/"
	"$(PREFIX)/bin/oversight" --version

# Re-resolve the pinned versions from pyproject.toml (needs the package registry).
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --disable-pip-version-check --upgrade setuptools -e '.[dev]'
	(echo '# Pinned by `make lock` from pyproject.toml: what CI tested. Do not edit by hand.'; .venv-lock/bin/python -m pip freeze --all --exclude-editable --exclude pip) > requirements.lock
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache oversight-demo.db*
