# The two commands a user needs: `make test` and `make run`. Everything else is
# CMake; see docs/DEVELOPING.md.
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
CONFIG ?= config/devnet.json

.PHONY: all deps configure build test test-unit run sanitize clean format

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_ARGS)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

run: build
	$(BUILD)/cli/zkgate devnet --config $(CONFIG)

# The unit tests under AddressSanitizer and UndefinedBehaviorSanitizer.
sanitize: deps
	cmake -S . -B build-asan -DZKGATE_SANITIZE=address,undefined -DZKGATE_CUDA=OFF \
	  -DCMAKE_BUILD_TYPE=Debug $(CMAKE_ARGS)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS) -L unit

format:
	git ls-files '*.c' '*.h' '*.cu' | xargs clang-format -i

clean:
	rm -rf $(BUILD) build-asan
