#!/bin/sh
# mip benchmark (see bench/README.md): bench/mip.sh [--build DIR] [--link a|b|both] [--mpremote DIR]
exec /usr/bin/python3 "$(dirname "$0")/mip.py" "$@"
