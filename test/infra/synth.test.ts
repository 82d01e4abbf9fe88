// `npx cdk synth` as an operator runs it (docs/deploy.md), offline: the CLI reads cdk.json,
// runs infra/bin/app.ts with tsx and bundles both functions with the local esbuild.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/lib/bundling.js';

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'kpi-synth-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('npx cdk synth', () => {
  it('synthesizes the prod stack offline into the given folder', async () => {
    const outdir = join(scratch, 'cdk.out');
    const home = join(scratch, 'home');
    const { stderr } = await run(
      'npx',
      ['cdk', 'synth', '-q', '-c', 'stage=prod', '-c', 'corsOrigins=https://kpi.example.org', '-o', outdir],
      {
        cwd: PROJECT_ROOT,
        timeout: 180_000,
        env: {
          ...process.env,
          // No update checks, version checks or cache in the real home: nothing reaches the network.
          HOME: home,
          npm_config_update_notifier: 'false',
          CDK_DISABLE_VERSION_CHECK: '1',
        },
      },
    );
    const files = readdirSync(outdir);
    expect(files).toContain('YouthUnionKpi-prod.template.json');
    expect(files.filter((f) => f.startsWith('asset.')).length).toBeGreaterThanOrEqual(3);
    const template = JSON.parse(readFileSync(join(outdir, 'YouthUnionKpi-prod.template.json'), 'utf8'));
    const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types.filter((t) => t === 'AWS::Lambda::Function')).toHaveLength(3);
    expect(types).toContain('Custom::DatabaseMigrations');
    expect(JSON.stringify(template)).toContain('https://kpi.example.org');
    expect(stderr).not.toMatch(/error/i);
  }, 200_000);
});
