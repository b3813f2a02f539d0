#!/usr/bin/env bash
# Installs the reference implementation (Segment's Customer.io (Actions) destination from npm)
# exactly as pinned in package-lock.json. Idempotent: does nothing when node_modules already
# matches the lockfile. Without Node.js it says so and exits 0 (the conformance tests then skip).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "conformance: node/npm not found; conformance tests will be skipped" >&2
  exit 0
fi

stamp=node_modules/.segcio-lock-sha256
wanted=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  exit 0
fi

npm ci --no-audit --no-fund --loglevel=error
echo "$wanted" > "$stamp"
echo "conformance: reference implementation installed ($(node -p "require('@segment/action-destinations/package.json').version"))"
