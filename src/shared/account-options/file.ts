import { z } from 'zod'

/**
 * A `file` account has no source to call: it holds events imported from export files someone
 * handed you (any source's format), so it has no settings and no token.
 */
export const fileOptionsSchema = z.object({}).strict()
export type FileOptions = z.infer<typeof fileOptionsSchema>

/** What a file account's URL says, since it has no endpoint. */
export const FILE_ACCOUNT_URL = 'file:'
