// One user-assigned identity per workload, so each gets only the roles it needs (platform notes A7.6).
// User-assigned rather than system identities: role assignments can exist before the apps are created,
// which Container Apps need for registry pulls and Key Vault secret references on first start.

param functionIdentityName string
param elasticsearchIdentityName string
param grafanaIdentityName string
param location string
param tags object

resource functionIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: functionIdentityName
  location: location
  tags: tags
}

resource elasticsearchIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: elasticsearchIdentityName
  location: location
  tags: tags
}

resource grafanaIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: grafanaIdentityName
  location: location
  tags: tags
}

output functionIdentityId string = functionIdentity.id
output functionPrincipalId string = functionIdentity.properties.principalId
output functionClientId string = functionIdentity.properties.clientId
output elasticsearchIdentityId string = elasticsearchIdentity.id
output elasticsearchPrincipalId string = elasticsearchIdentity.properties.principalId
output elasticsearchClientId string = elasticsearchIdentity.properties.clientId
output grafanaIdentityId string = grafanaIdentity.id
output grafanaPrincipalId string = grafanaIdentity.properties.principalId
output grafanaClientId string = grafanaIdentity.properties.clientId
