import { z } from 'zod'

/**
 * Settings of a `notary` account: a notary-server's trust changefeed (sources/3-notary.md),
 * standalone or the one inside DTR/MSR. The secret (password or access token for `token`, the
 * bearer itself for `bearer`) lives in the keychain, never here.
 */

/**
 * - `none`: the server asks for no authentication (its default).
 * - `token`: the registry token flow: on a 401 with `WWW-Authenticate: Bearer realm,service,scope`
 *   the realm is asked for a bearer with `username` and the account's secret (HTTP Basic).
 * - `bearer`: the account's secret is a bearer token used as it is (minted elsewhere).
 */
export const NOTARY_AUTH_MODES = ['none', 'token', 'bearer'] as const
export type NotaryAuthMode = (typeof NOTARY_AUTH_MODES)[number]

/**
 * A trust repository's Globally Unique Name as notary-server routes it (`{gun:[^*]+}`): a registry
 * host and a repository path, e.g. `registry.example.com/team/app` or `docker.io/library/alpine`.
 */
export const gunSchema = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .refine((gun) => !/[*\s?#\\]/.test(gun), 'a GUN has no spaces, "*", "?", "#" or "\\"')
  .refine((gun) => !gun.startsWith('/') && !gun.endsWith('/') && !gun.includes('//'), 'a GUN has no empty path parts')
  .refine((gun) => !gun.split('/').some((part) => part === '.' || part === '..'), 'a GUN has no "." or ".." parts')

export const notaryOptionsSchema = z
  .object({
    /** How requests are authenticated; default `none`. */
    authMode: z.enum(NOTARY_AUTH_MODES).optional(),
    /** The user for the token service (`token` mode), whose password or access token is the secret. */
    username: z.string().trim().min(1).max(255).optional(),
    /**
     * Read `/v2/{gun}/_trust/changefeed` for each of these GUNs instead of the global feed (whose
     * token needs the `registry:catalog:*` scope that only admins get). Default: the global feed.
     */
    repositories: z.array(gunSchema).min(1).max(500).optional(),
    /** PEM file of the CA that signed the server's (and token service's) certificate. */
    caFile: z.string().trim().min(1).max(4096).optional(),
    /**
     * The token service to ask, instead of the realm the server names. Needed when the realm is on
     * another host than the account URL (credentials go to another host only when said so here),
     * or when the server's configured realm is not reachable from this computer.
     */
    tokenRealm: z.url({ protocol: /^https?$/ }).optional()
  })
  .superRefine((options, ctx) => {
    if ((options.authMode ?? 'none') === 'token' && options.username === undefined) {
      ctx.addIssue({ code: 'custom', path: ['username'], message: 'token mode needs the username for the token service' })
    }
    if (options.repositories !== undefined && new Set(options.repositories).size !== options.repositories.length) {
      ctx.addIssue({ code: 'custom', path: ['repositories'], message: 'a GUN is listed twice' })
    }
  })
export type NotaryOptions = z.infer<typeof notaryOptionsSchema>
