#!/bin/sh
# azd hook hooks.postprovision (azure.yaml): stop every active Elasticsearch revision except the latest.
set -eu
exec sh "$(dirname "$0")/es-revisions.sh" old
