import Database from 'better-sqlite3'
import { sha256Hex } from '../../src/main/core/canonical'
import { MIGRATIONS } from '../../src/main/core/db/migrations/index'
const db = new Database(process.argv[2]!)
for (const m of MIGRATIONS) db.prepare('UPDATE schema_migrations SET sha256 = ? WHERE version = ?').run(sha256Hex(m.sql), m.version)
console.log(db.prepare('select version, sha256 from schema_migrations').all())
