#!/bin/sh
# Fleet benchmark (see bench/README.md): bench/fleet.sh [--build DIR] [--boards N]
exec /usr/bin/python3 "$(dirname "$0")/fleet.py" "$@"
