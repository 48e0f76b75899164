#!/usr/bin/env bash
# Debian packages the tests drive for real: Chromium (browser tests), Dovecot (IMAP tests),
# and wrk (the benchmark smoke run's load generator).
set -uo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
command -v wrk >/dev/null || missing+=(wrk)  # the benchmark's load generator
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "missing ${missing[*]}: install them with apt-get (their tests skip until then)"
  fi
fi
