// Elasticsearch as a single-replica container app in the INTERNAL environment. Its ingress is
// `external: true`, which on an internal environment means "reachable from the virtual network through
// the internal load balancer" (VNet clients get 404 with `external: false`, platform notes §0); the
// environment has no public IP, so nothing on the internet can reach it.
// Data lives on the NFS share; an init container hands the mount to the elasticsearch user (uid 1000).
// The image's entrypoint wrapper creates the copilot_writer and grafana_reader users from the passwords
// below (Key Vault references), from inside the network, on every start.

param name string
param location string
param tags object

@description('Name of the internal Container Apps environment.')
param environmentName string

@description('User-assigned identity (resource id) used for the registry pull and the Key Vault references.')
param identityId string

@description('Client id of that identity: the snapshot repository authenticates to Blob storage with it.')
param identityClientId string

param registryServer string
param image string

// Azure Linux 3.0's busybox: CBL-Mariner 2.0 (the former default) reached its end of life in July 2025.
@description('Image of the init container that fixes data-directory ownership (needs a shell and chown).')
param initImage string = 'mcr.microsoft.com/azurelinux/busybox:1.36'

param keyVaultUri string

@description('Key Vault secret names: elastic, writer and reader passwords.')
param elasticPasswordSecretName string
param writerPasswordSecretName string
param readerPasswordSecretName string

@description('Index name prefix the least-privilege roles are limited to (<prefix>*).')
param indexPrefix string

param nfsServer string
param nfsSharePath string

@description('Address ranges allowed to reach the ingress (the Function\'s and Grafana\'s subnets); everything else is refused.')
@minLength(1)
param allowedSourcePrefixes array

@description('vCPU of the Elasticsearch container (the init container adds 0.25).')
param cpu string = '1.75'

@description('Memory of the Elasticsearch container; heap is set to about half of it.')
param memory string = '3.5Gi'

param heap string = '1792m'

// --- snapshots (repository-azure + snapshot lifecycle management, see elasticsearch/bootstrap-users.sh) ---

@description('Storage account of the snapshot repository; empty: no backups are configured.')
param snapshotAccountName string = ''

param snapshotContainerName string = 'es-snapshots'

@description('SLM schedule: Elasticsearch cron syntax (seconds first), evaluated in UTC.')
param snapshotSchedule string = '0 30 1 * * ?'

@description('Snapshots older than this many days are deleted, keeping at least snapshotMinCount.')
param snapshotRetentionDays string = '30'

param snapshotMinCount string = '7'
param snapshotMaxCount string = '60'

var storageName = 'esdata'

// Read by the image's entrypoint (keystore) and bootstrap script (repository and SLM policy). None of
// them is a secret: the node authenticates to Blob storage with the app's managed identity, which the
// Azure SDK inside repository-azure finds through AZURE_CLIENT_ID.
var snapshotSettings = empty(snapshotAccountName) ? [] : [
  {
    name: 'AZURE_CLIENT_ID'
    value: identityClientId
  }
  {
    name: 'SNAPSHOT_ACCOUNT'
    value: snapshotAccountName
  }
  {
    name: 'SNAPSHOT_CONTAINER'
    value: snapshotContainerName
  }
  {
    name: 'SNAPSHOT_SCHEDULE'
    value: snapshotSchedule
  }
  {
    name: 'SNAPSHOT_RETENTION_DAYS'
    value: snapshotRetentionDays
  }
  {
    name: 'SNAPSHOT_MIN_COUNT'
    value: snapshotMinCount
  }
  {
    name: 'SNAPSHOT_MAX_COUNT'
    value: snapshotMaxCount
  }
]

var nodeSettings = [
  {
    name: 'ES_JAVA_OPTS'
    value: '-Xms${heap} -Xmx${heap}'
  }
  {
    name: 'ELASTIC_PASSWORD'
    secretRef: 'elastic-password'
  }
  {
    name: 'COPILOT_WRITER_PASSWORD'
    secretRef: 'writer-password'
  }
  {
    name: 'GRAFANA_READER_PASSWORD'
    secretRef: 'reader-password'
  }
  {
    name: 'INDEX_PREFIX'
    value: indexPrefix
  }
]
var dataPath = '/usr/share/elasticsearch/data'

