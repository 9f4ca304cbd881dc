#!/bin/sh
# need-cmocka.sh: stands in for the unit tests when configure found no cmocka,
# so that `make check` fails and says what to install.
echo "cmocka is missing: apt-get install libcmocka-dev (then re-run ./configure)" >&2
echo "cmocka is missing: apt-get install libcmocka-dev (then re-run ./configure)"
exit 1
