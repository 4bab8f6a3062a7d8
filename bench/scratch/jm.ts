import Database from 'better-sqlite3'
const db = new Database('/tmp/jm.db'); db.pragma('journal_mode = WAL'); db.exec('create table if not exists t(a)'); db.close()
const d2 = new Database('/tmp/jm.db')
console.log(d2.pragma('journal_mode = DELETE'), d2.pragma('journal_mode = OFF'), d2.pragma('journal_mode'))
