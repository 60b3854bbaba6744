# espfleet — the two commands a fresh machine needs: `make demo` and `make test`.
# `make demo PORT=3100` (or ESPFLEET_PORT=3100 make demo) picks the demo's port.
.PHONY: setup build test bench demo clean

setup:
	@bash scripts/setup.sh

build: setup
	@echo "== build: every package (protocol, simulator, host-server, tools) =="
	npm run build

test: build
	@echo "== test: every package =="
	CI=$${CI:-} npm test

bench: build
	npm run bench

demo: build
	node tools/bin/espfleet.js demo $(if $(PORT),--port $(PORT))

clean:
	rm -rf node_modules */node_modules */dist protocol/src/generated
