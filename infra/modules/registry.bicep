// Container registry for the Elasticsearch and Grafana images. azd builds them remotely (ACR Tasks),
// so no one pushes with a password: the admin user stays off and the apps pull with their identities.

param name string
param location string
param tags object

@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param sku string = 'Basic'

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

output name string = registry.name
output loginServer string = registry.properties.loginServer
