// Each domain module adds its types to the one builder when imported.
import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';
import './unit/index.js';
import './dashboard/index.js';
import './partner/index.js';
import './ingest/index.js';
import './access/index.js';
import './unit/members.js';
import './leadership/targets.js';
import './leadership/progress.js';
import './leadership/ranking.js';
import './leadership/lagging.js';
import './leadership/quality.js';

export const schema = builder.toSchema();

/** The SDL as committed in schema/schema.graphql (sorted, so the diff shows real changes). */
export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
