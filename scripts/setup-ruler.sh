#!/usr/bin/env bash
# Resolves AWS Event Ruler (the engine behind EventBridge) and its dependencies with Maven, and
# writes their classpath to <repo>/.ruler/classpath.txt for the event-pattern tests.
# Idempotent: when the classpath is newer than the pom and every jar is there, it does nothing.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pom="${repo_root}/packages/infra/test/ruler/pom.xml"
out="${repo_root}/.ruler/classpath.txt"

up_to_date() {
  [[ -s "${out}" && "${out}" -nt "${pom}" ]] || return 1
  local jar
  while IFS= read -r jar; do [[ -f "${jar}" ]] || return 1; done < <(tr ':' '\n' <"${out}")
}

if up_to_date; then
  echo "setup-ruler: up to date (${out})"
  exit 0
fi
for tool in java mvn; do
  command -v "${tool}" >/dev/null || { echo "setup-ruler: ${tool} is not installed (Java 17+ and Maven are needed for the event-pattern tests)" >&2; exit 1; }
done
mkdir -p "$(dirname "${out}")"
log="$(mktemp)"
trap 'rm -f "${log}"' EXIT
if ! mvn -q -B -f "${pom}" dependency:build-classpath -Dmdep.outputFile="${out}" >"${log}" 2>&1; then
  echo "setup-ruler: resolving Event Ruler with Maven failed (output follows)" >&2
  cat "${log}" >&2
  exit 1
fi
echo "setup-ruler: Event Ruler classpath written to ${out}"
