#!/usr/bin/env bash
# `npm test`: type-check, build the app, then run every test (unit,
# integration, browser end to end) with Playwright Test in a private network.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent check
npm run --silent build -- --logLevel warn
exec bash scripts/private-network.sh npx playwright test "$@"
