// Secrets never leave the process in text: every line of the log, every recorded error, every
// API answer and notification goes through a Redactor that knows the config's secrets (and
// those resolved later, such as a password_command's output), the secrets of Lifeboat's own
// environment, and the credential part of URLs.

const ENV_SECRETS = [
  'LIFEBOAT_PASSWORD', 'RESTIC_PASSWORD', 'LIFEBOAT_FROM_PASSWORD', 'RESTIC_FROM_PASSWORD',
  'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'PGPASSWORD', 'MYSQL_PWD', 'REDISCLI_AUTH',
];

/** Shorter values would redact ordinary words; such secrets are too weak to protect anyway. */
const MIN_SECRET_LENGTH = 4;

export class Redactor {
  #secrets = new Set<string>();

  constructor(secrets: Iterable<string> = [], env: NodeJS.ProcessEnv = {}) {
    for (const s of secrets) this.add(s);
    for (const name of ENV_SECRETS) {
      const v = env[name];
      if (v) this.add(v);
    }
  }

  add(secret: string | undefined): void {
    if (!secret || secret.length < MIN_SECRET_LENGTH) return;
    this.#secrets.add(secret);
    // The same secret as it appears inside JSON text and URLs.
    const json = JSON.stringify(secret).slice(1, -1);
    if (json !== secret) this.#secrets.add(json);
    const url = encodeURIComponent(secret);
    if (url !== secret) this.#secrets.add(url);
  }

  redact(text: string): string {
    let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^@\s/]+@/gi, '$1***@');
    // Longest first, so a secret containing another is replaced whole.
    for (const s of [...this.#secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
    return out;
  }

  /** Redacts every string inside a JSON-able value. */
  redactValue<T>(value: T): T {
    return JSON.parse(this.redact(JSON.stringify(value))) as T;
  }
}
