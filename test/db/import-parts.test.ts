// Two readers of one NDJSON file, each a part (db/import/source.ts, `cutInTwo`): wherever
// the file is cut, between lines, inside a line or inside a multi-byte character, the two
// parts read every record exactly once, with its own line number.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutInTwo, openSource, type Part } from '../../db/import/source.js';

const LINES = Array.from({ length: 12 }, (_, i) =>
  JSON.stringify({ type: 'relic', id: `r${i}`, unit: 'Đ'.repeat(i % 7), name: `Di tích ${'ầ'.repeat(i % 5)}` }),
);

async function entries(path: string, part?: Part): Promise<string[]> {
  const source = await openSource(path);
  const out: string[] = [];
  for await (const chunk of source.read(undefined, part)) for (const e of chunk) out.push(`${e.line} ${JSON.stringify(e.value)}`);
  return out;
}

describe('an NDJSON file cut in two', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'import-parts-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  for (const [name, text] of [
    ['ending with a line break', `${LINES.join('\n')}\n`],
    ['ending without one, with a blank line inside', `${LINES.slice(0, 5).join('\n')}\n\n${LINES.slice(5).join('\n')}`],
    ['with a byte order mark and CRLF line breaks', `\uFEFF${LINES.join('\r\n')}\r\n`],
  ] as const) {
    it(`is read whole, each record once with its line, wherever it is cut (${name})`, async () => {
      const path = join(dir, 'relics.ndjson');
      await writeFile(path, text);
      const whole = await entries(path);
      expect(whole).toHaveLength(12);
      expect(whole[11]).toMatch(/^1[23] /);
      const bytes = Buffer.from(text);
      for (let at = 1; at < bytes.length; at++) {
        const linesBefore = bytes.subarray(0, at).filter((b) => b === 10).length;
        const [first, second] = await cutInTwo(path, at, linesBefore);
        const parts = [...(await entries(path, first)), ...(await entries(path, second))];
        expect(parts, `cut at byte ${at}`).toEqual(whole);
      }
    });
  }
});

describe('an NDJSON file read in chunks', () => {
  it('reads lines that span reads, and a line longer than a read, once each with its number', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'import-long-'));
    try {
      const path = join(dir, 'long.ndjson');
      // Reads are 1 MiB: line 2 spans three of them, and lines 3–600 cross read boundaries here and there.
      const lines = [
        JSON.stringify({ type: 'relic', id: 'r1', unit: 'U', name: 'a' }),
        JSON.stringify({ type: 'relic', id: 'r2', unit: 'U', name: 'Đ'.repeat(1_300_000) }),
        ...Array.from({ length: 598 }, (_, i) => JSON.stringify({ type: 'relic', id: `r${i + 3}`, unit: 'U', name: 'ầ'.repeat(2_000 + i) })),
      ];
      await writeFile(path, lines.join('\n'));
      const expected = lines.map((l, i) => `${i + 1} ${l}`);
      expect(await entries(path)).toEqual(expected);
      const bytes = Buffer.from(lines.join('\n'));
      for (const at of [10, 1_500_000, 2_700_000, 3_000_000, bytes.length - 5]) {
        const [first, second] = await cutInTwo(path, at, bytes.subarray(0, at).filter((b) => b === 10).length);
        expect([...(await entries(path, first)), ...(await entries(path, second))], `cut at byte ${at}`).toEqual(expected);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the quick scan of an NDJSON file', () => {
  it('finds the lines a pattern matches, with their line numbers, across chunks and without a last line break', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'import-scan-'));
    try {
      const path = join(dir, 'mixed.ndjson');
      // 3,004 lines over several 1 MiB chunks, with multi-byte text; every 7th is a unit, one with spaces, the last without a line break.
      const lines = Array.from({ length: 3_004 }, (_, i) =>
        i % 7 === 0
          ? `{"type"${i % 2 ? ' : ' : ':'}"unit","code":"U${i}","name":"Xã ${'Đ'.repeat(i % 5)}"}`
          : JSON.stringify({ type: 'relic', id: `r${i}`, unit: `U${i}`, name: `Di tích ${'ầ'.repeat(200 + (i % 300))}` }),
      );
      // A byte order mark before the first record, which is a unit.
      await writeFile(path, `\uFEFF${lines.join('\n')}`);
      const source = await openSource(path);
      const found: string[] = [];
      for await (const chunk of source.scan!(/"type"\s*:\s*"unit"/)) for (const e of chunk) found.push(`${e.line} ${(e.value as { code: string }).code}`);
      const expected = lines.flatMap((_, i) => (i % 7 === 0 ? [`${i + 1} U${i}`] : []));
      expect(found).toEqual(expected);
      expect(found.at(-1)).toBe('3004 U3003');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
