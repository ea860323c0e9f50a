#!/bin/sh
# azd preprovision hook (POSIX sh; scripts/preprovision.ps1 is the Windows twin).
# Checks, before anything is created, that the azd environment (or the pipeline's environment) holds
# what the deployment needs, and reports every problem at once, naming the variable to set.
# The classic deployment's names keep working: GH_PAT, GH_ORGANIZATION_SLUGS, GH_ENTERPRISE_SLUGS,
# AZURE_AUTHENTICATION_*, AZURE_ROLE_ASSIGNMENTS (infra/main.parameters.json maps them the same way).
# Secret values are never printed, only the names of the variables that hold them.
set -u

problems=""
problem() {
    problems="${problems}  - $*
"
}

# value NAME [FALLBACK]: the variable's value, or the fallback's when the first is empty (this is
# what ${NAME=${FALLBACK}} does in main.parameters.json).
value() {
    eval "v=\${$1:-}"
    if [ -z "$v" ] && [ $# -gt 1 ]; then
        eval "v=\${$2:-}"
    fi
    printf '%s' "$v"
}

# source_of NAME FALLBACK: which of the two names supplies the value (for messages).
source_of() {
    eval "v=\${$1:-}"
    if [ -n "$v" ]; then printf '%s' "$1"; else printf '%s' "$2"; fi
}

NL='
'
# matches VALUE REGEX: the whole value (never just one of its lines) matches the extended regex.
matches() {
    case "$1" in *"$NL"*) return 1 ;; esac
    printf '%s\n' "$1" | grep -Eq "$2"
}
has_space() {
    case "$1" in *"$NL"*) return 0 ;; esac
    printf '%s\n' "$1" | grep -q '[[:space:]]'
}

# Azure Pipelines leaves an undefined $(NAME) macro as literal text in the step's environment.
for name in GITHUB_PAT GH_PAT GITHUB_APP_PRIVATE_KEY GH_APP_PRIVATE_KEY GITHUB_APP_ID GH_APP_ID \
    GITHUB_APP_INSTALLATION_ID GH_APP_INSTALLATION_ID ORGANIZATION_SLUGS GH_ORGANIZATION_SLUGS \
    ENTERPRISE_SLUGS GH_ENTERPRISE_SLUGS ELASTIC_PASSWORD ES_WRITER_PASSWORD ES_READER_PASSWORD \
    GRAFANA_ADMIN_PASSWORD AUTH_CLIENT_ID AZURE_AUTHENTICATION_CLIENT_ID GRAFANA_AUTH_CLIENT_ID GH_API_URL \
    EXTERNAL_ELASTICSEARCH_URL EXTERNAL_ELASTICSEARCH_API_KEY EXTERNAL_ELASTICSEARCH_READER_API_KEY; do
    if matches "$(value "$name")" '^\$\([A-Za-z_][A-Za-z0-9_.]*\)$'; then
        problem "$name holds an unresolved Azure Pipelines macro: define that pipeline variable, or remove the mapping from the pipeline"
        eval "$name=''"
    fi
done

# --- what to collect ---------------------------------------------------------------------------------
orgs="$(value ORGANIZATION_SLUGS GH_ORGANIZATION_SLUGS)"
enterprises="$(value ENTERPRISE_SLUGS GH_ENTERPRISE_SLUGS)"
if [ -z "$(printf '%s' "$orgs$enterprises" | tr -d ', ')" ]; then
    problem "no scope: set ORGANIZATION_SLUGS (or GH_ORGANIZATION_SLUGS) and/or ENTERPRISE_SLUGS to comma-separated slugs, e.g. azd env set ORGANIZATION_SLUGS my-org"
fi
check_slugs() {
    old_ifs=$IFS
    IFS=','
    for slug in $2; do
        slug="$(printf '%s' "$slug" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')"
        [ -z "$slug" ] && continue
        if ! matches "$slug" '^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$'; then
            problem "$1 has an invalid slug '$slug': use letters, digits, '-' or '_'"
        fi
    done
    IFS=$old_ifs
}
check_slugs "$(source_of ORGANIZATION_SLUGS GH_ORGANIZATION_SLUGS)" "$orgs"
check_slugs "$(source_of ENTERPRISE_SLUGS GH_ENTERPRISE_SLUGS)" "$enterprises"

