// How the Lambda functions are bundled, in one place: the stack hands these options to
// NodejsFunction, and the Lambda benchmark builds with esbuild's API from the same facts,
// so the sizes and start-up times it prints are those of what gets deployed.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LogLevel, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The Lambda runtime is Node 22 (nodejs22.x); locally the code still runs on Node ≥ 20.19. */
export const NODE_TARGET = 'node22';

/**
 * Left out of the bundle:
 * - the AWS SDK, which the Lambda runtime provides;
 * - PGlite and node-postgres with their drizzle adapters: db/client.ts imports them only
 *   for the 'pglite' and 'pg' drivers, and the functions always use 'neon'.
 */
export const EXTERNAL_MODULES = [
  '@aws-sdk/*',
  '@electric-sql/pglite',
  '@electric-sql/pglite/*',
  'pg',
  'pg-native',
  'drizzle-orm/pglite',
  'drizzle-orm/pglite/*',
  'drizzle-orm/node-postgres',
  'drizzle-orm/node-postgres/*',
];

/** CommonJS dependencies call `require`, which an ES module does not have. */
export const ESM_REQUIRE_BANNER =
  "import{createRequire as __createRequire}from'node:module';const require=__createRequire(import.meta.url);";

/** db/client.ts finds its migrations at `./migrations` beside the running module: in a bundle, beside index.mjs. */
export const MIGRATIONS = { source: 'db/migrations', target: 'migrations' } as const;

/** The entry file of each function, relative to the project root. */
export const ENTRIES = {
  graphql: 'functions/graphql.ts',
  migrate: 'functions/migrate.ts',
} as const;
export type FunctionName = keyof typeof ENTRIES;

/** NodejsFunction's `bundling` for a function. */
export function lambdaBundling(name: FunctionName): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: NODE_TARGET,
    minify: true,
    sourceMap: true,
    banner: ESM_REQUIRE_BANNER,
    externalModules: EXTERNAL_MODULES,
    logLevel: LogLevel.WARNING,
    // The local esbuild (a devDependency): synth needs no Docker and no network.
    forceDockerBundling: false,
    ...(name === 'migrate'
      ? {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (inputDir: string, outputDir: string) => [
              `cp -R "${join(inputDir, MIGRATIONS.source)}" "${join(outputDir, MIGRATIONS.target)}"`,
            ],
          },
        }
      : {}),
  };
}

/**
 * The same build through esbuild's API: the flags NodejsFunction passes to the esbuild CLI
 * for `lambdaBundling(name)` (bundle, platform node, outfile index.mjs for ESM).
 */
export function esbuildOptions(name: FunctionName, outdir: string): BuildOptions & { outfile: string } {
  return {
    entryPoints: [join(PROJECT_ROOT, ENTRIES[name])],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: NODE_TARGET,
    outfile: join(outdir, 'index.mjs'),
    minify: true,
    sourcemap: true,
    external: EXTERNAL_MODULES,
    banner: { js: ESM_REQUIRE_BANNER },
    absWorkingDir: PROJECT_ROOT,
    logLevel: 'warning',
  };
}

/** What `afterBundling` does for the migrate function, for builds outside CDK. */
export function copyMigrations(outdir: string): void {
  cpSync(join(PROJECT_ROOT, MIGRATIONS.source), join(outdir, MIGRATIONS.target), { recursive: true });
}
