#!/bin/sh
# The Debian packages the test suite drives for real: PostgreSQL (a throwaway cluster per test
# session) and Chromium (the dashboard tests, through Playwright; never `playwright install`).
# Installed with apt-get only when missing; needs root (or sudo) the first time.
set -eu
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
[ -z "$missing" ] && exit 0
run=""
[ "$(id -u)" -eq 0 ] || run="sudo"
echo "installing Debian packages for the tests:$missing" >&2
$run apt-get update -qq
DEBIAN_FRONTEND=noninteractive $run apt-get install -y -qq $missing >/dev/null
