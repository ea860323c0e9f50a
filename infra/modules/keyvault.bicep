// Key Vault in RBAC mode holding every secret of the deployment: the GitHub credential and the
// generated passwords of Elasticsearch's users and Grafana's admin. Values arrive as @secure()
// parameters and go straight into secrets; nothing is echoed back in an output.

param name string
param location string
param tags object

@description('Turn on purge protection. Irreversible once on; off lets `azd down --purge` free the name.')
param enablePurgeProtection bool

@description('Disabled: reachable only through a private endpoint (PRIVATE_ENDPOINTS=true).')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string = 'Enabled'

@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@description('Secret names, owned by main.bicep because the apps and role assignments use them too.')
param secretNames object

@secure()
@description('GitHub personal access token; empty when a GitHub App is used instead.')
param githubPat string = ''

@secure()
@description('PEM private key of the GitHub App; empty when a PAT is used instead.')
param githubAppPrivateKey string = ''

@secure()
param elasticPassword string

@secure()
param elasticsearchWriterPassword string

@secure()
param elasticsearchReaderPassword string

@secure()
param grafanaAdminPassword string

@secure()
@description('Grafana\'s alert webhook URL (often with a token in it); empty: no secret.')
param alertWebhookUrl string = ''

@secure()
@description('API key of an existing Elasticsearch cluster for the collector (external mode); empty: none.')
param externalApiKey string = ''

@secure()
@description('API key of that cluster for Grafana (read-only); empty: none.')
param externalReaderApiKey string = ''


// With private endpoints the public endpoint is closed and the network rules deny by default.
var publicAccessDisabled = publicNetworkAccess == 'Disabled'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    // The API rejects an explicit false ("cannot be set to false"), so "off" is sent as null.
    enablePurgeProtection: enablePurgeProtection ? true : null
    // A ternary, not the parameter itself: checkov 3.3.30 reads a bare parameter's default only for some
    // hash seeds, which made its result change from run to run.
    publicNetworkAccess: publicAccessDisabled ? 'Disabled' : 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: publicAccessDisabled ? 'Deny' : 'Allow'
    }
  }
}

resource githubPatSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(githubPat)) {
  parent: vault
  name: secretNames.githubPat
  properties: {
    value: githubPat
    contentType: 'text/plain'
  }
}

resource githubAppKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(githubAppPrivateKey)) {
  parent: vault
  name: secretNames.githubAppPrivateKey
  properties: {
    value: githubAppPrivateKey
    contentType: 'application/x-pem-file'
  }
}

resource elasticPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: secretNames.elasticPassword
  properties: {
    value: elasticPassword
    contentType: 'text/plain'
  }
}

resource writerPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: secretNames.elasticsearchWriterPassword
  properties: {
    value: elasticsearchWriterPassword
    contentType: 'text/plain'
  }
}

resource readerPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: secretNames.elasticsearchReaderPassword
  properties: {
    value: elasticsearchReaderPassword
    contentType: 'text/plain'
  }
}

resource grafanaAdminPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: secretNames.grafanaAdminPassword
  properties: {
    value: grafanaAdminPassword
    contentType: 'text/plain'
  }
}

resource alertWebhookSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(alertWebhookUrl)) {
  parent: vault
  name: secretNames.alertWebhookUrl
  properties: {
    value: alertWebhookUrl
    contentType: 'text/uri-list'
  }
}

resource externalApiKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(externalApiKey)) {
  parent: vault
  name: secretNames.externalApiKey
  properties: {
    value: externalApiKey
    contentType: 'text/plain'
  }
}

resource externalReaderApiKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(externalReaderApiKey)) {
  parent: vault
  name: secretNames.externalReaderApiKey
  properties: {
    value: externalReaderApiKey
    contentType: 'text/plain'
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
