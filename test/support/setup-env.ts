import { afterAll, expect } from 'vitest';
import { dropTestTables, useTestEnvironment } from './env.js';
import { findStoredSecrets } from './stored-secrets.js';

await useTestEnvironment();

// After every test file: a scan of every table finds no token or invitation code value; then the
// file's tables go.
afterAll(async () => {
  try {
    expect(await findStoredSecrets()).toEqual([]);
  } finally {
    await dropTestTables();
  }
});
