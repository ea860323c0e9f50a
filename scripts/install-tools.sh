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

# Real search engines for the tests (tests/engines/): Elasticsearch and OpenSearch nodes resolved from
# their Maven manifests and a launcher compiled with javac. Re-resolved only when a manifest or launcher
# changes (the stamp holds their checksum).
install_engine() {
  local kind=$1 src="tests/engines/$1" dest=".tools/engines/$1"
  local sum
  sum=$(cat "${src}/pom.xml" "${src}/src/TestNode.java" | sha256sum | cut -d' ' -f1)
  if [ -f "${dest}/stamp" ] && [ "$(cat "${dest}/stamp")" = "${sum}" ]; then
    return 0
  fi
  rm -rf "${dest}"
  mkdir -p "${dest}/classes"
  mvn -q -B -Dstyle.color=never -f "${src}/pom.xml" dependency:copy-dependencies -DoutputDirectory="$(pwd)/${dest}/lib" \
    || { echo "install-tools: Maven could not resolve the ${kind} test node (${src}/pom.xml)" >&2; return 1; }
  javac -nowarn -cp "${dest}/lib/*" -d "${dest}/classes" "${src}/src/TestNode.java" \
    || { echo "install-tools: javac could not compile ${src}/src/TestNode.java" >&2; return 1; }
  echo "${sum}" > "${dest}/stamp"
}

if command -v mvn >/dev/null 2>&1 && command -v javac >/dev/null 2>&1; then
  for kind in elasticsearch opensearch; do
    install_engine "${kind}" || [ "${CI:-}" != "true" ]
  done
elif [ "${CI:-}" = "true" ]; then
  echo "install-tools: Java 17 and Maven are needed for the Elasticsearch and OpenSearch test nodes" >&2
  exit 1
else
  echo "install-tools: no Java/Maven: tests fall back to the bundled engine (see README)" >&2
fi

# From the distribution's packages, in CI, when missing (elsewhere their tests are skipped and say why):
# - chromium renders the HTML report to a screenshot (tests/integration/test_report_html.py);
# - shellcheck checks the shell hooks and entrypoints (tests/infra).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "${CI:-}" = "true" ] && command -v apt-get >/dev/null 2>&1; then
    apt_get="apt-get"
    [ "$(id -u)" -eq 0 ] || apt_get="sudo apt-get"
    ${apt_get} update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive ${apt_get} install -y -qq "${missing[@]}" >/dev/null \
      || { echo "install-tools: could not install ${missing[*]}" >&2; exit 1; }
  else
    echo "install-tools: not installed: ${missing[*]}: their tests are skipped (CI installs them)" >&2
  fi
fi
