// Grafana as a container app in the PUBLIC environment, signing users in with Microsoft Entra ID
// (Grafana's native azuread provider). The app registration trusts this app's user-assigned identity
// through a federated credential, so there is no client secret anywhere (client_authentication =
// managed_identity). App roles Viewer/Editor/Admin map to Grafana roles; users without one are refused
// (role_attribute_strict). Grafana is stateless: datasources and dashboards come from the image.

param name string

@description('Public URL of the app (https://<name>.<environment default domain>), computed by the caller.')
param rootUrl string

param location string
param tags object

@description('Name of the public Container Apps environment.')
param environmentName string

@description('User-assigned identity (resource id): registry pull, Key Vault references, Entra client auth.')
param identityId string

@description('Client id of that identity (Grafana uses it to obtain its federated client assertion).')
param identityClientId string

param registryServer string
param image string
param keyVaultUri string
param adminPasswordSecretName string

@description('Key Vault secret with Grafana\'s Elasticsearch credential: grafana_reader\'s password, or an API key.')
param readerPasswordSecretName string

@description('How Grafana authenticates to Elasticsearch: basic (grafana_reader) or apiKey (an external cluster).')
@allowed([
  'basic'
  'apiKey'
])
param elasticsearchAuth string = 'basic'

@description('URL of Elasticsearch as seen from inside the virtual network.')
param elasticsearchUrl string

param indexPrefix string

@description('Sign-in with Microsoft Entra ID; when false, only the local admin login form is available.')
param entraAuthEnabled bool

@description('Application (client) id of the Entra app registration.')
param authClientId string

@description('Tenant whose users may sign in.')
param authTenantId string

@description('Comma-separated Entra group object ids allowed to sign in (empty: any user with an app role).')
param allowedGroups string = ''

@description('Key Vault secret holding the alert webhook URL (ALERT_WEBHOOK_URL); empty: no contact point is provisioned.')
param alertWebhookSecretName string = ''

var authority = '${environment().authentication.loginEndpoint}${authTenantId}'
var secretsMountPath = '/run/secrets'

resource managedEnvironment 'Microsoft.App/managedEnvironments@2026-01-01' existing = {
  name: environmentName
}

var serverSettings = [
  {
    name: 'GF_SERVER_ROOT_URL'
    value: rootUrl
  }
  {
    name: 'GF_SERVER_HTTP_PORT'
    value: '3000'
  }
  {
    name: 'GF_SECURITY_ADMIN_USER'
    value: 'admin'
  }
  {
    name: 'GF_SECURITY_ADMIN_PASSWORD__FILE'
    value: '${secretsMountPath}/grafana-admin-password'
  }
  {
    name: 'GF_SECURITY_COOKIE_SECURE'
    value: 'true'
  }
  {
    name: 'GF_SECURITY_DISABLE_GRAVATAR'
    value: 'true'
  }
  {
    name: 'GF_USERS_ALLOW_SIGN_UP'
    value: 'false'
  }
  {
    name: 'GF_AUTH_ANONYMOUS_ENABLED'
    value: 'false'
  }
  {
    name: 'GF_AUTH_BASIC_ENABLED'
    value: 'false'
  }
  {
    // With SSO on the form is hidden. Break-glass: provision once with Entra sign-in off, log in as admin.
    name: 'GF_AUTH_DISABLE_LOGIN_FORM'
    value: entraAuthEnabled ? 'true' : 'false'
  }
  {
    name: 'GF_ANALYTICS_REPORTING_ENABLED'
    value: 'false'
  }
  {
    name: 'GF_ANALYTICS_CHECK_FOR_UPDATES'
    value: 'false'
  }
]

var entraSettings = [
  {
    name: 'GF_AUTH_AZUREAD_ENABLED'
    value: entraAuthEnabled ? 'true' : 'false'
  }
  {
    name: 'GF_AUTH_AZUREAD_NAME'
    value: 'Microsoft Entra ID'
  }
  {
    name: 'GF_AUTH_AZUREAD_CLIENT_ID'
    value: authClientId
  }
  {
    name: 'GF_AUTH_AZUREAD_CLIENT_AUTHENTICATION'
    value: 'managed_identity'
  }
  {
    name: 'GF_AUTH_AZUREAD_MANAGED_IDENTITY_CLIENT_ID'
    value: identityClientId
  }
  {
    name: 'GF_AUTH_AZUREAD_FEDERATED_CREDENTIAL_AUDIENCE'
    value: 'api://AzureADTokenExchange'
  }
  {
    name: 'GF_AUTH_AZUREAD_AUTH_URL'
    value: '${authority}/oauth2/v2.0/authorize'
  }
  {
    name: 'GF_AUTH_AZUREAD_TOKEN_URL'
    value: '${authority}/oauth2/v2.0/token'
  }
  {
    name: 'GF_AUTH_AZUREAD_SCOPES'
    value: 'openid email profile'
  }
  {
    name: 'GF_AUTH_AZUREAD_ALLOWED_ORGANIZATIONS'
    value: authTenantId
  }
  {
    name: 'GF_AUTH_AZUREAD_ALLOWED_GROUPS'
    value: allowedGroups
  }
  {
    name: 'GF_AUTH_AZUREAD_ROLE_ATTRIBUTE_STRICT'
    value: 'true'
  }
  {
    name: 'GF_AUTH_AZUREAD_ALLOW_ASSIGN_GRAFANA_ADMIN'
    value: 'false'
  }
  {
    // Users are created on their first Entra sign-in; the local sign-up form stays off.
    name: 'GF_AUTH_AZUREAD_ALLOW_SIGN_UP'
    value: 'true'
  }
  {
    name: 'GF_AUTH_AZUREAD_USE_PKCE'
    value: 'true'
  }
]

