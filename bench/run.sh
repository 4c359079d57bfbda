#!/bin/sh
# Transfer benchmark (see bench/README.md): bench/run.sh [--build DIR] [--gen FILE] [--link a|b|both]
exec /usr/bin/python3 "$(dirname "$0")/run.py" "$@"
