import { useTestEnvironment } from './env.js';

useTestEnvironment();
