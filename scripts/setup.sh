#!/usr/bin/env bash
# Sets up a fresh clone: the pinned pnpm, the workspace's packages (from the lock file), the
# build (the packages, the CLI and the Lambda bundles), and the Python virtual environment with the
# local AWS emulator (moto) and cfn-lint.
# Idempotent and quiet; safe to run again.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

pnpm_version="$(node -p "require('./package.json').packageManager.split('@')[1]")"
if [[ "$(pnpm --version 2>/dev/null || true)" != "${pnpm_version}" ]]; then
  echo "setup: installing pnpm ${pnpm_version}"
  npm install --global --no-fund --no-audit --loglevel=error "pnpm@${pnpm_version}" >/dev/null
fi

echo "setup: installing packages"
pnpm install --frozen-lockfile --reporter=silent

echo "setup: building"
pnpm run --silent build

bash scripts/setup-emulator.sh
bash scripts/setup-ruler.sh
echo "setup: done"
