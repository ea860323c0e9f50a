#!/usr/bin/env bash
# Installs the test tools that cannot live in the project's virtual environment, under .tools/ (git-ignored):
# - checkov, in its own venv (it pins an older pycep-parser than the one the tests use);
# - Azurite (npm), the Azure Storage emulator the Blob archive tests run against.
# Idempotent: tools already present are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tools
if [ ! -x .tools/checkov/bin/checkov ]; then
  "${PYTHON:-python3}" -m venv .tools/checkov
  .tools/checkov/bin/pip install -q --disable-pip-version-check checkov==3.3.30
fi
if command -v npm >/dev/null 2>&1 && [ ! -x .tools/node_modules/.bin/azurite-blob ]; then
  npm install --silent --no-audit --no-fund --prefix .tools azurite@3.37.0 >/dev/null
fi
