// Sending over SMTP with nodemailer, imported only when an email channel sends (it is the one
// heavy library of the notification channels). STARTTLS is required by default (a server that
// does not offer it is refused rather than sent the password in clear); `tls` is TLS from the
// first byte (port 465); `none` is for a relay on the same host or network.

import type { ConnectionOptions } from 'node:tls';
import { createTransport } from 'nodemailer';
import type { DeliveryAnswer } from '../types.ts';
import type { EmailMessage } from './message.ts';

export interface SmtpSettings {
  host: string;
  port: number;
  security: 'starttls' | 'tls' | 'none';
  user?: string;
  password?: string;
}

export interface SmtpSend {
  smtp: SmtpSettings;
  from: string;
  to: string[];
  message: EmailMessage;
  headers: Record<string, string>;
  /** Extra TLS options (a CA for a test server's certificate); not settable from the config. */
  tls?: ConnectionOptions;
}

export async function sendMail(s: SmtpSend, signal: AbortSignal): Promise<DeliveryAnswer> {
  const transport = createTransport({
    host: s.smtp.host,
    port: s.smtp.port,
    secure: s.smtp.security === 'tls',
    requireTLS: s.smtp.security === 'starttls',
    ignoreTLS: s.smtp.security === 'none',
    ...(s.smtp.user !== undefined ? { auth: { user: s.smtp.user, pass: s.smtp.password ?? '' } } : {}),
    ...(s.tls ? { tls: s.tls } : {}),
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  try {
    const info = await transport.sendMail({
      from: s.from,
      to: s.to,
      subject: s.message.subject,
      text: s.message.text,
      html: s.message.html,
      headers: s.headers,
      signal,
    });
    const response = String(info.response ?? '');
    const status = Number(response.slice(0, 3));
    const refused = (info.rejected ?? []).length;
    return {
      ok: refused === 0,
      ...(Number.isInteger(status) && status > 0 ? { status } : {}),
      detail: refused === 0 ? response : `${refused} of ${s.to.length} recipients refused: ${response}`,
      // The others have it: sending again would repeat it to them and be refused for the same addresses.
      ...(refused > 0 ? { permanent: true } : {}),
    };
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    return smtpFailure(err);
  } finally {
    transport.close();
  }
}

/** nodemailer's error as an answer: an SMTP 5xx, a failed login or a missing STARTTLS are permanent. */
function smtpFailure(err: unknown): DeliveryAnswer {
  const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
  const status = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const permanent = (status !== undefined && status >= 500) || e.code === 'EAUTH' || e.code === 'ETLS' || e.code === 'ENOAUTH';
  const text = e.response ?? e.message ?? String(err);
  return {
    ok: false,
    ...(status !== undefined ? { status } : {}),
    detail: `${e.code ? `${e.code}: ` : ''}${text}`.replace(/\s+/g, ' ').slice(0, 500),
    ...(permanent ? { permanent: true } : {}),
  };
}
