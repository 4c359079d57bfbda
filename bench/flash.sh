#!/bin/sh
# Flash benchmark (see bench/README.md): bench/flash.sh [--build DIR] [--link a|b|both] [--size BYTES]
exec /usr/bin/python3 "$(dirname "$0")/flash.py" "$@"
