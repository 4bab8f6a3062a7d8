import { z } from 'zod'

/**
 * Settings of a `quay` account: the usage logs of Red Hat Quay or quay.io (sources/6-quay.md).
 * The secret is an OAuth access token (an organisation's OAuth application, "Generate Token"):
 * the v1 API accepts no robot credentials and no basic auth. It lives in the keychain, never here.
 */

/** quay.io, the account URL when none is given. */
export const QUAY_DEFAULT_URL = 'https://quay.io'

/** Quay's namespace rule (util/validation.py VALID_USERNAME_REGEX): organisations and users. */
const NAMESPACE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/
/**
 * Quay's repository name rule (util/names.py), with the nested names (`team/api`) that
 * FEATURE_EXTENDED_REPOSITORY_NAMES allows.
 */
const REPOSITORY_NAME = /^(?=.{1,255}$)[a-z0-9][.a-z0-9_-]*(?:\/[a-z0-9][.a-z0-9_-]*)*$/

export const quayNamespaceSchema = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .regex(NAMESPACE, 'a Quay organisation name is lower-case letters, digits, ".", "_" and "-" (not first or last)')

/** `namespace/name` of a repository, as the repository logs endpoint takes it. */
export const quayRepositorySchema = z
  .string()
  .trim()
  .max(512)
  .refine((value) => {
    const slash = value.indexOf('/')
    return slash > 0 && NAMESPACE.test(value.slice(0, slash)) && REPOSITORY_NAME.test(value.slice(slash + 1))
  }, 'a repository is NAMESPACE/NAME in lower case (acme/app)')

export const quayOptionsSchema = z
  .object({
    /** The organisation whose usage logs are read (`/api/v1/organization/{org}/logs`, scope org:admin). */
    org: quayNamespaceSchema,
    /**
     * Read only these repositories' logs (`/api/v1/repository/{ns}/{name}/logs`, scope repo:admin),
     * each as its own stream, instead of the organisation's log (which holds every repository's
     * events of the organisation). For a token or user that administers some repositories only.
     */
    repositories: z.array(quayRepositorySchema).min(1).max(500).optional(),
    /** PEM file of the CA that signed the server's certificate, for a private CA. */
    caFile: z.string().trim().min(1).max(4096).optional(),
    /** Days of history the first sync reads, today included. Default 30. */
    backfillDays: z.number().int().min(1).max(3650).optional(),
    /**
     * Whole UTC days each incremental run reads again before the day the previous run ended on
     * (logs can arrive late). At least 1; default 1.
     */
    overlapDays: z.number().int().min(1).max(30).optional()
  })
  .superRefine((options, ctx) => {
    if (options.repositories !== undefined && new Set(options.repositories).size !== options.repositories.length) {
      ctx.addIssue({ code: 'custom', path: ['repositories'], message: 'a repository is listed twice' })
    }
  })
export type QuayOptions = z.infer<typeof quayOptionsSchema>
