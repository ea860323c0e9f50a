# azd hook hooks.postprovision on Windows: see scripts/es-postprovision.sh.
$ErrorActionPreference = 'Stop'
& (Join-Path $PSScriptRoot 'es-revisions.ps1') -Mode old
exit $LASTEXITCODE