# --- GitHub credential -------------------------------------------------------------------------------
pat="$(value GITHUB_PAT GH_PAT)"
app_id="$(value GITHUB_APP_ID GH_APP_ID)"
installation_id="$(value GITHUB_APP_INSTALLATION_ID GH_APP_INSTALLATION_ID)"
app_key="$(value GITHUB_APP_PRIVATE_KEY GH_APP_PRIVATE_KEY)"

if [ -n "$pat" ] && has_space "$pat"; then
    problem "$(source_of GITHUB_PAT GH_PAT) contains white space; set the token alone"
fi
if [ -n "$app_id$installation_id$app_key" ]; then
    [ -n "$app_id" ] || problem "a GitHub App is partly configured: set GITHUB_APP_ID (or GH_APP_ID)"
    [ -n "$installation_id" ] || problem "a GitHub App is partly configured: set GITHUB_APP_INSTALLATION_ID (or GH_APP_INSTALLATION_ID)"
    [ -n "$app_key" ] || problem "a GitHub App is partly configured: set GITHUB_APP_PRIVATE_KEY (or GH_APP_PRIVATE_KEY) to the app's PEM private key"
    if [ -n "$app_id" ] && ! matches "$app_id" '^[0-9]+$'; then
        problem "$(source_of GITHUB_APP_ID GH_APP_ID) must be the numeric App id"
    fi
    if [ -n "$installation_id" ] && ! matches "$installation_id" '^[0-9]+$'; then
        problem "$(source_of GITHUB_APP_INSTALLATION_ID GH_APP_INSTALLATION_ID) must be the numeric installation id"
    fi
    case "$app_key" in
        '' | *"PRIVATE KEY"*) ;;
        *) problem "$(source_of GITHUB_APP_PRIVATE_KEY GH_APP_PRIVATE_KEY) is not a PEM private key (expected '-----BEGIN ... PRIVATE KEY-----')" ;;
    esac
elif [ -z "$pat" ]; then
    problem "no GitHub credential: set GITHUB_PAT (or GH_PAT) with azd env set GITHUB_PAT <token>, or a GitHub App (GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID, GITHUB_APP_PRIVATE_KEY)"
fi

# --- simple settings ---------------------------------------------------------------------------------
check_bool() {
    v="$(value "$1")"
    case "$v" in
        '' | true | false) ;;
        *) problem "$1 must be true or false" ;;
    esac
}
for name in AZURE_ROLE_ASSIGNMENTS AZURE_AUTHENTICATION_ENABLED CREATE_APP_REGISTRATION KEY_VAULT_PURGE_PROTECTION \
    PRIVATE_ENDPOINTS NAT_GATEWAY ELASTICSEARCH_BACKUPS; do
    check_bool "$name"
done

