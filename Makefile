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

.PHONY: all deps build build-fuzz deb run test fuzz clean

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

# The Debian package, build/package/rota_<version>_amd64.deb (docs/install.md).
deb: deps
	@[ -f build/package/build.ninja ] || cmake --preset package
	cmake --build --preset package
	cpack --preset package

run: build
	mkdir -p var
	$(ROTAD_ENV) $(BUILD_DIR)/daemon/rotad --config $(CONFIG)

# Every test (package.build among them makes the .deb that package.deb_test
# checks), then each fuzz target for a bounded number of inputs.
test: build build-fuzz
	ctest --preset $(PRESET)
	ctest --preset fuzz

fuzz: build-fuzz
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) ./scripts/fuzz.sh

clean:
	rm -rf build
