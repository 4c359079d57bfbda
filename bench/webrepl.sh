#!/bin/sh
# WebREPL benchmark (see bench/README.md): bench/webrepl.sh [--build DIR] [--gen FILE] [--trace]
exec /usr/bin/python3 "$(dirname "$0")/webrepl.py" "$@"
