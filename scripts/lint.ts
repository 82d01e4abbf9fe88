// npm run lint — checks that dependencies point one way:
//   domain ← db ← schema/kpi ← schema ← functions, and infra names only the entry files of functions.
//   domain/ is the pure KPI domain (the catalogue, periods, Vietnam time): it imports no other layer.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** What each layer may import from (besides itself and packages). */
const ALLOWED: Record<string, string[]> = {
  domain: ['domain'],
  db: ['domain', 'db'],
  'schema/kpi': ['domain', 'db', 'schema/kpi'],
  schema: ['domain', 'db', 'schema/kpi', 'schema'],
  functions: ['domain', 'db', 'schema/kpi', 'schema', 'functions'],
  infra: ['infra'],
};

function layerOf(file: string): string | undefined {
  const rel = relative(root, file);
  if (rel.startsWith('schema/kpi/')) return 'schema/kpi';
  return Object.keys(ALLOWED).find((layer) => rel.startsWith(`${layer}/`));
}

function* tsFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* tsFiles(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

const problems: string[] = [];
for (const layer of Object.keys(ALLOWED)) {
  const dir = join(root, layer);
  try {
    statSync(dir);
  } catch {
    continue;
  }
  for (const file of tsFiles(dir)) {
    const from = layerOf(file)!;
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)) {
      const target = layerOf(resolve(dirname(file), match[1]!));
      if (target && !ALLOWED[from]!.includes(target)) {
        problems.push(`${relative(root, file)}: ${from} must not import from ${target} (${match[1]})`);
      }
    }
  }
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error(`${problems.length} import(s) point the wrong way`);
  process.exit(1);
}
console.log('imports point one way: domain ← db ← schema/kpi ← schema ← functions');
