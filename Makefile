# The two commands of a fresh machine: `make demo` and `make test`. Both set up .venv first
# (idempotent: a stamp file skips set-up until a requirement or set-up script changes).
VENV ?= .venv
# processes the test suite runs in (pytest-xdist); 2 suits a machine of 2 cores
TEST_WORKERS ?= 2
PY := $(VENV)/bin/python
STAMP := $(VENV)/.mmlife-setup-done

.PHONY: setup demo test clean-demo

setup: $(STAMP)

$(STAMP): setup.py requirements/runtime.txt requirements/tests.txt requirements/demo.txt \
          requirements/constraints.txt requirements/torch.txt tools/setup_env.sh tools/install_mmcv.sh
	bash tools/setup_env.sh
	touch $@

demo: setup
	$(PY) tools/demo.py

test: setup
	$(PY) -m pytest tests -n $(TEST_WORKERS)

clean-demo:
	rm -rf data/digits work_dirs/demo
