#!/bin/sh
# Mount benchmark (see bench/README.md): bench/mount.sh [--build DIR] [--gen FILE] [--link a|b|both]
exec /usr/bin/python3 "$(dirname "$0")/mount.py" "$@"
