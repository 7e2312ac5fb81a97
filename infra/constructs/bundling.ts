import { statSync } from 'node:fs';
import { join } from 'node:path';
import { type BuildOptions, build } from 'esbuild';

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

/** NodejsFunction's esbuild options: ESM, minified, everything bundled, external source maps. */
const BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: BUNDLE.target,
  mainFields: [...BUNDLE.mainFields],
  banner: { js: BUNDLE.banner },
  minify: true,
  sourcemap: 'external',
  logLevel: 'error',
} as const satisfies BuildOptions;

/** Builds one handler as NodejsFunction does (ESM, minified, everything bundled); returns its size in bytes. */
export async function bundleHandler(entry: string, outfile: string): Promise<number> {
  await build({ ...BUILD_OPTIONS, entryPoints: [entry], outfile });
  return statSync(outfile).size;
}

/**
 * Builds several handlers as NodejsFunction does, in one esbuild run (shared modules are parsed
 * once; each output is still a whole bundle of its own). Returns each entry's output file.
 */
export async function bundleHandlers(
  entries: readonly string[],
  outdir: string,
): Promise<Record<string, string>> {
  const outName = (entry: string) => entry.replace(/\.ts$/, '').replace(/\//g, '_');
  await build({
    ...BUILD_OPTIONS,
    entryPoints: entries.map((entry) => ({ in: entry, out: outName(entry) })),
    outdir,
    outExtension: { '.js': '.mjs' },
  });
  return Object.fromEntries(entries.map((entry) => [entry, join(outdir, `${outName(entry)}.mjs`)]));
}
