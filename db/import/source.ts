// Where records come from: one NDJSON file, or a folder of CSV files (one per record
// type, nested lists in files of their own). Both are streamed: a file is never held in
// memory, and entries come in chunks so that the per-line cost stays low.
import { createReadStream, promises as fs } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'csv-parse';
import type { Issue, RowType } from './validate.js';

/** One record of the input, as parsed (not yet validated), or why it could not be parsed. */
export interface SourceEntry {
  /** The CSV file of the record; null for NDJSON (a single file). */
  file: string | null;
  /** 1-based line number in its file (for CSV: the line where the record ends). */
  line: number;
  value?: unknown;
  issue?: Issue;
}

export interface Source {
  kind: 'ndjson' | 'csv';
  /** The file or folder. */
  path: string;
  /** The file or folder name, for the audit log and messages. */
  label: string;
  /** Held in memory, not in a file (so never bulk-loaded, which reads the file in threads). */
  inMemory?: boolean;
  totalBytes: number;
  /**
   * Every record in order, in chunks. `onBytes` is told how many bytes were read so far
   * and how many whole lines they hold. Of an NDJSON file, `part`: only a part is read.
   */
  read(onBytes?: (bytes: number, lines: number) => void, part?: Part): AsyncGenerator<SourceEntry[]>;
  /**
   * NDJSON only: the records of the lines an ASCII `pattern` matches, the others not even
   * decoded (a quick scan of a large file).
   */
  scan?(pattern: RegExp, onBytes?: (bytes: number, lines: number) => void): AsyncGenerator<SourceEntry[]>;
}

/**
 * A part of an NDJSON file, for readers in parallel: from the line that follows the first
 * line break at or after byte `from − 1` (line number `firstLine`), to line `lastLine`.
 */
export interface Part {
  from: number;
  firstLine: number;
  lastLine?: number;
}

/** Where to cut a file in two for two readers: the lines before byte `at`, and `at` and after. */
export async function cutInTwo(path: string, at: number, linesBefore: number): Promise<[Part, Part]> {
  const handle = await fs.open(path, 'r');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at - 1);
    // A line break just before the cut: the second part starts on a line of its own.
    const onBreak = byte[0] === 10;
    return [
      { from: 0, firstLine: 1, lastLine: linesBefore + (onBreak ? 0 : 1) },
      { from: at, firstLine: linesBefore + (onBreak ? 1 : 2) },
    ];
  } finally {
    await handle.close();
  }
}

/** "line 17" or "members.csv line 17". */
export function location(file: string | null, line: number): string {
  return file ? `${file} line ${line}` : `line ${line}`;
}

interface CsvLayout {
  file: string;
  type: RowType;
  required: string[];
  optional: string[];
}

/** The CSV files of a folder, in the order they are read: every file's rows may refer to those before. */
export const CSV_LAYOUT: CsvLayout[] = [
  { file: 'units.csv', type: 'unit', required: ['code', 'name', 'level', 'validFrom'], optional: ['parent', 'validTo', 'successor'] },
  { file: 'members.csv', type: 'member', required: ['id', 'unit', 'joinedAt'], optional: ['leftAt', 'unitSince', 'digitizedAt', 'appActivatedAt', 'birthYear', 'gender'] },
  { file: 'member_evaluations.csv', type: 'evaluation', required: ['member', 'year', 'recordedAt'], optional: [] },
  { file: 'models.csv', type: 'model', required: ['id', 'unit', 'kind', 'establishedAt'], optional: ['effectiveFrom', 'endedAt'] },
  { file: 'teams.csv', type: 'team', required: ['id', 'unit', 'establishedAt'], optional: ['disbandedAt'] },
  { file: 'team_roster.csv', type: 'rosterEntry', required: ['team', 'person', 'from'], optional: ['to'] },
  { file: 'products.csv', type: 'product', required: ['id', 'unit', 'name', 'listedAt'], optional: ['delistedAt'] },
  { file: 'relics.csv', type: 'relic', required: ['id', 'unit', 'name'], optional: ['digitizedAt'] },
  { file: 'reports.csv', type: 'report', required: ['unit', 'kind', 'date', 'count'], optional: ['id'] },
  { file: 'targets.csv', type: 'target', required: ['unit', 'kpi', 'period', 'value'], optional: [] },
];