check_pattern() {
    # check_pattern NAME REGEX MESSAGE: only when the variable is set.
    v="$(value "$1")"
    if [ -n "$v" ] && ! matches "$v" "$2"; then
        problem "$1 $3"
    fi
}
check_pattern INDEX_PREFIX '^[a-z0-9][a-z0-9_-]{0,49}$' "must be lowercase letters, digits, '-' or '_' and start with a letter or digit"
check_pattern LATE_WINDOW_DAYS '^([0-9]|[1-5][0-9]|60)$' "must be a whole number from 0 to 60"
check_pattern MAX_CONCURRENCY '^([1-9]|[12][0-9]|3[0-2])$' "must be a whole number from 1 to 32"
check_pattern BACKFILL_START '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' "must be a date as YYYY-MM-DD"
check_pattern LOG_LEVEL '^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$' "must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"
check_pattern COLLECT_SCHEDULE '^[^ ]+( [^ ]+){5}$' "must be an NCRONTAB expression with six fields (seconds first), e.g. '0 5 * * * *'"
# GH_API_URL first: inside GitHub Actions, GITHUB_API_URL is the runner's own variable (main.parameters.json).
check_pattern GH_API_URL '^https?://[^ ]+$' "must be a URL starting with https://"
check_pattern GITHUB_API_URL '^https?://[^ ]+$' "must be a URL starting with https://"
check_pattern AZURE_PRINCIPAL_TYPE '^(User|ServicePrincipal|Group)$' "must be User, ServicePrincipal or Group"
check_pattern SNAPSHOT_SCHEDULE '^[0-9A-Za-z*?/,# -]+$' "must be an Elasticsearch cron expression such as '0 30 1 * * ?'"
for name in SNAPSHOT_RETENTION_DAYS SNAPSHOT_MIN_COUNT SNAPSHOT_MAX_COUNT; do
    check_pattern "$name" '^[1-9][0-9]{0,3}$' "must be a whole number from 1 to 9999"
done
check_pattern SNAPSHOT_STORAGE_SKU '^Standard_(LRS|ZRS|GRS)$' "must be Standard_LRS, Standard_ZRS or Standard_GRS"

# --- an existing Elasticsearch cluster -----------------------------------------------------------------
es_url="$(value EXTERNAL_ELASTICSEARCH_URL)"
if [ -n "$es_url" ]; then
    matches "$es_url" '^https://[^ /]+(:[0-9]+)?/?$' \
        || problem "EXTERNAL_ELASTICSEARCH_URL must be the cluster's https:// URL (scheme, host and optional port only)"
    [ -n "$(value EXTERNAL_ELASTICSEARCH_API_KEY)" ] \
        || problem "EXTERNAL_ELASTICSEARCH_URL is set but EXTERNAL_ELASTICSEARCH_API_KEY is not: the collector needs an API key (docs/deploy-azure.md, existing cluster)"
    for name in EXTERNAL_ELASTICSEARCH_API_KEY EXTERNAL_ELASTICSEARCH_READER_API_KEY; do
        v="$(value "$name")"
        if [ -n "$v" ] && has_space "$v"; then
            problem "$name contains white space; set the encoded API key alone"
        fi
    done
elif [ -n "$(value EXTERNAL_ELASTICSEARCH_API_KEY)" ]; then
    problem "EXTERNAL_ELASTICSEARCH_API_KEY is set but EXTERNAL_ELASTICSEARCH_URL is not"
fi

for name in VNET_ADDRESS_PREFIX PRIVATE_ENV_SUBNET_PREFIX PUBLIC_ENV_SUBNET_PREFIX FUNCTION_SUBNET_PREFIX \
    PRIVATE_ENDPOINT_SUBNET_PREFIX; do
    check_pattern "$name" '^([0-9]{1,3}[.]){3}[0-9]{1,3}/[0-9]{1,2}$' "must be an address range like 10.60.0.0/16"
done

# --- Grafana sign-in ---------------------------------------------------------------------------------
guid='^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
# Same order as authClientId in main.parameters.json; GRAFANA_AUTH_CLIENT_ID is the registration an
# earlier provision created (an output), which pipelines and later provisions reuse.
client_id="$(value AUTH_CLIENT_ID AZURE_AUTHENTICATION_CLIENT_ID)"
client_source="$(source_of AUTH_CLIENT_ID AZURE_AUTHENTICATION_CLIENT_ID)"
if [ -z "$client_id" ]; then
    client_id="$(value GRAFANA_AUTH_CLIENT_ID)"
    client_source=GRAFANA_AUTH_CLIENT_ID
fi
if [ -n "$client_id" ] && ! matches "$client_id" "$guid"; then
    problem "$client_source must be the application (client) id, a GUID"
fi
check_pattern AZURE_AUTHENTICATION_OPEN_ID_ISSUER '^https://[^/]+/[0-9a-fA-F-]{36}(/v2\.0)?/?$' \
    "must look like https://login.microsoftonline.com/<tenant id>/v2.0"
