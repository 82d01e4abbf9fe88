// Batching: however many units, KPIs and periods a query asks for, it costs a small,
// constant number of SQL statements, counted as the driver sends them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CountingLogger, type DbHandle } from '../../../db/client.js';
import { seedDemo } from '../../../db/demo/seed.js';
import { KPIS } from '../../../domain/catalogue.js';
import { openTestDb } from '../../support/db.js';
import { graphqlClient } from '../../support/graphql.js';

const months = Array.from({ length: 12 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}`);

describe('SQL statements per query', () => {
  let handle: DbHandle;
  const logger = new CountingLogger();
  let query: ReturnType<typeof graphqlClient>;

  beforeAll(async () => {
    handle = await openTestDb('postgres', { logger });
    await seedDemo(handle.db);
    query = graphqlClient(handle.db);
  });
  afterAll(async () => handle?.close());

  async function count(q: string) {
    // The caller's home unit is read once per server instance (schema/access/authenticate.ts), not per request.
    await query('{ viewer { kind } }');
    logger.reset();
    const r = await query(q);
    expect(r.errors).toBeUndefined();
    return { data: r.data, statements: logger.count, sql: [...logger.statements] };
  }

  it('34 provinces × 13 KPIs × 12 months: 3 statements (the unit, its children, the roll-ups)', async () => {
    const fields = months.map((m, i) => `m${i + 1}: kpis(period: "${m}") { kpi { id } value numerator denominator asOf }`).join('\n');
    const { data, statements, sql } = await count(`{ unit(code: "TW") { children(first: 100) { nodes { code ${fields} } } } }`);
    expect(data.unit.children.nodes).toHaveLength(34);
    const values = data.unit.children.nodes.flatMap((n: Record<string, unknown[]>) => months.flatMap((_, i) => n[`m${i + 1}`]));
    expect(values).toHaveLength(34 * 13 * 12);
    expect(statements).toBe(3);
    expect(sql[2]).toContain('kpi_rollup_year');
  });

  it('the same with previous periods, last year and a series per KPI: still 3', async () => {
    const series = KPIS.map((k) => `${k.id.toLowerCase()}: series(kpi: ${k.id}, from: "2026-01", to: "2026-12", grain: MONTH) { value previous { difference } lastYear { difference } }`).join('\n');
    const { data, statements } = await count(`{ unit(code: "TW") { children(first: 100) { nodes { code ${series} } } } }`);
    expect(data.unit.children.nodes[0].app_adoption).toHaveLength(12);
    expect(statements).toBe(3);
  });

  it('a compare matrix of 34 provinces: 2 statements (the units by code, the roll-ups)', async () => {
    const { data: provinces } = await count(`{ unit(code: "TW") { children(first: 100) { nodes { code } } } }`);
    const codes = provinces.unit.children.nodes.map((n: { code: string }) => `"${n.code}"`).join(', ');
    const fields = months.map((m, i) => `m${i + 1}: compare(units: [${codes}], period: "${m}") { rows { values { value } } }`).join('\n');
    const { data, statements } = await count(`{ ${fields} }`);
    expect(data.m12.rows).toHaveLength(34);
    expect(statements).toBe(2);
  });

  it("reads the caller's home unit once per server instance, not once per request", async () => {
    const fresh = graphqlClient(handle.db);
    logger.reset();
    expect((await fresh('{ viewer { kind role unit { code } } }')).data.viewer).toEqual({ kind: 'USER', role: 'CENTRAL_ADMIN', unit: { code: 'TW' } });
    expect(logger.count).toBe(1);
    logger.reset();
    await fresh('{ viewer { kind } }');
    expect(logger.count).toBe(0);
  });

  it('a breakdown of every branch of a province adds the base tables, read in one snapshot with the roll-ups', async () => {
    const { data, statements, sql } = await count(`{ unit(code: "LS") { breakdown(kpi: APP_ADOPTION, period: "2026-10", level: BRANCH, first: 5) { nodes { value } } } }`);
    expect(data.unit.breakdown.nodes).toHaveLength(5);
    // The unit, the branches below it, then in one read-only transaction the roll-ups (asOf) and the base tables.
    expect(statements).toBe(6);
    expect(sql[2]).toMatch(/^begin/i);
    expect(sql[3]).toContain('kpi_as_of');
    expect(sql[4]).toContain('member_unit_history');
    expect(sql[5]).toMatch(/^commit/i);
  });
});
