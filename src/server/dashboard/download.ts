// GET /jobs/{job}/snapshots/{id}/file?path=…: one file of a snapshot, streamed. Each blob is
// verified as it is read and the whole length checked against the tree; a failure after the
// first byte breaks the transfer (the Content-Length is then not met), so a browser never
// saves a damaged file as a complete one. Memory stays at a few blobs: the stream waits for
// the client.

import { PassThrough, Readable } from 'node:stream';
import type { Context } from 'hono';
import { streamSnapshotFile, type FileStart } from '../../app/snapshot-browse.ts';
import { UsageError } from '../../errors.ts';
import type { DashboardContext } from './render.ts';

export async function downloadFile(ctx: DashboardContext, c: Context): Promise<Response> {
  const { services } = ctx;
  const path = c.req.query('path');
  if (!path) throw new UsageError('download: ?path= names the file inside the snapshot');
  const repository = c.req.query('repo');
  const signal = AbortSignal.any([c.req.raw.signal, ctx.closing]);
  const out = new PassThrough();
  const ready = Promise.withResolvers<FileStart>();
  let started = false;
  streamSnapshotFile(services.config(), c.req.param('job')!, { ...(repository ? { repository } : {}), snapshot: c.req.param('id')!, path }, out,
    (f) => { started = true; ready.resolve(f); }, signal)
    .then(() => out.end(), (err: unknown) => {
      if (!started) {
        ready.reject(err);
        out.destroy();
        return;
      }
      // Headers are gone: breaking the body is the only way left to say the file is bad.
      if (signal.aborted) services.log.info({ path }, 'download cancelled by the client');
      else services.log.error({ err, path }, 'download failed mid-transfer');
      out.destroy(err instanceof Error ? err : new Error(String(err)));
    });
  const file = await ready.promise;
  const name = services.redactor.redact(file.name);
  return new Response(Readable.toWeb(out) as ReadableStream<Uint8Array>, {
    status: 200,
    headers: {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(file.size),
      'Content-Disposition': `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeRFC5987(name)}`,
      'Cache-Control': 'no-store',
    },
  });
}

function encodeRFC5987(s: string): string {
  return encodeURIComponent(s).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}