const NUMERIC_COLUMNS = new Set(['birthYear', 'year', 'count', 'value']);
const NUMBER = /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const CHUNK = 1 << 20;
const CSV_CHUNK = 2_000;

export async function openSource(path: string): Promise<Source> {
  const stat = await fs.stat(path);
  if (stat.isDirectory()) return csvFolder(path);
  return ndjsonFile(path, stat.size);
}

/** NDJSON held in memory (a chunk sent over GraphQL), read as a file of that name would be. */
export function ndjsonText(text: string, label: string): Source {
  const bytes = Buffer.from(text, 'utf8');
  return ndjsonFile(bytes, bytes.length, label);
}

/**
 * Records in memory, as objects of the import format (db/records.ts), each read as the line
 * of an NDJSON file would be: `records` is called again for each pass over them.
 */
export function recordList(records: () => Iterable<unknown>, label = 'records'): Source {
  return {
    kind: 'ndjson',
    path: label,
    label,
    inMemory: true,
    totalBytes: 0,
    async *read() {
      let out: SourceEntry[] = [];
      let line = 0;
      for (const value of records()) {
        out.push({ file: null, line: ++line, value });
        if (out.length === 1_000) {
          yield out;
          out = [];
        }
      }
      if (out.length > 0) yield out;
    },
  };
}

function ndjsonFile(input: string | Buffer, size: number, label = typeof input === 'string' ? basename(input) : 'ndjson'): Source {
  const path = typeof input === 'string' ? input : label;
  return {
    kind: 'ndjson',
    path,
    label,
    inMemory: typeof input !== 'string',
    totalBytes: size,
    async *scan(pattern, onBytes) {
      const re = new RegExp(pattern.source, 'g');
      for await (const chunk of ndjsonLines(input, undefined, onBytes)) {
        const { buffer, ends } = chunk;
        // One byte, one character: the ASCII pattern matches where it matches in UTF-8, and nothing is decoded but the lines it matches.
        const text = buffer.toString('latin1', 0, ends[ends.length - 1]);
        const out: SourceEntry[] = [];
        let i = 0;
        re.lastIndex = 0;
        for (let m = re.exec(text); m; m = re.exec(text)) {
          while (ends[i]! < m.index) i += 1;
          const start = i === 0 ? 0 : ends[i - 1]! + 1;
          parseLine(out, chunk.firstLine + i, buffer.toString('utf8', start, ends[i]));
          re.lastIndex = ends[i]! + 1;
        }
        if (out.length > 0) yield out;
      }
    },
    async *read(onBytes, part) {
      for await (const chunk of ndjsonLines(input, part, onBytes)) {
        const out: SourceEntry[] = [];
        let at = 0;
        chunk.ends.forEach((end, i) => {
          parseLine(out, chunk.firstLine + i, chunk.buffer.toString('utf8', at, end));
          at = end + 1;
        });
        if (out.length > 0) yield out;
      }
    },
  };
}

/** Whole lines of an NDJSON file, as bytes (the bulk load reads member records without decoding them). */
export interface LineChunk {
  buffer: Buffer;
  /** Where each line ends in `buffer` (its line break, if it has one); the next starts one byte after. */
  ends: number[];
  /** The line number of the first line. */
  firstLine: number;
}

/**
 * The lines of an NDJSON file (or of a part of it) in chunks of whole lines, a leading
 * byte order mark left out. Lines hold UTF-8 bytes: a line break is never inside a
 * character, so each line decodes alone as it would with the whole file.
 */
