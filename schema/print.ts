// npm run schema:print — writes the SDL that codegen and reviewers read.
import { writeFileSync } from 'node:fs';
import { printedSchema } from './index.js';

const file = new URL('./schema.graphql', import.meta.url);
writeFileSync(file, printedSchema());
console.log(`wrote ${file.pathname}`);
