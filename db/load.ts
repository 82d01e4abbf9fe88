// The bulk loader: takes import records one at a time, resolves unit codes to ids,
// and writes them in large multi-row INSERTs (one JSON parameter per batch, expanded
// by json_to_recordset, which every driver passes through unchanged). The demo-data
// generator and the import both feed it.
import { sql } from 'drizzle-orm';
import { rows, type Db } from './client.js';
import { parseTargetPeriod } from '../domain/period.js';
import { rebuildRollups } from './rollup.js';
import type { ImportRecord, MemberRecord, RecordType, TeamRecord, UnitRecord } from './records.js';
import { UNIT_LEVELS } from './schema.js';
import { REPORT_COUNT_MAX, REPORT_KINDS } from '../domain/catalogue.js';

export class LoadError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
    readonly record?: ImportRecord,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'LoadError';
  }
}

type Row = Record<string, unknown>;

interface TableSpec {
  table: string;
  /** Column name → Postgres type, in insert order. */
  columns: Record<string, string>;
  /** Sequence whose ids the loader reserves, for tables whose ids other rows refer to. */
  sequence?: string;
}

const TABLES = {
  units: {
    table: 'units',
    sequence: 'units_id_seq',
    columns: {
      id: 'int',
      code: 'text',
      name: 'text',
      search_name: 'text',
      level: 'text',
      parent_id: 'int',
      valid_from: 'timestamptz',
      valid_to: 'timestamptz',
    },
  },
  members: {
    table: 'members',
    sequence: 'members_id_seq',
    columns: {
      id: 'int',
      external_id: 'text',
      unit_id: 'int',
      unit_since: 'timestamptz',
      joined_at: 'timestamptz',
      left_at: 'timestamptz',
      birth_year: 'smallint',
      gender: 'text',
      digitized_at: 'timestamptz',
      app_activated_at: 'timestamptz',
    },
  },
  member_evaluations: {
    table: 'member_evaluations',
    columns: { member_id: 'int', year: 'smallint', recorded_at: 'timestamptz' },
  },
  digital_models: {
    table: 'digital_models',
    columns: {
      external_id: 'text',
      unit_id: 'int',
      kind: 'text',
      established_at: 'timestamptz',
      effective_from: 'timestamptz',
      ended_at: 'timestamptz',
    },
  },
  teams: {
    table: 'teams',
    sequence: 'teams_id_seq',
    columns: { id: 'int', external_id: 'text', unit_id: 'int', established_at: 'timestamptz', disbanded_at: 'timestamptz' },
  },
  team_roster: {
    table: 'team_roster',
    columns: { team_id: 'int', person: 'text', from_at: 'timestamptz', to_at: 'timestamptz' },
  },
  startup_products: {
    table: 'startup_products',
    columns: { external_id: 'text', unit_id: 'int', name: 'text', listed_at: 'timestamptz', delisted_at: 'timestamptz' },
  },
  relics: {
    table: 'relics',
    columns: { external_id: 'text', unit_id: 'int', name: 'text', digitized_at: 'timestamptz' },
  },
  activity_reports: {
    table: 'activity_reports',
    columns: { external_id: 'text', unit_id: 'int', kind: 'text', date: 'date', count: 'int' },
  },
  targets: {
    table: 'targets',
    columns: { unit_id: 'int', kpi: 'text', period: 'text', period_start: 'timestamptz', period_end: 'timestamptz', value: 'numeric' },
  },
} satisfies Record<string, TableSpec>;

type TableName = keyof typeof TABLES;

/** Order in which buffers are written, so that every row finds the rows it refers to. */
const FLUSH_ORDER: TableName[] = [
  'units',
  'members',
  'member_evaluations',
  'digital_models',
  'teams',
  'team_roster',
  'startup_products',
  'relics',
  'activity_reports',
  'targets',
];

/**
 * Lower case, no diacritics, đ → d, and any run of what is not a letter or a digit
 * (spaces, hyphens, punctuation) as one space: the form people search with, so that
 * "dong-dang", "Đồng  Đăng" and "dong dang" are one text. Migration 0007 applies the same
 * rule to the names stored before it.
 */
