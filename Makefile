# The two commands of the README: `make run` (the whole help desk on embedded defaults) and
# `make test` (every test). Both install what they need.
.PHONY: run run-production test setup train call lock bench
run:
	scripts/run.sh
# The production topology on this machine (HAProxy, Rasa/action/gateway/backend replicas, PostgreSQL,
# Redis): docs/deploy.md, "On one machine".
run-production:
	scripts/run-production.sh
test:
	scripts/test.sh
setup:
	scripts/setup.sh all
train:
	scripts/setup.sh engine && scripts/train.sh
call:
	scripts/setup.sh app && .venv/app/bin/python -m ivr.phone
lock:
	scripts/lock.sh
bench:
	scripts/setup.sh all && scripts/bench.sh
