#!/usr/bin/env node
// The `access-tokens` bin: runs the TypeScript CLI through tsx, as `npm start` runs the local
// stack (node --import tsx), resolving tsx from this package so it works from any folder.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
