import Database from 'better-sqlite3'
const db = new Database(process.argv[2]!, { readonly: true })
db.exec('CREATE TEMP TABLE x (id INTEGER PRIMARY KEY)')
db.prepare('INSERT INTO temp.x SELECT rowid FROM events_fts WHERE events_fts MATCH ? AND rowid % 16 = 0').run('"latest"*')
console.log(db.prepare('select count(*) from temp.x').pluck().get())
db.exec('DROP TABLE temp.x')
