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
	@echo "espfleet demo: the host server and the firmware are not built yet, so there is nothing to serve."
	@echo "Built today: the protocol codecs (protocol/dist) and the simulator; try a simulated fleet:"
	@echo "  node tools/dist/cli.js sim --valves 3 --chargers 2 --realtime --valve-bundle simulator/test/bundles/valve-driver.js --charger-bundle simulator/test/bundles/charger-driver.js"
	@exit 2

clean:
	rm -rf node_modules */node_modules */dist protocol/src/generated
