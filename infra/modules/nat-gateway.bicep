// Optional NAT gateway (NAT_GATEWAY=true): gives the collector one fixed public outbound address, for
// GitHub organizations or enterprises that allow API calls only from listed IP addresses. Associated
// with the Function's subnet in modules/network.bicep; a Flex Consumption app integrated with a virtual
// network sends its outbound traffic through it [unverified for every destination; docs/deploy-azure.md].

param name string
param location string
param tags object

@description('Minutes an idle outbound connection stays open (4 to 120).')
@minValue(4)
@maxValue(120)
param idleTimeoutInMinutes int = 4

resource publicIp 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
  name: 'pip-${name}'
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  properties: {
    publicIPAllocationMethod: 'Static'
    publicIPAddressVersion: 'IPv4'
  }
}

resource natGateway 'Microsoft.Network/natGateways@2024-05-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  properties: {
    idleTimeoutInMinutes: idleTimeoutInMinutes
    publicIpAddresses: [
      {
        id: publicIp.id
      }
    ]
  }
}

output id string = natGateway.id
output outboundIp string = publicIp.properties.ipAddress
