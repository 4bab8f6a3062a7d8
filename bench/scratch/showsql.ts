import { sql } from '../../src/main/core/db/migrations/0004-query-performance'
console.log(sql)
