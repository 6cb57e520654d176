# Hoursync — the two commands a newcomer needs are `make dev` and `make test`.
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help

.PHONY: help dev test chaos tools build lint chromium bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

dev: ## run the whole stack locally (Temporal, QBO emulator, worker, server) and print the URLs
	@scripts/dev.sh

test: ## gofmt, vet, staticcheck, workflowcheck, then every test (real Postgres, Temporal, emulator, Chromium)
	@scripts/test.sh

chaos: ## the chaos suite (not in `make test`): outages mid-sync, each case ending with every card synced once and none stuck
	@scripts/chaos.sh

tools: ## install the pinned tools into bin/ (Temporal CLI, staticcheck, workflowcheck)
	@source scripts/lib.sh && install_tools

chromium: ## install Debian's chromium for the browser tests
	@source scripts/lib.sh && install_chromium

build: ## build the binaries into bin/
	go build -o bin/hoursync ./cmd/hoursync
	go build -o bin/qbo-emulator ./cmd/qbo-emulator

bench: ## run the benchmark harness (ratios against a same-run baseline)
	go run ./cmd/bench

clean: ## remove local state (Temporal database, emulator state) and built binaries
	rm -rf .state bin/hoursync bin/qbo-emulator test-artifacts
