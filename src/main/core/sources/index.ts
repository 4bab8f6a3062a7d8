import type { Account } from '../../../shared/account'
import { AppError } from '../errors'
import type { Connector } from './connector'
import { createDockerHubConnector, type DockerHubConnectorDeps } from './dockerhub'
import { createHarborConnector, type HarborConnectorDeps } from './harbor'
import { createIbmConnector, type IbmConnectorDeps } from './ibm'
import { createMsrConnector, type MsrConnectorDeps } from './msr'
import { createNotaryConnector, type NotaryConnectorDeps } from './notary'
import { createQuayConnector, type QuayConnectorDeps } from './quay'

/** What a caller may replace in a connector (tests: a fake clock and sleep; a CA text). */
export type ConnectorDeps = DockerHubConnectorDeps &
  HarborConnectorDeps &
  IbmConnectorDeps &
  MsrConnectorDeps &
  NotaryConnectorDeps &
  QuayConnectorDeps

/**
 * The connector for an account's kind. Throws INVALID_INPUT for a kind without a connector yet, or
 * for options the kind's connector refuses.
 */
export function createConnector(account: Account, deps?: ConnectorDeps): Connector {
  switch (account.kind) {
    case 'dockerhub':
      return createDockerHubConnector(account, deps)
    case 'harbor':
      return createHarborConnector(account, deps)
    case 'ibm':
      return createIbmConnector(account, deps)
    case 'msr':
      return createMsrConnector(account, deps)
    case 'notary':
      return createNotaryConnector(account, deps)
    case 'quay':
      return createQuayConnector(account, deps)
    case 'file':
      throw new AppError(
        'INVALID_INPUT',
        'a file account has no source to sync: add its events with "registry-audit import"',
        { account: account.name }
      )
    default:
      throw new AppError('INVALID_INPUT', `kind ${account.kind} is not supported yet`, { account: account.name })
  }
}
