# The front door: every real step lives in scripts/ or CMake; this file only
# strings them together. See README.md.
PRESET ?= dev
BUILD_DIR := build/$(PRESET)
CONFIG ?= rules/rota.yaml
# As the systemd unit sets it (systemd/rotad.service.in, docs/operations.md).
ROTAD_ENV ?= GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.top_pad=67108864

.PHONY: all deps build run test clean

all: build

deps:
	./scripts/install-deps.sh

build: deps
	@[ -f $(BUILD_DIR)/build.ninja ] || cmake --preset $(PRESET)
	cmake --build --preset $(PRESET)

run: build
	mkdir -p var
	$(ROTAD_ENV) $(BUILD_DIR)/daemon/rotad --config $(CONFIG)

test: build
	ctest --preset $(PRESET)

clean:
	rm -rf build