// Read by the datasource provisioning baked into the image (grafana/provisioning/datasources).
var datasourceSettings = [
  {
    name: 'ELASTICSEARCH_URL'
    value: elasticsearchUrl
  }
  {
    name: 'ELASTICSEARCH_USERNAME'
    value: 'grafana_reader'
  }
  {
    name: 'ELASTICSEARCH_PASSWORD'
    secretRef: 'reader-password'
  }
  {
    name: 'INDEX_PREFIX'
    value: indexPrefix
  }
]

// With an external cluster: an API key. The image's entrypoint then provisions the API-key variant of the
// datasources (grafana/datasources-apikey), which sends it as `Authorization: ApiKey ...`.
var apiKeyDatasourceSettings = [
  {
    name: 'ELASTICSEARCH_URL'
    value: elasticsearchUrl
  }
  {
    name: 'ELASTICSEARCH_API_KEY'
    secretRef: 'reader-api-key'
  }
  {
    name: 'INDEX_PREFIX'
    value: indexPrefix
  }
]

// Read by the image's entrypoint (grafana/entrypoint.sh), which adds the contact point only when it is set;
// left out entirely when empty so an unset variable and the image's default behave the same. A secret
// reference, never a plain value: webhook URLs carry their token, and plain environment values are shown
// to anyone who may read the app's configuration.
var alertSettings = empty(alertWebhookSecretName) ? [] : [
  {
    name: 'ALERT_WEBHOOK_URL'
    secretRef: 'alert-webhook-url'
  }
]

// Every secret is a Key Vault reference read with the app's identity.
var keyVaultSecrets = [
  {
    name: 'grafana-admin-password'
    keyVaultUrl: '${keyVaultUri}secrets/${adminPasswordSecretName}'
    identity: identityId
  }
]

var useBasicAuth = elasticsearchAuth == 'basic'

var readerSecrets = useBasicAuth ? [
  {
    name: 'reader-password'
    keyVaultUrl: '${keyVaultUri}secrets/${readerPasswordSecretName}'
    identity: identityId
  }
] : [
  {
    name: 'reader-api-key'
    keyVaultUrl: '${keyVaultUri}secrets/${readerPasswordSecretName}'
    identity: identityId
  }
]

var alertSecrets = empty(alertWebhookSecretName) ? [] : [
  {
    name: 'alert-webhook-url'
    keyVaultUrl: '${keyVaultUri}secrets/${alertWebhookSecretName}'
    identity: identityId
  }
]

resource app 'Microsoft.App/containerApps@2026-01-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'grafana' })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: managedEnvironment.id
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: 3000
        transport: 'http'
        allowInsecure: false
      }
      registries: [
        {
          server: registryServer
          identity: identityId
        }
      ]
      secrets: concat(keyVaultSecrets, readerSecrets, alertSecrets)
    }
    template: {
      containers: [
        {
          name: 'grafana'
          image: image
          resources: {
            cpu: json('0.5')
            memory: '1Gi'
          }
          env: concat(serverSettings, entraSettings, useBasicAuth ? datasourceSettings : apiKeyDatasourceSettings, alertSettings)
          probes: [
            {
              type: 'Startup'
              httpGet: {
                path: '/api/health'
                port: 3000
              }
              initialDelaySeconds: 5
              periodSeconds: 10
              failureThreshold: 10
            }
            {
              type: 'Liveness'
              httpGet: {
                path: '/api/health'
                port: 3000
              }
              periodSeconds: 30
              failureThreshold: 3
            }
          ]
          volumeMounts: [
            {
              volumeName: 'secrets'
              mountPath: secretsMountPath
            }
          ]
        }
      ]
      // Grafana keeps sessions in its local database: one replica keeps users signed in.
      scale: {
        minReplicas: 1
        maxReplicas: 1
      }
      volumes: [
        {
          name: 'secrets'
          storageType: 'Secret'
          secrets: [
            {
              secretRef: 'grafana-admin-password'
              path: 'grafana-admin-password'
            }
          ]
        }
      ]
    }
  }
}

output name string = app.name
output fqdn string = app.properties.configuration.ingress.fqdn
output url string = 'https://${app.properties.configuration.ingress.fqdn}'