export async function* ndjsonLines(input: string | Buffer, part?: Part, onBytes?: (bytes: number, lines: number) => void): AsyncGenerator<LineChunk> {
  let bytes = 0;
  let line = (part?.firstLine ?? 1) - 1;
  const last = part?.lastLine ?? Infinity;
  // A part that starts inside the file starts after the first line break at or after its first byte − 1.
  let skipping = part !== undefined && part.from > 0;
  let head = !skipping;
  /** The start of a line that goes on in the next read. */
  let carry: Buffer | null = null;
  /** The whole lines of `buffer`, which starts a line; what is left is carried. */
  const split = (buffer: Buffer): LineChunk | null => {
    const ends: number[] = [];
    const firstLine = line + 1;
    let at = 0;
    for (let lf = buffer.indexOf(10); lf >= 0 && line < last; lf = buffer.indexOf(10, at)) {
      ends.push(lf);
      line += 1;
      at = lf + 1;
    }
    carry = at < buffer.length && line < last ? buffer.subarray(at) : null;
    return ends.length > 0 ? { buffer, ends, firstLine } : null;
  };
  for await (let read of readsOf(input, skipping ? part!.from - 1 : 0)) {
    bytes += read.length;
    if (skipping) {
      const lf = read.indexOf(10);
      if (lf < 0) continue;
      read = read.subarray(lf + 1);
      skipping = false;
    }
    if (head) {
      // A file's first read holds its first bytes whole (CHUNK of them, or the whole file).
      read = read.subarray(bomLength(read));
      head = false;
    }
    if (carry) {
      // Only the line that spans the two reads is copied, not the whole read.
      const lf = read.indexOf(10);
      if (lf < 0) {
        carry = Buffer.concat([carry, read]);
        continue;
      }
      const spanning = split(Buffer.concat([carry, read.subarray(0, lf + 1)]));
      if (spanning) yield spanning;
      read = read.subarray(lf + 1);
    }
    const chunk = line < last ? split(read) : null;
    onBytes?.(bytes, line);
    if (chunk) yield chunk;
    if (line >= last) return;
  }
  if (!skipping && carry && (carry as Buffer).length > 0) yield { buffer: carry, ends: [(carry as Buffer).length], firstLine: line + 1 };
}

/**
 * The bytes of a file from `start` on, CHUNK at a time, the next read under way while one
 * is used. Three buffers in turn: a read stays valid until the next but one is taken (so a
 * line carried from it can be joined to the next), and gigabytes read make no garbage.
 */
async function* readsOf(input: string | Buffer, start: number): AsyncGenerator<Buffer> {
  if (typeof input !== 'string') {
    // In memory: the same reads a file of these bytes would give.
    for (let at = start; at < input.length; at += CHUNK) yield input.subarray(at, at + CHUNK);
    return;
  }
  const handle = await fs.open(input, 'r');
  const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  let position = start;
  const read = (turn: number) => handle.read(buffers[turn]!, 0, CHUNK, position).then(({ bytesRead }) => buffers[turn]!.subarray(0, bytesRead));
  let next = read(0);
  try {
    for (let turn = 0; ; turn = (turn + 1) % 3) {
      const buffer = await next;
      if (buffer.length === 0) return;
      position += buffer.length;
      next = read((turn + 1) % 3);
      yield buffer;
    }
  } finally {
    await next.catch(() => undefined);
    await handle.close();
  }
}

/** The bytes of a UTF-8 byte order mark at the start of `buffer`: 3 or 0. */
function bomLength(buffer: Buffer): number {
  return buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
}

function parseLine(out: SourceEntry[], line: number, raw: string): void {
  const entry = lineEntry(line, raw);
  if (entry) out.push(entry);
}

/** The record of an NDJSON line, or why it is not one; null for a blank line. */
export function lineEntry(line: number, raw: string): SourceEntry | null {
  const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (text.trim() === '') return null;
  try {
    return { file: null, line, value: JSON.parse(text) };
  } catch (error) {
    return { file: null, line, issue: { field: '(line)', reason: `is not valid JSON: ${(error as Error).message}` } };
  }
}

