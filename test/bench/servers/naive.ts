// What a team writes without batching: a hand-written schema whose resolvers ask the
// database one unit and one KPI at a time (the same roll-ups, the same read path), so a
// dashboard of 34 provinces × 13 KPIs sends 442 statements and more.
import { sql } from 'drizzle-orm';
import { createSchema, createYoga } from 'graphql-yoga';
import { rows, type Db } from '../../../db/client.js';
import type { UnitLevel } from '../../../db/schema.js';
import { parsePeriod } from '../../../domain/period.js';
import { readKpis } from '../../../schema/kpi/read.js';
import type { KpiId } from '../../../domain/catalogue.js';

const typeDefs = /* GraphQL */ `
  type Query { unit(code: String!): Unit }
  type Unit { id: Int! code: String! level: String! children: [Unit!]! kpi(id: String!, period: String!): KpiValue! }
  type KpiValue { numerator: Float! denominator: Float }
`;

interface UnitRow {
  id: number;
  code: string;
  level: UnitLevel;
}

export function naiveYoga(db: Db) {
  const resolvers = {
    Query: {
      unit: async (_: unknown, { code }: { code: string }) => (await rows<UnitRow>(db, sql`SELECT id, code, level FROM units WHERE code = ${code}`))[0] ?? null,
    },
    Unit: {
      children: (u: UnitRow) => rows<UnitRow>(db, sql`SELECT id, code, level FROM units WHERE parent_id = ${u.id} ORDER BY code`),
      kpi: async (u: UnitRow, { id, period }: { id: string; period: string }) =>
        (await readKpis(db, [{ kpi: id as KpiId, period: parsePeriod(period), unitId: u.id, level: u.level }]))[0],
    },
  };
  return createYoga({ schema: createSchema({ typeDefs, resolvers }), graphiql: false, logging: false, maskedErrors: false });
}
