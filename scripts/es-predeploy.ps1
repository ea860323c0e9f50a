# azd hook services.elasticsearch.hooks.predeploy on Windows: see scripts/es-predeploy.sh.
$ErrorActionPreference = 'Stop'
& (Join-Path $PSScriptRoot 'es-revisions.ps1') -Mode all
exit $LASTEXITCODE
