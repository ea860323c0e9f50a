#!/usr/bin/env bash
# Installs the test tools that cannot live in the project's virtual environment, under .tools/ (git-ignored):
# - checkov, in its own venv: it pins pycep-parser 0.5.1 while the project's Bicep tests use 0.7.1. Inside
#   that venv pycep-parser is then raised to 0.7.1 as well (pip warns about checkov's pin; checkov works
#   with it): 0.5.1 rejects `extension`, deployer() and other syntax in infra/, and a file checkov cannot
#   parse is a file it does not check;
# - Azurite (npm), the Azure Storage emulator the Blob archive tests run against.
# Idempotent: tools already present at the right version are left alone (a second run takes seconds).
set -euo pipefail
cd "$(dirname "$0")/.."

CHECKOV_VERSION="3.3.30"
PYCEP_VERSION="0.7.1"
venv=".tools/checkov"

mkdir -p .tools

installed_version() {
  # Version of a distribution inside the checkov venv, or nothing.
  "${venv}/bin/python" -c 'import sys
from importlib.metadata import PackageNotFoundError, version
try:
    print(version(sys.argv[1]))
except PackageNotFoundError:
    pass' "$1" 2>/dev/null || true
}

[ -x "${venv}/bin/python" ] || "${PYTHON:-python3}" -m venv "${venv}"
if [ "$(installed_version checkov)" != "${CHECKOV_VERSION}" ]; then
  "${venv}/bin/pip" install -q --disable-pip-version-check "checkov==${CHECKOV_VERSION}"
fi
if [ "$(installed_version pycep-parser)" != "${PYCEP_VERSION}" ]; then
  # --no-deps leaves checkov's other pins alone; pip's warning about checkov's pycep pin is expected.
  "${venv}/bin/pip" install -q --disable-pip-version-check --no-deps "pycep-parser==${PYCEP_VERSION}" 2>&1 \
    | grep -v "requires pycep-parser\|dependency resolver does not currently" >&2 || true
  [ "$(installed_version pycep-parser)" = "${PYCEP_VERSION}" ] \
    || { echo "install-tools: could not install pycep-parser ${PYCEP_VERSION} for checkov" >&2; exit 1; }
fi

if command -v npm >/dev/null 2>&1 && [ ! -x .tools/node_modules/.bin/azurite-blob ]; then
  npm install --silent --no-audit --no-fund --prefix .tools azurite@3.37.0 >/dev/null
fi
