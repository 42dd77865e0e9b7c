#!/usr/bin/env bash
# Creates <repo>/.venv with the pinned local AWS emulator (moto server) and cfn-lint.
# Idempotent: when the stamp matches scripts/emulator-requirements.txt it does nothing.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${script_dir}/.." && pwd)"
venv="${repo_root}/.venv"
requirements="${script_dir}/emulator-requirements.txt"
stamp="${venv}/.emulator-requirements.stamp"
python="${PYTHON:-python3}"

if [[ -x "${venv}/bin/moto_server" && -x "${venv}/bin/cfn-lint" && -f "${stamp}" ]] &&
  cmp -s "${requirements}" "${stamp}"; then
  echo "setup-emulator: up to date (${venv})"
  exit 0
fi

log="$(mktemp)"
trap 'rm -f "${log}"' EXIT

fail() {
  echo "setup-emulator: $1 (output follows)" >&2
  cat "${log}" >&2
  exit 1
}

if [[ ! -x "${venv}/bin/python" ]]; then
  "${python}" -m venv "${venv}" >"${log}" 2>&1 || fail "could not create ${venv} with ${python}"
fi

"${venv}/bin/pip" install --quiet --disable-pip-version-check -r "${requirements}" >"${log}" 2>&1 ||
  fail "pip install -r ${requirements} failed"

[[ -x "${venv}/bin/moto_server" ]] || fail "moto_server missing after install"
cp "${requirements}" "${stamp}"
echo "setup-emulator: installed $(grep -v '^#' "${requirements}" | tr '\n' ' ')into ${venv}"
