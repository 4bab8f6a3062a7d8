import { z } from 'zod'

/**
 * Settings of an `msr` account: Docker Trusted Registry / Mirantis Secure Registry 2.x–3.x
 * (sources/2-msr-dtr.md). The account's secret is the user's password or, better, an access token;
 * it lives in the keychain, never here. MSR 4 is Harbor-based: use the `harbor` kind for it.
 */
export const msrOptionsSchema = z.object({
  /** The DTR/MSR user whose password or access token is the account's secret (HTTP Basic). */
  username: z.string().trim().min(1).max(255),
  /**
   * Also read the registry's Notary trust changefeed (a second stream, `trust`), with a token from
   * `/auth/token?service=dtr&scope=registry:catalog:*` for the same user. Default false.
   */
  withTrust: z.boolean().optional(),
  /** PEM file of the CA that signed the registry's certificate, for a private CA. */
  caFile: z.string().trim().min(1).max(4096).optional(),
  /**
   * Seconds re-read below the newest event already stored, on each incremental run (the API's
   * `publishedAfter` bound is undocumented as to inclusive or exclusive). Default 600.
   */
  overlapSeconds: z
    .number()
    .int()
    .min(0)
    .max(86_400 * 7)
    .optional()
})
export type MsrOptions = z.infer<typeof msrOptionsSchema>
