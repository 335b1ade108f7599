# rufbereit — the two commands that matter:
#   make demo   set up everything, start the lab (PostgreSQL, Asterisk, the agent) and place a demo call
#   make test   set up everything and run all tests against the real lab
SHELL := /bin/bash
PYTHON ?= python3
PYTEST ?= $(PYTHON) -m pytest

.PHONY: help setup deps lab-up lab-down lab-status demo test unit lint typecheck check clean rasa bench soak report-day models coqui-check conversations fuzz knowledge-eval analyse-bench

help:
	@grep -E '^[a-z-]+:.*?## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

deps: ## install system packages (apt) and the Python package with dev extras
	bash lab/install-deps.sh

setup: deps ## deps + the Asterisk chroot (cached) and the PostgreSQL cluster
	bash lab/asterisk.sh build

lab-up: ## start PostgreSQL and Asterisk (idempotent, fast when warm)
	bash lab/postgres.sh up
	bash lab/asterisk.sh up

lab-down: ## stop everything the lab started; nothing stays mounted or running
	-bash lab/demo.sh stop-agent
	-bash lab/rasa.sh down
	bash lab/asterisk.sh down
	bash lab/postgres.sh down

lab-status:
	-bash lab/postgres.sh status; bash lab/asterisk.sh status; bash lab/rasa.sh status

rasa: ## build Rasa 3.6 in its own Python 3.10 venv, train the German model, serve it on 127.0.0.1:5005
	bash lab/rasa.sh build
	bash lab/rasa.sh train de
	bash lab/rasa.sh up de

demo: setup lab-up ## the whole thing: lab + agent + a demo call, and what happened
	bash lab/demo.sh

bench: setup lab-up ## benchmarks (not part of make test): writes bench/results.json, see bench/README.md
	RUFBEREIT_BENCH_BARGE_IN=0.6,1.2,1.8,2.4,3.0 \
	$(PYTEST) -q tests/speech/test_stt_vosk.py tests/speech/test_stt_whisper.py \
		tests/speech/test_tts_latency.py tests/escalation/test_bench.py \
		tests/integration/test_voice_call.py
	$(PYTEST) -q -m slow tests/integration/test_calls.py
	$(PYTHON) -m bench.wer_de
	$(PYTHON) -m bench.smart_turn
	$(PYTHON) -m bench.run

soak: setup lab-up ## 20 calls without pause for 30 minutes (not in make test): memory, handles, latency over time -> bench/soak.json
	$(PYTHON) -m bench.soak --minutes 30 --calls 20

report-day: setup lab-up ## a scripted day of 24 German voice calls through the lab, then the daily report by SMTP, figures checked (not in make test) -> bench/results.json
	$(PYTHON) -m bench.report_day $(REPORT_DAY_ARGS)

conversations: ## replay the scripted whole calls (tests/conversations): success per scenario, bench/conversations.json
	$(PYTHON) -m agent conversations tests/conversations --json bench/conversations.json

models: ## on a customer machine (internet): the German speech models and smart-turn, sha256-pinned, to stt.models_dir
	$(PYTHON) -m agent models pull de $(MODEL_ARGS)
	$(PYTHON) -m agent.speech.smart_turn_install pull $(MODEL_ARGS)

unit: ## quick tests, no lab and no speech models needed (seconds)
	$(PYTEST) -m "not integration and not postgres and not slow and not coqui" -q

coqui-check: ## the optional Coqui voice against the real coqui-tts (own 5.6 GB venv; not in make test)
	bash lab/coqui.sh test

knowledge-eval: ## the example handbook against its question set, and answer time at 500 pages -> bench/results.json ("knowledge")
	$(PYTHON) -m agent.knowledge.evaluate tests/knowledge/questions.yaml --docs agent/profiles/knowledge/mueller-sanitaer --pages 500 --json bench/results.json

analyse-bench: ## rufbereit analyse on three months of CDR (about 9,000 calls) -> bench/analyse.json
	$(PYTHON) -m bench.analyse

fuzz: ## the outside-input fuzz tests with fresh random examples, 10 times as many (not in make test)
	HYPOTHESIS_PROFILE=explore FUZZ_SCALE=10 $(PYTEST) tests/fuzz -q

test: setup lab-up ## all tests against the real Asterisk and PostgreSQL
	$(PYTEST) -q

lint: ## ruff: errors and formatting (agent, tests, the build step)
	$(PYTHON) -m ruff check agent tests _build_data.py
	$(PYTHON) -m ruff format --check agent tests _build_data.py

typecheck: ## mypy --strict on agent/ (settings: [tool.mypy] in pyproject.toml)
	$(PYTHON) -m mypy --config-file pyproject.toml

check: lint typecheck unit

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info
