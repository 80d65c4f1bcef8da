# Makefile - thin wrapper around CMake.  The two commands README.md promises:
#   make demo   install what is missing, build, create the demo organisation, serve it
#   make test   install what is missing, build, run every test (also under ASan + UBSan),
#               and each libFuzzer target for a few seconds (tests/fuzz)
#   make fuzz   run each libFuzzer target longer: FUZZ_SECONDS per target (default 180)
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
STORE ?= ewsemu-data
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PYTHON ?= /usr/bin/python3

.PHONY: all deps test-deps build asan demo test fuzz unit integration bench clean regenerate

all: build

deps:
	@scripts/install-deps

test-deps:
	@scripts/install-deps --test

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)

asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DEWSEMU_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)

regenerate: deps
	cmake --build $(BUILD) --target regenerate

demo: build
	$(BUILD)/src/ewsemu serve --store $(STORE) --demo

test: test-deps
	scripts/run-tests

fuzz: test-deps
	tests/fuzz/run.sh --long $(FUZZ_BUILD)

bench: build
	@scripts/install-deps --bench
	tests/bench/run.sh $(BUILD)/src/ewsemu
	tests/bench/resolve.sh $(BUILD)/src/ewsemu
	tests/bench/replay.sh $(BUILD)/src/ewsemu

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
