// npm run generate — writes what is generated: the SDL and the KPI catalogue from the code,
// and the persisted operations' module from schema/operations/*.graphql.
import { writeFileSync } from 'node:fs';
import { printedSchema } from '../schema/index.js';
import { renderKpiCatalogue } from '../schema/kpi/docs.js';
import { renderOperationsModule } from '../schema/operations-source.js';

const outputs: [URL, string][] = [
  [new URL('../schema/schema.graphql', import.meta.url), printedSchema()],
  [new URL('../docs/kpis.md', import.meta.url), renderKpiCatalogue()],
  [new URL('../schema/operations.ts', import.meta.url), renderOperationsModule()],
];
for (const [file, text] of outputs) {
  writeFileSync(file, text);
  console.log(`wrote ${file.pathname}`);
}
