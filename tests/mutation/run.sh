#!/bin/sh
# Mutation testing by hand-made mutants (tests/mutation/mutants.txt):
# `make mutation`.  Not part of `make test` or CI: it rebuilds once per
# mutant (a few minutes in all).  See mutate.py for the rules.
cd "$(dirname "$0")/../.." || exit 2
command -v python3 >/dev/null || { echo "mutation: python3 is needed"; exit 2; }
exec python3 tests/mutation/mutate.py "$@"