async function csvFolder(path: string): Promise<Source> {
  const names = (await fs.readdir(path)).filter((n) => n.toLowerCase().endsWith('.csv'));
  const unknown = names.filter((n) => !CSV_LAYOUT.some((l) => l.file === n));
  if (unknown.length > 0) {
    throw new Error(`${path}: unknown CSV file(s) ${unknown.join(', ')}; expected some of ${CSV_LAYOUT.map((l) => l.file).join(', ')}`);
  }
  const present = CSV_LAYOUT.filter((l) => names.includes(l.file));
  if (present.length === 0) throw new Error(`${path}: no CSV files of the import format (${CSV_LAYOUT.map((l) => l.file).join(', ')})`);
  const sizes = await Promise.all(present.map(async (l) => (await fs.stat(join(path, l.file))).size));
  return {
    kind: 'csv',
    path,
    label: basename(path),
    totalBytes: sizes.reduce((a, b) => a + b, 0),
    async *read(onBytes) {
      let before = 0;
      for (const [i, layout] of present.entries()) {
        yield* csvFile(join(path, layout.file), layout, (bytes) => onBytes?.(before + bytes, 0));
        before += sizes[i]!;
      }
    },
  };
}

async function* csvFile(path: string, layout: CsvLayout, onBytes: (bytes: number) => void): AsyncGenerator<SourceEntry[]> {
  const file = layout.file;
  const input = createReadStream(path, { highWaterMark: CHUNK });
  let bytes = 0;
  input.on('data', (chunk) => {
    bytes += chunk.length;
  });
  const parser = input.pipe(parse({ bom: true, info: true, skip_empty_lines: true, relax_column_count: true }));
  let header: string[] | null = null;
  let out: SourceEntry[] = [];
  // csv-parse counts a CRLF inside a quoted cell as two lines: take the extra ones back.
  let extraLines = 0;
  try {
    for await (const { record, info: read } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      for (const cell of record) if (cell.includes('\r\n')) extraLines += cell.split('\r\n').length - 1;
      const info = { lines: read.lines - extraLines };
      if (!header) {
        header = record.map((c) => c.trim());
        const problems = checkHeader(header, layout);
        if (problems.length > 0) {
          yield problems.map((issue) => ({ file, line: info.lines, issue }));
          input.destroy();
          return;
        }
        continue;
      }
      if (record.length !== header.length) {
        out.push({ file, line: info.lines, issue: { field: '(line)', reason: `has ${record.length} columns; the header has ${header.length}` } });
      } else {
        const value: Record<string, unknown> = { type: layout.type };
        for (let c = 0; c < header.length; c++) {
          const cell = record[c]!;
          if (cell === '') continue;
          const column = header[c]!;
          value[column] = NUMERIC_COLUMNS.has(column) && NUMBER.test(cell.trim()) ? Number(cell) : cell;
        }
        out.push({ file, line: info.lines, value });
      }
      if (out.length >= CSV_CHUNK) {
        onBytes(bytes);
        yield out;
        out = [];
      }
    }
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 0;
    out.push({ file, line, issue: { field: '(line)', reason: `is not valid CSV: ${(error as Error).message}` } });
    input.destroy();
  }
  onBytes(bytes);
  if (out.length > 0) yield out;
}

function checkHeader(header: string[], layout: CsvLayout): Issue[] {
  const known = new Set([...layout.required, ...layout.optional]);
  const issues: Issue[] = [];
  const seen = new Set<string>();
  for (const column of header) {
    if (!known.has(column)) issues.push({ field: column || '(empty column name)', reason: `is not a column of ${layout.file} (columns: ${[...known].join(', ')})` });
    else if (seen.has(column)) issues.push({ field: column, reason: 'appears twice in the header' });
    seen.add(column);
  }
  for (const column of layout.required) {
    if (!seen.has(column)) issues.push({ field: column, reason: `is a required column of ${layout.file}` });
  }
  return issues;
}
