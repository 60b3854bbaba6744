# espfleet — the two commands a fresh machine needs: `make demo` and `make test`.
.PHONY: setup build test bench demo clean

setup:
	@bash scripts/setup.sh

build: setup
	npm run build

test: build
	CI=$${CI:-} npm test

bench: build
	npm run bench

demo: build
	node tools/dist/cli.js demo

clean:
	rm -rf node_modules */node_modules */dist protocol/src/generated
