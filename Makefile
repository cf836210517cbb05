# The front door: every real step lives in scripts/ or CMake; this file only
# strings them together. See README.md.
PRESET ?= dev
BUILD_DIR := build/$(PRESET)
CONFIG ?= rules/rota.yaml

.PHONY: all deps build run test clean

all: build

deps:
	./scripts/install-deps.sh

build: deps
	@[ -f $(BUILD_DIR)/build.ninja ] || cmake --preset $(PRESET)
	cmake --build --preset $(PRESET)

run: build
	mkdir -p var
	$(BUILD_DIR)/daemon/rotad --config $(CONFIG)

test: build
	ctest --preset $(PRESET)

clean:
	rm -rf build
