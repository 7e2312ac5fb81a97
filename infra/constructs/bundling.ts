import { statSync } from 'node:fs';
import { build } from 'esbuild';

/**
 * Bundle settings shared by the function construct (CDK's NodejsFunction) and the bundle checks
 * (bench/coldstart, test/infra/bundles), so those measure and exercise the bundles that deploy.
 */
export const BUNDLE = {
  target: 'node22',
  mainFields: ['module', 'main'],
  // Some bundled CommonJS dependencies call require(); an ESM bundle has none of its own.
  banner:
    "import { createRequire as __createRequire } from 'module'; const require = __createRequire(import.meta.url);",
} as const;

/** Builds one handler as NodejsFunction does (ESM, minified, everything bundled); returns its size in bytes. */
export async function bundleHandler(entry: string, outfile: string): Promise<number> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: BUNDLE.target,
    mainFields: [...BUNDLE.mainFields],
    banner: { js: BUNDLE.banner },
    minify: true,
    sourcemap: 'external',
    logLevel: 'error',
  });
  return statSync(outfile).size;
}