resource managedEnvironment 'Microsoft.App/managedEnvironments@2026-01-01' existing = {
  name: environmentName
}

resource dataStorage 'Microsoft.App/managedEnvironments/storages@2026-01-01' = {
  parent: managedEnvironment
  name: storageName
  properties: {
    nfsAzureFile: {
      server: nfsServer
      shareName: nfsSharePath
      accessMode: 'ReadWrite'
    }
  }
}

resource app 'Microsoft.App/containerApps@2026-01-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'elasticsearch' })
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
      // Multiple, not Single: in Single mode Container Apps keeps the old revision running until the new
      // one is ready, but the new one can never get ready while the old one holds the node lock on the
      // shared data directory, so every update stalls (microsoft/azure-container-apps#1011). In Multiple
      // mode the azd hooks deactivate the running revision around each update (scripts/es-revisions.sh):
      // a short, planned outage instead of a stuck deployment (docs/deploy-azure.md, "Redeploying").
      activeRevisionsMode: 'Multiple'
      ingress: {
        external: true
        targetPort: 9200
        transport: 'http'
        allowInsecure: false
        // Only the collector's and Grafana's subnets; any other address in the virtual network is refused.
        ipSecurityRestrictions: [for (prefix, i) in allowedSourcePrefixes: {
          name: 'allow-client-${i}'
          description: 'Elasticsearch client subnet'
          ipAddressRange: prefix
          action: 'Allow'
        }]
        // All traffic to the newest revision, so nothing needs re-pointing after a deployment.
        traffic: [
          {
            latestRevision: true
            weight: 100
          }
        ]
      }
      registries: [
        {
          server: registryServer
          identity: identityId
        }
      ]
      secrets: [
        {
          name: 'elastic-password'
          keyVaultUrl: '${keyVaultUri}secrets/${elasticPasswordSecretName}'
          identity: identityId
        }
        {
          name: 'writer-password'
          keyVaultUrl: '${keyVaultUri}secrets/${writerPasswordSecretName}'
          identity: identityId
        }
        {
          name: 'reader-password'
          keyVaultUrl: '${keyVaultUri}secrets/${readerPasswordSecretName}'
          identity: identityId
        }
      ]
    }
    template: {
      initContainers: [
        {
          name: 'data-ownership'
          image: initImage
          command: [
            '/bin/sh'
          ]
          // Azure Container Apps ignores NFS mount options, so ownership is fixed here (uid 1000 = elasticsearch).
          args: [
            '-c'
            'chown -R 1000:0 ${dataPath} && chmod 0770 ${dataPath}'
          ]
          resources: {
            cpu: json('0.25')
            memory: '0.5Gi'
          }
          volumeMounts: [
            {
              volumeName: storageName
              mountPath: dataPath
            }
          ]
        }
      ]
      containers: [
        {
          name: 'elasticsearch'
          image: image
          resources: {
            cpu: json(cpu)
            memory: memory
          }
          env: concat(nodeSettings, snapshotSettings)
          // TCP probes: with security on, an unauthenticated HTTP probe would only ever see 401.
          probes: [
            {
              type: 'Startup'
              tcpSocket: {
                port: 9200
              }
              initialDelaySeconds: 30
              periodSeconds: 20
              timeoutSeconds: 5
              failureThreshold: 10
            }
            {
              type: 'Liveness'
              tcpSocket: {
                port: 9200
              }
              periodSeconds: 30
              timeoutSeconds: 5
              failureThreshold: 5
            }
            {
              type: 'Readiness'
              tcpSocket: {
                port: 9200
              }
              periodSeconds: 10
              timeoutSeconds: 5
              failureThreshold: 3
            }
          ]
          volumeMounts: [
            {
              volumeName: storageName
              mountPath: dataPath
            }
          ]
        }
      ]
      // One writer per data directory: a second replica would fight over the node lock.
      scale: {
        minReplicas: 1
        maxReplicas: 1
      }
      volumes: [
        {
          name: storageName
          storageType: 'NfsAzureFile'
          storageName: dataStorage.name
        }
      ]
    }
  }
}

output name string = app.name
output fqdn string = app.properties.configuration.ingress.fqdn
output url string = 'https://${app.properties.configuration.ingress.fqdn}'
