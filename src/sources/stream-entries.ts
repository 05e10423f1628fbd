// Building StreamEntry values shared by the database sources: a running tool's stdout counted
// into a stats record, and a small in-memory file (the meta JSON).

import type { StreamEntry } from './types.ts';
import type { RunningTool } from './process.ts';

/** Wrap a running tool as an entry whose stream counts bytes into `stat`. */
export function toolEntry(stat: { path: string; bytes: number; durationMs: number }, tool: RunningTool): StreamEntry {
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of tool.stdout) {
      stat.bytes += chunk.length;
      yield chunk;
    }
  }
  const done = tool.done.then((r) => { stat.durationMs = r.durationMs; });
  done.catch(() => {});
  return { kind: 'stream', path: stat.path, stream: counted(), done, mode: 0o600 };
}

export function bufferEntry(entryPath: string, bytes: Uint8Array): StreamEntry {
  async function* once(): AsyncGenerator<Uint8Array> { yield bytes; }
  return { kind: 'stream', path: entryPath, stream: once(), done: Promise.resolve(), mode: 0o600 };
}

