// Single-core throughput of the restic-compatible chunker on random data.
// Usage: npx node bench/chunker-throughput.ts [MiB=200]
import { randomFillSync } from 'node:crypto';
import { ChunkScanner, chunkStream, chunkerTables } from '../src/repo/chunker.ts';
import { ChunkerWorker } from '../src/repo/chunker-worker.ts';

const MiB = 1024 * 1024;
const total = Number(process.argv[2] ?? 200) * MiB;
const tables = chunkerTables(0x3da3358b4dc173n);
// 64 MiB of random data reused, fed as 1 MiB reads like a file stream would deliver.
const pool = randomFillSync(new Uint8Array(Math.min(total, 64 * MiB)));
const READ = MiB;

async function* source() {
  for (let done = 0; done < total; done += READ) {
    const off = done % pool.length;
    yield pool.subarray(off, Math.min(off + READ, pool.length, off + total - done));
  }
}

// CPU time of this process: on a shared machine wall time mostly measures the neighbours.
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

function scanOnly(): { ms: number; cpu: number; chunks: number } {
  const s = new ChunkScanner(tables);
  const c0 = cpuMs();
  const t0 = performance.now();
  let chunks = 0;
  for (let done = 0; done < total; done += READ) {
    const off = done % pool.length;
    const buf = pool.subarray(off, off + READ);
    for (let pos = 0, cut; (cut = s.scan(buf, pos)) >= 0; pos = cut) chunks++;
  }
  return { ms: performance.now() - t0, cpu: cpuMs() - c0, chunks: chunks + 1 };
}

async function streamed(): Promise<{ ms: number; cpu: number; chunks: number }> {
  const c0 = cpuMs();
  const t0 = performance.now();
  let chunks = 0;
  for await (const _ of chunkStream(source(), tables)) chunks++;
  return { ms: performance.now() - t0, cpu: cpuMs() - c0, chunks };
}

async function inWorker(w: ChunkerWorker): Promise<{ ms: number; chunks: number }> {
  const t0 = performance.now();
  let chunks = 0;
  for await (const _ of w.chunk(source())) chunks++;
  return { ms: performance.now() - t0, chunks };
}

const mb = total / 1e6;
const worker = new ChunkerWorker(tables);
for (let round = 0; round < 3; round++) {
  const a = scanOnly();
  const b = await streamed();
  const c = await inWorker(worker);
  console.log(
    `round ${round}: scan ${(mb / (a.ms / 1000)).toFixed(0)} MB/s wall, ${(mb / (a.cpu / 1000)).toFixed(0)} MB/s cpu (${a.chunks} chunks), ` +
      `chunkStream ${(mb / (b.ms / 1000)).toFixed(0)} MB/s wall, ${(mb / (b.cpu / 1000)).toFixed(0)} MB/s cpu (${b.chunks} chunks, ${(total / b.chunks / MiB).toFixed(2)} MiB avg), ` +
      `worker ${(mb / (c.ms / 1000)).toFixed(0)} MB/s wall (${c.chunks} chunks)`,
  );
}
await worker.close();
