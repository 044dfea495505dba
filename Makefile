# Two set-up commands: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: run test bench lint clean system-deps

# Debian packages the tests use: Go's sumdb note/tlog (third-party log verification), the
# openssl tool (a local RFC 3161 timestamp authority) and a CJK TrueType font that certificates
# embed. CI runs this before `make test`; without them those tests skip locally and fail under
# CI=true (the font only makes certificates self-contained: without it they use a viewer font).
SYSTEM_PACKAGES := chromium golang-go golang-golang-x-mod-dev openssl fonts-arphic-uming

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

# The web service at http://127.0.0.1:8000 on the embedded defaults (home ./.fangdu); the first
# start seeds a labelled demo library and demo accounts, printed to the console.
run: $(STAMP)
	$(BIN)/fangdu serve --demo

test: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/lint-imports
	$(BIN)/ruff format --check src tests

# Real clip art and fabric textures come from Debian packages; without them the generator
# draws procedural prints only. The away benchmark (fangdu.bench.away) draws its motifs from
# two fonts, Noto Color Emoji and Symbola; without them, from its own procedural families.
bench: $(STAMP)
	@dpkg -s openclipart-svg gimp-data librsvg2-bin >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq openclipart-svg gimp-data librsvg2-bin; } || \
	  echo "openclipart-svg/gimp-data unavailable: procedural prints only"
	@dpkg -s fonts-noto-color-emoji fonts-symbola >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq fonts-noto-color-emoji fonts-symbola; } || \
	  echo "fonts-noto-color-emoji/fonts-symbola unavailable: away bench uses procedural motifs only"
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	$(BIN)/python -m fangdu.bench all --out bench-out
	@echo "reports in bench-out/: accuracy.md, away.md, speed.md (docs/BENCHMARKS.md quotes them)"

system-deps:
	@dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES); }

clean:
	rm -rf $(VENV) .fangdu bench-out .pytest_cache
