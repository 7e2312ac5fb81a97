import { afterAll, expect } from 'vitest';
import { useTestEnvironment } from './env.js';
import { findStoredSecrets } from './stored-secrets.js';

useTestEnvironment();

// After every test file: a scan of every table finds no token or invitation code value.
afterAll(async () => {
  expect(await findStoredSecrets()).toEqual([]);
});
