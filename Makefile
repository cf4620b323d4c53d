# The two commands of a fresh machine: `make demo` and `make test`. Both set up .venv first
# (idempotent: a stamp file skips set-up until a requirement or set-up script changes).
VENV ?= .venv
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
	$(PY) -m pytest tests

clean-demo:
	rm -rf data/digits work_dirs/demo
