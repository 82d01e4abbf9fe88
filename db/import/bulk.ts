// The bulk load: how a whole national file goes into an empty database in one
// transaction, PostgreSQL's own recipe for populating a database ("Populating a
// Database" in its manual): the foreign keys and secondary indexes of the member tables
// are dropped at the start and made again at the end (one sorted build and one join
// each, instead of a check and an index insertion per row), members and their
// evaluations are sent with COPY, and their roll-up steps are summed in memory
// (db/rollup-members.ts). The definitions are read from the catalog before they are
// dropped, so what is made again is exactly what the migrations made; and everything
// happens in the import's transaction, so a failure (or a killed process) leaves the
// database as it was, constraints included.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'drizzle-orm';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { rows, type Db } from '../client.js';
import { MemberRollups, unitLives } from '../rollup-members.js';
import type { Counts } from './batch.js';
import type { MemberRow } from './validate.js';

/** The tables a bulk load sends with COPY. */
const TABLES = ['members', 'member_evaluations'];

/** The node-postgres connection under a transaction, or null (PGlite, Neon): COPY needs it. */
export function copyConnection(tx: Db): PoolClient | null {
  const client = (tx as unknown as { session?: { client?: object } }).session?.client;
  // node-postgres's Client speaks the protocol over `connection`; Neon's has it too, but also `neonConfig`; PGlite's has neither.
  if (!client || !('connection' in client) || 'neonConfig' in client || typeof (client as { query?: unknown }).query !== 'function') return null;
  return client as PoolClient;
}

interface Definition {
  table: string;
  name: string;
  /** SQL that makes it again. */
  create: string;
  drop: string;
}

/** Foreign keys and secondary indexes (unique constraints included) of the tables, as the catalog defines them. */
async function deferrable(tx: Db): Promise<Definition[]> {
  const list = sql.raw(TABLES.map((t) => `'${t}'::regclass`).join(', '));
  const found = await rows<{ table: string; name: string; kind: string; def: string }>(
    tx,
    sql`SELECT c.conrelid::regclass::text AS table, c.conname AS name, 'constraint' AS kind, pg_get_constraintdef(c.oid) AS def
          FROM pg_constraint c WHERE c.conrelid IN (${list}) AND c.contype IN ('f', 'u')
        UNION ALL
        SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, 'index', pg_get_indexdef(i.indexrelid)
          FROM pg_index i WHERE i.indrelid IN (${list}) AND NOT i.indisprimary
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY 3 DESC, 1, 2`,
  );
  return found.map((d) =>
    d.kind === 'constraint'
      ? { table: d.table, name: d.name, create: `ALTER TABLE ${d.table} ADD CONSTRAINT ${d.name} ${d.def}`, drop: `ALTER TABLE ${d.table} DROP CONSTRAINT ${d.name}` }
      : { table: d.table, name: d.name, create: d.def, drop: `DROP INDEX ${d.name}` },
  );
}

/** COPY text: backslash, tab and line breaks escaped; \N is null. */
const text = (v: string) => (/[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!) : v);
const opt = (i: { text: string } | null) => (i ? i.text : '\\N');

/** Members in COPY form, not yet sent. */
export interface PendingMembers {
  members: number;
  evaluations: number;
  memberText: string;
  evaluationText: string;
}
const empty = (): PendingMembers => ({ members: 0, evaluations: 0, memberText: '', evaluationText: '' });

export class BulkLoad {
  private pending = empty();

  private constructor(
    private readonly tx: Db,
    private readonly client: PoolClient,
    private readonly definitions: Definition[],
    private readonly rollups: MemberRollups,
    private nextId: number,
    private readonly unitIds: Map<string, number>,
    private readonly flushAt: number,
  ) {}

  /**
   * Starts a bulk load of up to `members` members: drops the deferrable constraints and
   * reserves the members' ids. The units must be written already.
   */
  static async start(tx: Db, members: number, unitIds: Map<string, number>, flushAt = 250_000): Promise<BulkLoad> {
    const client = copyConnection(tx);
    if (!client) throw new Error('a bulk load needs a node-postgres connection (COPY)');
    const definitions = await deferrable(tx);
    for (const d of definitions) await tx.execute(sql.raw(d.drop));
    // The ids are taken from the sequence at once, so that evaluations can name their member.
    const [reserved] = await rows<{ first: number }>(
      tx,
      sql`SELECT nextval(pg_get_serial_sequence('members', 'id'))::float8 AS first,
                 setval(pg_get_serial_sequence('members', 'id'), nextval(pg_get_serial_sequence('members', 'id')) + ${Math.max(members, 1)}::bigint)`,
    );
    const rollups = new MemberRollups(await unitLives(tx));
    return new BulkLoad(tx, client, definitions, rollups, Number(reserved!.first), unitIds, flushAt);
  }

  /** Puts a member in COPY form (with the next reserved id) and adds its roll-up steps to the sums. */
  add(m: MemberRow): void {
    const id = this.nextId++;
    const unitId = this.unitIds.get(m.unit);
    if (unitId === undefined) throw new Error(`unit ${m.unit} is not in the database`);
    const p = this.pending;
    p.members += 1;
    p.memberText += `${id}\t${text(m.id)}\t${unitId}\t${m.joinedAt.text}\t${m.joinedAt.text}\t${opt(m.leftAt)}\t${m.birthYear ?? '\\N'}\t${m.gender ?? '\\N'}\t${opt(m.digitizedAt)}\t${opt(m.appActivatedAt)}\n`;
    for (const e of m.evaluations) p.evaluationText += `${id}\t${e.year}\t${e.recordedAt.text}\n`;
    p.evaluations += m.evaluations.length;
    this.rollups.add({
      unitId,
      joinedAt: m.joinedAt.ms,
      leftAt: m.leftAt?.ms ?? null,
      digitizedAt: m.digitizedAt?.ms ?? null,
      appActivatedAt: m.appActivatedAt?.ms ?? null,
      evaluations: m.evaluations.map((e) => ({ year: e.year, recordedAt: e.recordedAt.ms })),
    });
  }

  /** The members added since the last call, to be written; the next ones start anew. */
  take(): PendingMembers {
    const p = this.pending;
    this.pending = empty();
    return p;
  }

  /** Writes members with COPY (and the roll-up sums when they are many); returns the counts. */
  async write(p: PendingMembers): Promise<Counts> {
    if (p.members === 0) return {};
    await this.copy('members (id, external_id, unit_id, unit_since, joined_at, left_at, birth_year, gender, digitized_at, app_activated_at)', p.memberText);
    if (p.evaluations > 0) await this.copy('member_evaluations (member_id, year, recorded_at)', p.evaluationText);
    if (this.rollups.size >= this.flushAt) await this.rollups.flush(this.tx);
    return {
      members: { inserted: p.members, updated: 0, unchanged: 0 },
      ...(p.evaluations > 0 ? { member_evaluations: { inserted: p.evaluations, updated: 0, unchanged: 0 } } : {}),
    };
  }

  private async copy(target: string, data: string): Promise<void> {
    await pipeline(Readable.from([data]), this.client.query(copyFrom(`COPY ${target} FROM STDIN`)));
  }

  /** Adds the summed roll-up steps, then makes the dropped constraints and indexes again (which checks them). */
  async finish(onStep?: (done: number, total: number) => void): Promise<void> {
    await this.rollups.flush(this.tx);
    await this.tx.execute(sql`SET LOCAL maintenance_work_mem = '512MB'`);
    for (const [i, d] of this.definitions.entries()) {
      await this.tx.execute(sql.raw(d.create));
      onStep?.(i + 1, this.definitions.length);
    }
  }
}
