// Public entry of the config layer.
export { loadConfig, parseConfigText, findJob, findRepository, jobRepositories } from './load.ts';
export type { Env, ConfigProblem } from './load.ts';
export { configJsonSchema, configJsonSchemaText } from './json-schema.ts';
export { readPassword, readSecretFile, splitCommandLine, trimSecret } from './password.ts';
export { parseDuration, parseRetentionDuration } from './duration.ts';
export { interpolateString } from './interpolate.ts';
export type * from './types.ts';
