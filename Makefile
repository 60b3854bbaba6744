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
	@echo "espfleet demo: the host server and the simulated fleet are not built yet (issues 3 and 4)."
	@echo "What is built today: the protocol package, its codecs in protocol/dist (see protocol/README.md)."
	@exit 2

clean:
	rm -rf node_modules */node_modules */dist protocol/src/generated
