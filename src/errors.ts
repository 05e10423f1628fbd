// One error family with stable codes, so the CLI, daemon and HTTP API can map errors to exit
// codes and messages without ever branching on message text.

export type ErrorCode =
  | 'error'
  | 'config'
  | 'not-found'
  | 'no-repository'
  | 'storage'
  | 'source'
  | 'integrity'
  | 'locked'
  | 'wrong-password'
  | 'aborted'
  | 'usage';

export interface ErrorOptions {
  hint?: string;
  context?: Record<string, unknown>;
  cause?: unknown;
}

export class LifeboatError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly context: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LifeboatError';
    this.code = code;
    this.hint = options.hint;
    this.context = options.context ?? {};
  }
}

export class UsageError extends LifeboatError {
  constructor(message: string, options?: ErrorOptions) {
    super('usage', message, options);
    this.name = 'UsageError';
  }
}

export class ConfigError extends LifeboatError {
  /** Every problem found, each as "path: message"; the message joins them. */
  readonly issues: string[];
  constructor(message: string, issues: string[] = [], options?: ErrorOptions) {
    super('config', message, options);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export class NotFoundError extends LifeboatError {
  constructor(message: string, options?: ErrorOptions) {
    super('not-found', message, options);
    this.name = 'NotFoundError';
  }
}

export class NoRepositoryError extends LifeboatError {
  constructor(message: string, options?: ErrorOptions) {
    super('no-repository', message, options);
    this.name = 'NoRepositoryError';
  }
}

/** A storage failure; `permanent` ones (403, missing bucket) are never retried. */
export class StorageError extends LifeboatError {
  readonly permanent: boolean;
  constructor(message: string, permanent: boolean, options?: ErrorOptions) {
    super('storage', message, options);
    this.name = 'StorageError';
    this.permanent = permanent;
  }
}

/** A source (dump tool, command) failed: carries its exit code and the tail of its stderr. */
export class SourceError extends LifeboatError {
  readonly exitCode: number | null;
  readonly stderrTail: string;
  constructor(message: string, exitCode: number | null, stderrTail: string, options?: ErrorOptions) {
    super('source', stderrTail ? `${message}\n${stderrTail}` : message, options);
    this.name = 'SourceError';
    this.exitCode = exitCode;
    this.stderrTail = stderrTail;
  }
}

/** Data does not match its hash or MAC. Never retried: retrying cannot fix corruption. */
export class IntegrityError extends LifeboatError {
  constructor(message: string, options?: ErrorOptions) {
    super('integrity', message, options);
    this.name = 'IntegrityError';
  }
}

export class LockedError extends LifeboatError {
  constructor(message: string, options?: ErrorOptions) {
    super('locked', message, options);
    this.name = 'LockedError';
  }
}

export class WrongPasswordError extends LifeboatError {
  constructor(message = 'wrong password or no key found', options?: ErrorOptions) {
    super('wrong-password', message, options);
    this.name = 'WrongPasswordError';
  }
}

export class AbortedError extends LifeboatError {
  constructor(message = 'interrupted', options?: ErrorOptions) {
    super('aborted', message, options);
    this.name = 'AbortedError';
  }
}

/** restic's exit codes, mapped in this one place. */
export function exitCodeFor(err: unknown): number {
  if (!(err instanceof LifeboatError)) return 1;
  switch (err.code) {
    case 'no-repository': return 10;
    case 'locked': return 11;
    case 'wrong-password': return 12;
    case 'aborted': return 130;
    default: return 1;
  }
}

/** Throws AbortedError if the signal fired; call at loop boundaries of long work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError();
}
