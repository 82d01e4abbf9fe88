import { readFileSync } from 'node:fs';
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { printedSchema, schema } from '../../schema/index.js';
import { renderKpiCatalogue } from '../../schema/kpi/docs.js';
import { KPIS } from '../../domain/catalogue.js';
import { OPERATIONS } from '../../schema/operations.js';
import { readOperations, renderOperationsModule } from '../../schema/operations-source.js';

describe('printed SDL', () => {
  it('matches schema/schema.graphql (run `npm run generate` after changing the schema)', () => {
    const committed = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');
    expect(printedSchema()).toBe(committed);
  });

  it('points its readers at what the project ships (docs/kpis.md), not at files outside it', () => {
    expect(printedSchema()).not.toContain('DOMAIN.md');
    expect(printedSchema()).toContain('docs/kpis.md');
  });

  it('lists all 13 KPIs of the catalogue in the KpiId enum, with their descriptions', () => {
    const kpiId = schema.getType('KpiId');
    const values = kpiId && 'getValues' in kpiId ? kpiId.getValues() : [];
    expect(values.map((v) => v.name).sort()).toEqual(
      [
      'DIGITAL_MODEL_COVERAGE',
      'COMMUNE_TEAM_COVERAGE',
      'DIGITAL_TEAM_MEMBERS',
      'MEMBER_DATA_DIGITIZED',
      'MEMBERS_EVALUATED',
      'APP_ADOPTION',
      'STARTUP_PRODUCTS_LISTED',
      'RELICS_DIGITIZED',
      'VNEID_INSTALLS',
      'VNEID_ACTIVATIONS',
      'DIGITAL_ACCOUNTS',
      'ECOMMERCE_PRODUCTS',
      'DIGITAL_SKILLS_TRAINED',
      ].sort(),
    );
    expect(KPIS).toHaveLength(13);
    for (const v of values) expect(v.description).toContain(KPIS.find((k) => k.id === v.name)!.nameEn);
  });

  it('docs/kpis.md is the catalogue rendered from domain/catalogue.ts (run `npm run generate`)', () => {
    const committed = readFileSync(new URL('../../docs/kpis.md', import.meta.url), 'utf8');
    expect(renderKpiCatalogue()).toBe(committed);
  });
});

describe('the persisted operations (schema/operations/*.graphql)', () => {
  it('are compiled into schema/operations.ts (run `npm run generate` after changing one)', () => {
    expect(readFileSync(new URL('../../schema/operations.ts', import.meta.url), 'utf8')).toBe(renderOperationsModule());
    expect(OPERATIONS).toEqual(readOperations());
  });

  it('each hold one operation, named as its file, valid against the schema', () => {
    for (const [name, text] of Object.entries(OPERATIONS)) {
      const document = parse(text);
      expect(document.definitions.map((d) => ('name' in d ? d.name?.value : undefined))).toEqual([name]);
      expect(validate(schema, document).map((e) => e.message)).toEqual([]);
    }
  });
});
