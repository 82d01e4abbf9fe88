// npm run generate — writes what is generated from code: the SDL and the KPI catalogue.
import { writeFileSync } from 'node:fs';
import { printedSchema } from '../schema/index.js';
import { renderKpiCatalogue } from '../schema/kpi/docs.js';

const outputs: [URL, string][] = [
  [new URL('../schema/schema.graphql', import.meta.url), printedSchema()],
  [new URL('../docs/kpis.md', import.meta.url), renderKpiCatalogue()],
];
for (const [file, text] of outputs) {
  writeFileSync(file, text);
  console.log(`wrote ${file.pathname}`);
}
