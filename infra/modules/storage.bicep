// Storage for the Function App: its host state (timer schedule monitor, locks), its deployment package
// (Flex Consumption deploys from a blob container) and the raw report archive. Shared keys are off:
// every client (host, deployment, archive writer) authenticates with the Function's identity.

param name string
param location string
param tags object

@description('Blob container that holds the Function App package (Flex Consumption deployment).')
param deploymentContainerName string

@description('Blob container for the raw Copilot reports the collector archives.')
param archiveContainerName string

@description('Disabled: reachable only through a private endpoint (PRIVATE_ENDPOINTS=true).')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string = 'Enabled'

// With private endpoints the public endpoint is closed and the network rules deny by default.
var publicAccessDisabled = publicNetworkAccess == 'Disabled'

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // A ternary, not the parameter itself: checkov 3.3.30 reads a bare parameter's default only for some
    // hash seeds, which made its result change from run to run.
    publicNetworkAccess: publicAccessDisabled ? 'Disabled' : 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: publicAccessDisabled ? 'Deny' : 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource archiveContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: archiveContainerName
  properties: {
    publicAccess: 'None'
  }
}

output id string = account.id
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output deploymentContainerName string = deploymentContainer.name
output archiveContainerName string = archiveContainer.name
