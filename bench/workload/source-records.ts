import { isoSeconds } from '../../test/sim/dockerhub-events'
import { ibmEventTime } from '../../test/sim/ibm-events'

/**
 * Raw records in each source's wire shape (the same contracts the simulators in test/sim follow:
 * sources/1-dockerhub.md, 2-msr-dtr.md, 3-notary.md, 4-ibm-activity-tracker.md), built from what
 * the workload decided happened. The simulators draw actors and repositories from a handful of
 * names; the benchmark needs its own long-tailed ones, hence these builders.
 *
 * Every object is built with its keys in sorted order, so JSON.stringify of a record is already
 * its canonical JSON (the generator checks this): one serialisation serves the stored raw text,
 * the content-hash ids and the integrity chain.
 */

/** An image as the workload tracks it: repository, tag and the digest the tag points at. */
export interface ImageRef {
  repository: string
  tag: string
  digest: string
}

// ---------------------------------------------------------------------------------- Docker Hub

export type DockerHubAction =
  | 'repo.tag.push'
  | 'repo.tag.delete'
  | 'repo.create'
  | 'repo.update'
  | 'repo.delete'
  | 'repo.change_privacy'
  | 'org.member.add'
  | 'org.member.remove'
  | 'org.member.invite.send'
  | 'org.team.member.add'
  | 'org.access_token.create'
  | 'org.settings.update'

export function dockerHubRecord(
  org: string,
  action: DockerHubAction,
  at: number,
  actor: string,
  image: ImageRef,
  member: string
): Record<string, unknown> {
  const timestamp = isoSeconds(at)
  const repo = image.repository
  if (action === 'repo.tag.push' || action === 'repo.tag.delete') {
    const description =
      action === 'repo.tag.push'
        ? `pushed the tag ${image.tag} with the digest ${image.digest.slice(0, 19)} to the repository ${repo}\n`
        : `deleted the tag ${image.tag} from the repository ${repo}\n`
    return {
      account: org,
      action,
      action_description: description,
      actor,
      data: { digest: image.digest, tag: image.tag },
      name: repo,
      timestamp
    }
  }
  if (action.startsWith('repo.')) {
    const verb = action.slice('repo.'.length).replace(/[._]/g, ' ')
    return { account: org, action, action_description: `${verb} the repository ${repo}\n`, actor, data: {}, name: repo, timestamp }
  }
  if (action === 'org.team.member.add') {
    return {
      account: org,
      action,
      action_description: `add ${member} to the team developers\n`,
      actor,
      data: { team: 'developers' },
      name: member,
      timestamp
    }
  }
  if (action.startsWith('org.member.')) {
    const verb = action.split('.').at(-1)
    return {
      account: org,
      action,
      action_description: `${verb} ${member} in the organization ${org}\n`,
      actor,
      data: { role: 'member' },
      name: member,
      timestamp
    }
  }
  if (action === 'org.access_token.create') {
    return {
      account: org,
      action,
      action_description: 'created the access token ci-push\n',
      actor,
      data: { scopes: 'scope-repo-write' },
      name: 'ci-push',
      timestamp
    }
  }
  return { account: org, action, action_description: `${action} for ${org}\n`, actor, data: {}, name: org, timestamp }
}

// ---------------------------------------------------------------------------------------- MSR

export type MsrCategory =
  | 'pull'
  | 'push-manifest'
  | 'push-tag-update'
  | 'push-tag-create'
  | 'delete'
  | 'scan'
  | 'promotion-by-policy'
  | 'promotion-manual'
  | 'pull-mirror'
  | 'push-mirror'
  | 'push-mirror-fail'
  | 'create-repo'
  | 'prune'

export const MSR_POLICY_ACTORS: Partial<Record<MsrCategory, string>> = {
  'promotion-by-policy': 'PROMOTION CA5E7822',
  'promotion-manual': 'PROMOTION MANUAL_P',
  'pull-mirror': 'PULL_MIRRORING 3F2A9C11',
  'push-mirror': 'PUSH_MIRRORING 8B7E6D5C',
  'push-mirror-fail': 'PUSH_MIRRORING 8B7E6D5C',
  prune: 'PRUNING 5D4C3B2A'
}

