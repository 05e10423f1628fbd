// Worker side of ChunkerWorker: runs the synchronous Chunker off the main thread. One stream at a
// time; each message carries the stream id so replies to a cancelled stream can be told apart.
import { parentPort, workerData } from 'node:worker_threads';
import { Chunker } from './chunker.ts';
import type { ChunkerTables } from './chunker.ts';
import type { ToWorker } from './chunker-worker.ts';

const port = parentPort;
if (!port) throw new Error('chunker worker thread: must run inside a worker');
const tables = workerData as ChunkerTables;
let chunker = new Chunker(tables);

port.on('message', (msg: ToWorker) => {
  try {
    if (msg.type === 'start') {
      chunker = new Chunker(tables);
    } else if (msg.type === 'data') {
      const chunks = chunker.push(msg.buf);
      port.postMessage({ type: 'chunks', id: msg.id, chunks }, chunks.map((c) => c.buffer as ArrayBuffer));
    } else {
      const last = chunker.finish();
      const chunks = last ? [last] : [];
      port.postMessage({ type: 'done', id: msg.id, chunks }, chunks.map((c) => c.buffer as ArrayBuffer));
    }
  } catch (err) {
    port.postMessage({ type: 'error', id: msg.id, message: err instanceof Error ? err.message : String(err) });
  }
});