check_pattern GRAFANA_ALLOWED_GROUPS '^[0-9a-fA-F-]{36}(,[0-9a-fA-F-]{36})*$' "must be comma-separated group object ids"
if [ "$(value AZURE_AUTHENTICATION_ENABLED)" != "false" ] && [ "$(value CREATE_APP_REGISTRATION)" = "false" ] \
    && [ -z "$client_id" ]; then
    problem "Grafana sign-in needs an app registration: set AUTH_CLIENT_ID (or AZURE_AUTHENTICATION_CLIENT_ID) to an existing one, or CREATE_APP_REGISTRATION=true (see docs/deploy-azure.md)"
fi
# Cross-tenant sign-in: the automatic registration is single-tenant and lives in the deployment's tenant,
# and Grafana's managed identity (the federated credential) belongs to that tenant too. Users of another
# tenant cannot sign in with it; infra/main.bicep refuses the same combination with fail().
issuer="$(value AZURE_AUTHENTICATION_OPEN_ID_ISSUER)"
deploy_tenant="$(value AZURE_TENANT_ID)"
if [ -n "$issuer" ] && [ -n "$deploy_tenant" ] && [ -z "$client_id" ] \
    && [ "$(value AZURE_AUTHENTICATION_ENABLED)" != "false" ] && [ "$(value CREATE_APP_REGISTRATION)" != "false" ]; then
    issuer_tenant="$(printf '%s' "$issuer" | cut -d/ -f4 | tr 'A-F' 'a-f')"
    if [ "$issuer_tenant" != "$(printf '%s' "$deploy_tenant" | tr 'A-F' 'a-f')" ]; then
        problem "AZURE_AUTHENTICATION_OPEN_ID_ISSUER names another tenant than the deployment's (AZURE_TENANT_ID): the automatic app registration is single-tenant and cannot sign those users in. Leave the issuer empty, or register a multi-tenant app in this tenant and set AUTH_CLIENT_ID (docs/deploy-azure.md, cross-tenant sign-in)"
    fi
fi

# --- generated passwords in pipelines ----------------------------------------------------------------
# Locally azd generates these once and keeps them in .azure/<env>/config.json. A pipeline has no such
# file: without the secrets it would generate new passwords on every run and lock Elasticsearch out.
in_pipeline=false
if [ -n "${TF_BUILD:-}" ] || [ -n "${GITHUB_ACTIONS:-}" ] || [ "${CI:-}" = "true" ]; then
    in_pipeline=true
fi
for name in ELASTIC_PASSWORD ES_WRITER_PASSWORD ES_READER_PASSWORD GRAFANA_ADMIN_PASSWORD; do
    v="$(value "$name")"
    if [ -z "$v" ]; then
        if [ "$in_pipeline" = true ]; then
            problem "$name is not set: in a pipeline it must come from a secret (azd pipeline config copies it; see docs/deploy-azure.md)"
        fi
    elif [ "${#v}" -lt 16 ] || has_space "$v"; then
        problem "$name must be at least 16 characters without white space"
    fi
done

if [ -n "$problems" ]; then
    printf 'preprovision: the deployment cannot start:\n%s' "$problems" >&2
    exit 1
fi

credential="personal access token"
[ -n "$app_id" ] && credential="GitHub App $app_id"
signin="Microsoft Entra ID"
if [ "$(value AZURE_AUTHENTICATION_ENABLED)" = "false" ]; then
    signin="local admin only (Entra ID sign-in is off)"
elif [ -n "$client_id" ]; then
    signin="Microsoft Entra ID, existing app registration $client_id"
fi
printf 'preprovision: ok\n'
printf '  organizations: %s\n' "${orgs:--}"
printf '  enterprises:   %s\n' "${enterprises:--}"
printf '  credential:    %s (stored in Key Vault)\n' "$credential"
printf '  Grafana:       %s\n' "$signin"
