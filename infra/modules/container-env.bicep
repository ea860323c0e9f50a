// A VNet-injected Container Apps environment with the Consumption workload profile only (no base fee
// for dedicated profiles). `internal: true` gives it an internal load balancer and no public IP: that is
// the environment Elasticsearch lives in. Logs go to Log Analytics through diagnostic settings because
// the workspace has local (shared-key) auth turned off.

param name string
param location string
param tags object

@description('Infrastructure subnet (delegated to Microsoft.App/environments, at least /27).')
param subnetId string

@description('True: reachable only from the virtual network (internal load balancer).')
param internal bool

param logAnalyticsWorkspaceId string

@description('Encrypt traffic between apps inside the environment (peer-to-peer TLS).')
param peerTrafficEncryption bool = false

resource managedEnvironment 'Microsoft.App/managedEnvironments@2026-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    vnetConfiguration: {
      infrastructureSubnetId: subnetId
      internal: internal
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    zoneRedundant: false
    peerTrafficConfiguration: {
      encryption: {
        enabled: peerTrafficEncryption
      }
    }
    publicNetworkAccess: internal ? 'Disabled' : 'Enabled'
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: managedEnvironment
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
  }
}

output id string = managedEnvironment.id
output name string = managedEnvironment.name
output defaultDomain string = managedEnvironment.properties.defaultDomain
output staticIp string = managedEnvironment.properties.staticIp
