import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childEnvironment, isScrubbed, jobEnvOverlay } from './child-env.ts';

test('children lose Lifeboat\'s and the cloud stores\' secrets, keep the rest, and get the overlay', () => {
  const base = {
    PATH: '/bin', HOME: '/root', PGPASSWORD: 'pg', LIFEBOAT_PASSWORD: 'x', LIFEBOAT_PASSWORD_FILE: '/f', RESTIC_PASSWORD: 'y',
    RESTIC_REPOSITORY: 's3:...', AWS_SECRET_ACCESS_KEY: 'k', AWS_ACCESS_KEY_ID: 'i', AWS_SESSION_TOKEN: 't', AWS_REGION: 'eu-west-1',
    GOOGLE_APPLICATION_CREDENTIALS: '/g.json', B2_ACCOUNT_KEY: 'b', AZURE_ACCOUNT_KEY: 'a', OS_PASSWORD: 'o',
  };
  const env = childEnvironment({ TZ: 'UTC', HOME: undefined }, base);
  assert.deepEqual(env, { PATH: '/bin', PGPASSWORD: 'pg', AWS_REGION: 'eu-west-1', TZ: 'UTC' });
  assert.ok(isScrubbed('LIFEBOAT_FROM_PASSWORD') && isScrubbed('RESTIC_FROM_PASSWORD_COMMAND') && !isScrubbed('MYSQL_PWD'));
});

test('pass_env takes variables from the environment even when scrubbed; env wins over it', () => {
  const base = { AWS_SECRET_ACCESS_KEY: 'k', A: '1' };
  assert.deepEqual(jobEnvOverlay({ passEnv: ['AWS_SECRET_ACCESS_KEY', 'MISSING'], env: { A: '2' } }, base), { AWS_SECRET_ACCESS_KEY: 'k', A: '2' });
  assert.deepEqual(childEnvironment(jobEnvOverlay({ passEnv: ['AWS_SECRET_ACCESS_KEY'] }, base), base), { AWS_SECRET_ACCESS_KEY: 'k', A: '1' });
});
