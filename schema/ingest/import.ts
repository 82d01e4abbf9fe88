// The import over GraphQL: a large upload sent as chunks of whole NDJSON lines (the format
// of docs/import-format.md), each validated whole and written as the command-line import
// writes a file. Units must come in an earlier chunk or the same one as what names them.
import { importSource, type ImportResult } from '../../db/import/run.js';
import { ndjsonText } from '../../db/import/source.js';
import { builder } from '../builder.js';
import { badInput } from '../errors.js';

/** Below API Gateway's 10 MB request limit, with room for the JSON around it. */
export const MAX_CHUNK_BYTES = 6 * 1024 * 1024;

const ImportStatusEnum = builder.enumType('ImportStatus', {
  values: {
    IMPORTED: { description: 'Every record was written (or already stored as sent).' },
    INVALID: { description: 'Some records are invalid: nothing of the chunk was written.' },
    STOPPED: { description: 'The database refused a batch: see the problems; in ALL_OR_NOTHING mode nothing was written.' },
    VALIDATED: { description: 'A dry run found no problem; nothing was written.' },
  },
});

const ImportModeEnum = builder.enumType('ImportMode', {
  values: {
    ALL_OR_NOTHING: { description: 'The chunk is written in one transaction.' },
    PER_BATCH: { description: 'Batches of the chunk are committed one by one; those before a refused one stay.' },
  },
});

const ImportProblem = builder.objectRef<{ line: number; field: string; reason: string }>('ImportProblem').implement({
  fields: (t) => ({
    line: t.exposeInt('line', { description: 'Line of the chunk, from 1.' }),
    field: t.exposeString('field'),
    reason: t.exposeString('reason'),
  }),
});

const ImportReport = builder.objectRef<ImportResult>('ImportReport').implement({
  description: 'What an import chunk did.',
  fields: (t) => ({
    status: t.field({ type: ImportStatusEnum, resolve: (r) => r.status.toUpperCase() as 'IMPORTED' | 'INVALID' | 'STOPPED' | 'VALIDATED' }),
    records: t.exposeInt('records', { description: 'Records in the chunk.' }),
    recordsWritten: t.exposeInt('recordsWritten'),
    batches: t.exposeInt('batches'),
    problemCount: t.exposeInt('problemCount'),
    problems: t.field({
      type: [ImportProblem],
      description: 'The first problems, in line order (problemCount counts them all).',
      resolve: (r) => r.problems.map((p) => ({ line: p.line, field: p.field, reason: p.reason })),
    }),
    seconds: t.exposeFloat('seconds'),
  }),
});

builder.mutationField('importRecords', (t) =>
  t.field({
    type: ImportReport,
    // A chunk may name any unit of the tree: for the Central Committee's admins.
    authScopes: { centralAdmin: true },
    description: `Imports one chunk of a large upload: whole NDJSON lines of the import format (version 1), at most ${MAX_CHUNK_BYTES / 1024 / 1024} MB. The chunk is validated whole before anything is written; sending it again changes nothing. CENTRAL_ADMIN only.`,
    args: {
      ndjson: t.arg.string({ required: true }),
      mode: t.arg({ type: ImportModeEnum, required: false, defaultValue: 'ALL_OR_NOTHING' }),
      dryRun: t.arg.boolean({ required: false, defaultValue: false, description: 'Validate only.' }),
    },
    resolve: async (_root, args, ctx) => {
      const bytes = Buffer.byteLength(args.ndjson);
      if (bytes > MAX_CHUNK_BYTES) throw badInput('ndjson', `is ${bytes} bytes; send chunks of at most ${MAX_CHUNK_BYTES} bytes`);
      if (args.ndjson.trim() === '') throw badInput('ndjson', 'holds no record');
      // The chunk is read where it is, in memory, as a file of that name would be (no bulk load: a chunk is small).
      return importSource(ctx.db, ndjsonText(args.ndjson, 'chunk.ndjson'), {
        mode: args.mode === 'PER_BATCH' ? 'per-batch' : 'all-or-nothing',
        dryRun: args.dryRun ?? false,
        maxProblems: 100,
        actor: ctx.access.actor,
      });
    },
  }),
);
