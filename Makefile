# celltwin - top-level driver. CMake + Ninja do the building.
#   make run        install missing packages (as root), build, run the default factory
#   make test       install, build, run the whole test suite (ctest)
#   make test-asan  the suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make bench      benchmarks: engine, celltwin vs SimPy, factory month and year (bench/results.md)
#   make mpi        build/celltwin-mpi, sweeps over MPI ranks (needs OpenMPI)
#   make build      just build (profile-guided, scripts/pgo.sh; PGO=0 without)
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build run test test-asan bench mpi clean

all: build

deps:
	@sh scripts/deps.sh

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null

# The Release build is profile-guided (scripts/pgo.sh); PGO=0 builds without.
PGO ?= 1
build: deps $(BUILD)/build.ninja
ifeq ($(PGO),1)
	sh scripts/pgo.sh $(BUILD) $(JOBS)
else
	cmake -S . -B $(BUILD) -DCT_PGO= >/dev/null
	cmake --build $(BUILD) -j $(JOBS)
endif

run: build
	./$(BUILD)/celltwin run

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

$(ASAN_BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCT_SANITIZE=ON >/dev/null

test-asan: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

# Benchmarks run one at a time on a quiet machine: never with a build running.
bench: build
	sh bench/run.sh $(BUILD)

mpi: build
	@cmake --build $(BUILD) --target help | grep -q '^celltwin_mpi:' || \
	  { echo "mpi: CMake found no MPI; install openmpi-bin libopenmpi-dev (make deps) and rm -rf $(BUILD)" >&2; exit 1; }
	cmake --build $(BUILD) --target celltwin_mpi -j $(JOBS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