export function searchForm(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export interface LoadStats {
  records: Record<RecordType, number>;
  rows: Record<TableName, number>;
}

export interface LoaderOptions {
  /** Rows per INSERT statement. */
  batchSize?: number;
  /** Called after each batch is written. */
  onProgress?: (stats: LoadStats) => void;
  /** Called as the roll-ups are rebuilt at the end, a part (province) at a time. */
  onRollupProgress?: (done: number, total: number) => void;
}

const DEFAULT_BATCH = 5_000;

export class BulkLoader {
  private readonly unitIds = new Map<string, { id: number; level: string }>();
  private readonly buffers = new Map<TableName, Row[]>(FLUSH_ORDER.map((t) => [t, []]));
  private readonly reserved = new Map<string, number[]>();
  private readonly successors: { code: string; successor: string }[] = [];
  private readonly batchSize: number;
  readonly stats: LoadStats = {
    records: { unit: 0, member: 0, model: 0, team: 0, product: 0, relic: 0, report: 0, target: 0 },
    rows: Object.fromEntries(FLUSH_ORDER.map((t) => [t, 0])) as Record<TableName, number>,
  };

  private constructor(
    private readonly db: Db,
    private readonly options: LoaderOptions,
  ) {
    this.batchSize = options.batchSize ?? DEFAULT_BATCH;
  }

  /** A loader that knows the units already in the database. */
  static async open(db: Db, options: LoaderOptions = {}): Promise<BulkLoader> {
    const loader = new BulkLoader(db, options);
    for (const u of await rows<{ id: number; code: string; level: string }>(db, sql`SELECT id, code, level FROM units`)) {
      loader.unitIds.set(u.code, { id: u.id, level: u.level });
    }
    return loader;
  }

  async add(record: ImportRecord): Promise<void> {
    this.stats.records[record.type] += 1;
    switch (record.type) {
      case 'unit':
        await this.addUnit(record);
        break;
      case 'member':
        await this.addMember(record);
        break;
      case 'model':
        await this.push('digital_models', {
          external_id: record.id,
          unit_id: this.unitId(record.unit, record),
          kind: record.kind,
          established_at: record.establishedAt,
          effective_from: record.effectiveFrom ?? null,
          ended_at: record.endedAt ?? null,
        });
        break;
      case 'team':
        await this.addTeam(record);
        break;
      case 'product':
        await this.push('startup_products', {
          external_id: record.id,
          unit_id: this.unitId(record.unit, record),
          name: record.name,
          listed_at: record.listedAt,
          delisted_at: record.delistedAt ?? null,
        });
        break;
      case 'relic':
        await this.push('relics', {
          external_id: record.id,
          unit_id: this.unitId(record.unit, record),
          name: record.name,
          digitized_at: record.digitizedAt ?? null,
        });
        break;
      case 'report':
        if (!REPORT_KINDS.includes(record.kind)) {
          throw new LoadError('kind', `must be one of ${REPORT_KINDS.join(', ')} (got "${record.kind}")`, record);
        }
        if (!Number.isInteger(record.count) || record.count < 0 || record.count > REPORT_COUNT_MAX) {
          throw new LoadError('count', `must be a whole number from 0 to ${REPORT_COUNT_MAX} (got ${record.count})`, record);
        }
        await this.push('activity_reports', {
          external_id: record.id ?? null,
          unit_id: this.unitId(record.unit, record),
          kind: record.kind,
          date: record.date,
          count: record.count,
        });
        break;
      case 'target': {
        const period = parseTargetPeriod(record.period);
        if (typeof period === 'string') throw new LoadError('period', period, record);
        await this.push('targets', {
          unit_id: this.unitId(record.unit, record),
          kpi: record.kpi,
          period: period.id,
          period_start: period.start.toISOString(),
          period_end: period.end.toISOString(),
          value: record.value,
        });
        break;
      }
    }
  }

  /** Writes everything still buffered, then the successor links (which may point forward), then rebuilds the roll-ups. */
  async finish(): Promise<LoadStats> {
    for (const table of FLUSH_ORDER) await this.flush(table);
    for (const { code, successor } of this.successors) {
      const target = this.unitIds.get(successor);
      if (!target) throw new LoadError('successor', `unknown unit code "${successor}" (successor of ${code})`);
      await this.db.execute(sql`UPDATE units SET successor_id = ${target.id} WHERE code = ${code}`);
    }
    this.successors.length = 0;
    await rebuildRollups(this.db, this.options.onRollupProgress);
    return this.stats;
  }

  private unitId(code: string, record: ImportRecord): number {
    const unit = this.unitIds.get(code);
    if (!unit) throw new LoadError('unit', `unknown unit code "${code}"`, record);
    return unit.id;
  }

  private async addUnit(r: UnitRecord): Promise<void> {
    if (!UNIT_LEVELS.includes(r.level)) {
      throw new LoadError('level', `must be one of ${UNIT_LEVELS.join(', ')} (got "${r.level}")`, r);
    }
    if (this.unitIds.has(r.code)) throw new LoadError('code', `unit "${r.code}" appears twice`, r);
    let parentId: number | null = null;
    if (r.parent) {
      const parent = this.unitIds.get(r.parent);
      if (!parent) throw new LoadError('parent', `unknown unit code "${r.parent}"`, r);
      parentId = parent.id;
    } else if (r.level !== 'CENTRAL') {
      throw new LoadError('parent', `a ${r.level} unit needs a parent`, r);
    }
    const id = await this.reserveId('units');
    this.unitIds.set(r.code, { id, level: r.level });
    if (r.successor) this.successors.push({ code: r.code, successor: r.successor });
    await this.push('units', {
      id,
      code: r.code,
      name: r.name,
      search_name: searchForm(r.name),
      level: r.level,
      parent_id: parentId,
      valid_from: r.validFrom,
      valid_to: r.validTo ?? null,
    });
  }

  private async addMember(r: MemberRecord): Promise<void> {
    const unitId = this.unitId(r.unit, r);
    // Members refer to units: the units they name must be written first.
    if (this.buffers.get('units')!.length > 0) await this.flush('units');
    const id = await this.reserveId('members');
    await this.push('members', {
      id,
      external_id: r.id,
      unit_id: unitId,
      unit_since: r.joinedAt,
      joined_at: r.joinedAt,
      left_at: r.leftAt ?? null,
      birth_year: r.birthYear ?? null,
      gender: r.gender ?? null,
      digitized_at: r.digitizedAt ?? null,
      app_activated_at: r.appActivatedAt ?? null,
    });
    for (const e of r.evaluations ?? []) {
      await this.push('member_evaluations', { member_id: id, year: e.year, recorded_at: e.recordedAt });
    }
  }

  private async addTeam(r: TeamRecord): Promise<void> {
    const unitId = this.unitId(r.unit, r);
    const id = await this.reserveId('teams');
    await this.push('teams', {
      id,
      external_id: r.id,
      unit_id: unitId,
      established_at: r.establishedAt,
      disbanded_at: r.disbandedAt ?? null,
    });
    for (const e of r.roster ?? []) {
      await this.push('team_roster', { team_id: id, person: e.person, from_at: e.from, to_at: e.to ?? null });
    }
  }

  /** Takes ids from the table's sequence a batch at a time, so rows can refer to each other before they are written. */
  private async reserveId(table: TableName): Promise<number> {
    const spec: TableSpec = TABLES[table];
    let pool = this.reserved.get(table);
    if (!pool || pool.length === 0) {
      const found = await rows<{ id: number }>(
        this.db,
        sql`SELECT nextval(${spec.sequence!}::regclass)::int AS id FROM generate_series(1, ${this.batchSize}::int)`,
      );
      pool = found.map((r) => Number(r.id)).reverse();
      this.reserved.set(table, pool);
    }
    return pool.pop()!;
  }

  private async push(table: TableName, row: Row): Promise<void> {
    const buffer = this.buffers.get(table)!;
    buffer.push(row);
    if (buffer.length >= this.batchSize) await this.flushWithDependencies(table);
  }

  /** Flushes a table after every table it may refer to. */
  private async flushWithDependencies(table: TableName): Promise<void> {
    for (const t of FLUSH_ORDER) {
      await this.flush(t);
      if (t === table) return;
    }
  }

  private async flush(table: TableName): Promise<void> {
    const buffer = this.buffers.get(table)!;
    if (buffer.length === 0) return;
    const spec: TableSpec = TABLES[table];
    const names = Object.keys(spec.columns);
    const definition = names.map((n) => `${n} ${spec.columns[n]}`).join(', ');
    await this.db.execute(sql`
      INSERT INTO ${sql.identifier(spec.table)} (${sql.raw(names.join(', '))})
      SELECT ${sql.raw(names.join(', '))} FROM json_to_recordset(${JSON.stringify(buffer)}::json) AS x(${sql.raw(definition)})`);
    this.stats.rows[table] += buffer.length;
    buffer.length = 0;
    this.options.onProgress?.(this.stats);
  }
}

/** Feeds every record of a stream to a new loader and finishes it. */
export async function loadRecords(
  db: Db,
  records: Iterable<ImportRecord> | AsyncIterable<ImportRecord>,
  options: LoaderOptions = {},
): Promise<LoadStats> {
  const loader = await BulkLoader.open(db, options);
  for await (const record of records) await loader.add(record);
  return loader.finish();
}
