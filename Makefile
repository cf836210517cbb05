# The front door: every real step lives in scripts/ or CMake; this file only
# strings them together. See README.md.
PRESET ?= dev
BUILD_DIR := build/$(PRESET)
CONFIG ?= rules/rota.yaml
# As the systemd unit sets it (systemd/rotad.service.in, docs/operations.md).
ROTAD_ENV ?= GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.top_pad=67108864

# How long `make fuzz` runs each libFuzzer target (docs/development.md#fuzzing).
FUZZ_SECONDS ?= 600
FUZZ_JOBS ?= 1

.PHONY: all deps build build-fuzz run test fuzz clean

all: build

deps:
	./scripts/install-deps.sh

build: deps
	@[ -f $(BUILD_DIR)/build.ninja ] || cmake --preset $(PRESET)
	cmake --build --preset $(PRESET)

# The libFuzzer targets: clang-15 with ASan + UBSan, a build folder of their own.
build-fuzz: deps
	@[ -f build/fuzz/build.ninja ] || cmake --preset fuzz
	cmake --build --preset fuzz

run: build
	mkdir -p var
	$(ROTAD_ENV) $(BUILD_DIR)/daemon/rotad --config $(CONFIG)

# Every test, then each fuzz target for a bounded number of inputs.
test: build build-fuzz
	ctest --preset $(PRESET)
	ctest --preset fuzz

fuzz: build-fuzz
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) ./scripts/fuzz.sh

clean:
	rm -rf build
