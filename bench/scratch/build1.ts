import { benchArchive } from '../archive/build-archive'
const n = Number(process.argv[2])
const t = performance.now()
const info = benchArchive(n, 1, (l) => console.log(l))
console.log(info, Math.round(performance.now() - t))
