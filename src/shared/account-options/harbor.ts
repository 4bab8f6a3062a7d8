import { z } from 'zod'

/**
 * Settings of a `harbor` account: Harbor 2.3 or later, and Mirantis Secure Registry 4, which is
 * Harbor (sources/5-harbor.md). The account's secret is the user's password (or an OIDC user's CLI
 * secret) or a robot account's secret; it lives in the keychain, never here.
 */
export const harborOptionsSchema = z.object({
  /**
   * Who signs in (HTTP Basic): a local or LDAP user, or a robot account by its full name
   * (`robot$auditor`, `robot$library+ci`). Only system admins, and robots with the system
   * permission to list audit logs, see the whole log.
   */
  username: z.string().trim().min(1).max(255),
  /** PEM file of the CA that signed the registry's certificate, for a private CA. */
  caFile: z.string().trim().min(1).max(4096).optional(),
  /**
   * Ids re-read below the highest id already stored, on each run: Harbor writes audit rows
   * asynchronously, so a row can become visible after rows with higher ids. Default 100.
   */
  overlapIds: z.number().int().min(0).max(10_000).optional()
})
export type HarborOptions = z.infer<typeof harborOptionsSchema>
