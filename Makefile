# Two commands do all the set-up on a fresh machine:
#   make demo   create .venv, install, run the pipeline on the built-in data
#   make test   create .venv, install, run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup toolchain demo test bench clean

# setup is everything a command needs: the Python environment and the firmware tools.
setup: $(STAMP) toolchain

# Reinstall whenever the pins or the package metadata change.
$(STAMP): requirements.txt constraints.txt pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "edgeppg needs Python >= 3.10 (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	# a real smartwatch recording, read in place by edgeppg.data.e2e_recording (its code is never imported)
	$(BIN)/python -m pip install --quiet --no-deps e2epyppg==0.0.9
	touch $@

# Arm GCC and QEMU for the Cortex-M4 firmware (Debian packages; installed when missing).
toolchain:
	@scripts/install-toolchain.sh

demo: setup
	$(BIN)/edgeppg demo --out runs/demo

# one worker per core, at most four (pytest-xdist): the suite is mostly one process at a time (builds, QEMU,
# small trainings), so on two cores two workers take it from about 17 to about 11 minutes
test: setup
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4 --dist worksteal

# The figures in docs/results.md: each script writes benchmarks/results/, then docs.py rewrites the
# tables from them (by hand, before docs.py: the medium study, half an hour, benchmarks/study.py medium;
# the lever table, about two hours, benchmarks/levers.py; models/ itself, edgeppg reference).
bench: setup
	$(BIN)/python benchmarks/train_throughput.py
	$(BIN)/python benchmarks/host_latency.py
	$(BIN)/python benchmarks/demo.py --out runs/demo
	$(BIN)/python benchmarks/tracker.py runs/demo/teacher-6b runs/demo/student-3b-scratch runs/demo/student-3b-dkd
	$(BIN)/python benchmarks/mcu.py --runs runs/demo/teacher-6b runs/demo/student-3b-dkd
	$(BIN)/python benchmarks/sweep_quick.py
	$(BIN)/python benchmarks/reference.py --models models
	$(BIN)/python benchmarks/docs.py

clean:
	rm -rf $(VENV) runs build *.egg-info