export function msrRecord(
  category: MsrCategory,
  at: number,
  id: string,
  actor: string,
  image: ImageRef,
  repositoryId: string
): Record<string, unknown> {
  const publishedAt = new Date(at).toISOString()
  const target = { id: repositoryId, name: image.repository, type: 'REPOSITORY' }
  const tag = (withContent: boolean): Record<string, unknown> =>
    withContent
      ? { content: image.digest, id: image.digest, name: image.tag, type: 'TAG' }
      : { id: image.digest, name: image.tag, type: 'TAG' }
  const who = MSR_POLICY_ACTORS[category] ?? actor
  switch (category) {
    case 'pull':
      return { actor: who, id, object: tag(false), publishedAt, target, type: 'GET' }
    case 'push-manifest':
      return {
        actor: who,
        id,
        object: { content: image.digest, id: image.digest, name: image.digest, type: 'MANIFEST' },
        publishedAt,
        target,
        type: 'CREATE'
      }
    case 'push-tag-update':
      return { actor: who, id, object: tag(true), publishedAt, target, type: 'UPDATE' }
    case 'push-tag-create':
      return { actor: who, id, object: tag(true), publishedAt, sourceIp: '10.1.2.3', target, type: 'CREATE TAG' }
    case 'delete':
    case 'prune':
      return { actor: who, id, object: tag(false), publishedAt, target, type: 'DELETE' }
    case 'scan':
      return { actor: who, id, object: tag(true), publishedAt, target, type: 'SCAN' }
    case 'promotion-by-policy':
    case 'promotion-manual':
    case 'pull-mirror':
      return { actor: who, id, object: tag(true), publishedAt, target, type: category === 'pull-mirror' ? 'UPDATE' : 'CREATE' }
    case 'push-mirror':
      return { actor: who, id, object: tag(true), publishedAt, target, type: 'SEND' }
    case 'push-mirror-fail':
      return { actor: who, id, object: tag(false), publishedAt, target, type: 'FAIL' }
    case 'create-repo':
      return { actor: who, id, object: { id: repositoryId, name: image.repository, type: 'REPOSITORY' }, publishedAt, type: 'CREATE' }
  }
}

// ---------------------------------------------------------------------------------------- IBM

export type IbmAction =
  | 'image.pull'
  | 'image.push'
  | 'image.inspect'
  | 'image.list'
  | 'image.delete'
  | 'image.tag'
  | 'image.untag'
  | 'signature.read'
  | 'signature.write'
  | 'image-vulnerability-report.read'
  | 'namespace.list'
  | 'namespace.create'
  | 'retention.set'
  | 'trash.list'

export interface IbmInitiator {
  id: string
  name: string
  typeURI: string
  credential: string
  address: string
  agent: string
}

const IBM_DATA_EVENTS = new Set(['image.pull', 'image.push', 'image.delete', 'signature.read', 'signature.write'])
const IBM_ACCOUNT = '1a2b3c4d5e6f7a8b9c0d'

export function ibmRecord(
  action: IbmAction,
  at: number,
  correlationId: string,
  who: IbmInitiator,
  image: ImageRef,
  options: { domain: string; region: string; failedCode: number | null; byDigest: boolean }
): Record<string, unknown> {
  const { domain, region, failedCode } = options
  const outcome = failedCode === null ? 'success' : 'failure'
  const crn = `crn:v1:bluemix:public:container-registry:${region}:a/${IBM_ACCOUNT}::`
  const [resource = '', verb = ''] = action.split('.')
  const imageName = `${domain}/${image.repository}`
  const namespace = image.repository.split('/')[0] ?? ''
  let target: Record<string, unknown>
  if (verb === 'list') target = { id: crn, name: domain, typeURI: `container-registry/${resource}` }
  else if (resource === 'namespace' || resource === 'retention') {
    target = { id: `${crn}namespace:${namespace}`, name: namespace, typeURI: `container-registry/${resource}` }
  } else {
    const name = options.byDigest ? `${imageName}@${image.digest}` : `${imageName}:${image.tag}`
    target =
      failedCode === 404 && !options.byDigest
        ? { name, typeURI: 'container-registry/image' }
        : { id: `${imageName}@${image.digest}`, name, typeURI: 'container-registry/image' }
  }
  const reason: Record<string, unknown> =
    failedCode === null
      ? { reasonCode: 200, reasonType: 'OK' }
      : {
          reasonCode: failedCode,
          reasonForFailure: failedCode === 401 ? 'The credentials are not valid' : failedCode === 403 ? 'The user does not have access to the namespace' : 'The image was not found',
          reasonType: 'Client Error'
        }
  const description = `${verb} ${resource} ${String(target['name'])}`
  return {
    action: `container-registry.${action}`,
    correlationId,
    dataEvent: IBM_DATA_EVENTS.has(action),
    eventTime: ibmEventTime(at),
    initiator: {
      credential: { type: who.credential },
      host: { address: who.address, addressType: who.address.includes(':') ? 'IPv6' : 'IPv4', agent: who.agent },
      id: who.id,
      name: who.name,
      typeURI: who.typeURI
    },
    logSourceCRN: crn,
    message: `Container Registry: ${description}${outcome === 'failure' ? ' -failure' : ''}`,
    observer: { name: 'ActivityTracker' },
    outcome,
    reason,
    saveServiceCopy: true,
    severity: failedCode === null ? 'normal' : failedCode === 404 ? 'normal' : 'critical',
    target
  }
}

// ------------------------------------------------------------------------------------- notary

export function notaryRecord(id: number, at: number, gun: string, version: number, sha256: string): Record<string, unknown> {
  return {
    Category: version === 0 ? 'deletion' : 'update',
    CreatedAt: new Date(at).toISOString(),
    GUN: gun,
    ID: id,
    SHA256: version === 0 ? '' : sha256,
    Version: version
  }
}
