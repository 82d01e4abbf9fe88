// docs/kpis.md, rendered from the catalogue (domain/catalogue.ts) so that it has one source.
import { KPIS, SERIES, type Series } from '../../domain/catalogue.js';

/** A series' declaration in words: which records count, from when, or which dated amount. */
function declared(id: Series): string {
  const def = SERIES.get(id)!;
  if (def.type === 'FLOW') {
    const what = def.records === 'reports' ? `the \`${def.amount}\` of activity reports of kind ${def.reportKind}` : `${def.amount ? `the \`${def.amount}\` of ` : ''}${def.records}${def.amount ? '' : ' (1 each)'}`;
    return `\`${id}\`: ${what}, summed on their \`${def.on}\` inside the period`;
  }
  const fields = (def.from ?? []).map((f) => `\`${f}\``);
  const from = fields.length === 0 ? '' : fields.length === 1 ? `, counted from their ${fields[0]}` : `, counted from the latest of their ${fields.join(', ')}`;
  const each = def.count === 'units' ? `the units holding ≥ 1 of the ${def.records} active at End` : `the ${def.records} active at End`;
  return `\`${id}\`: ${each}${from}${def.byEvaluationYear ? '; one series per evaluation year' : ''}`;
}

export function renderKpiCatalogue(): string {
  const lines = [
    '# The KPI catalogue',
    '',
    'Generated from `domain/catalogue.ts` by `npm run generate`; do not edit by hand.',
    '',
    '"End" is the instant the period ends (exclusive), at 00:00 Vietnam time (UTC+07:00): March 2026',
    'ends at 2026-04-01T00:00+07:00. "Active at End": started before End and not ended before End',
    '(start < End, and no end or end ≥ End); this holds for units, members, models, teams, roster',
    'entries and products alike. "Before End" means strictly before End. For ratios and stocks a',
    'subtree is a unit and everything under it at End (a unit closed before End, and what it held,',
    'no longer count); a flow counts for the unit where it happened and every unit above it, even',
    'when one of them has closed since. A ratio is Σ numerator ÷ Σ denominator over the subtree,',
    'shown as a percentage, and is null when the denominator is 0.',
    '',
    'A KPI is one entry of the catalogue: its series declare which records count and from which',
    'of their instants, or which dated amount is summed, and the SQL over the base tables, the',
    'roll-ups kept by writes, the bulk load\'s sums, the GraphQL enum and this page all follow.',
    'The tables check the KPI ids (targets) and report kinds (reports) they hold, so a new KPI',
    'also takes a migration: `npm run db:generate`. A KPI on a field the records do not have yet',
    'also takes that field in the tables and the import format.',
    '',
    'A period whose End is still ahead (the current month or year, a future one) is partial: its',
    'values hold for now and will change; the API marks them `complete: false` with the instant',
    'they hold for (`valueAt`). Reports cannot be dated after today (Vietnam time).',
    '',
    '| id | kind | name | numerator / value | denominator |',
    '| --- | --- | --- | --- | --- |',
    ...KPIS.map((k) => `| \`${k.id}\` | ${k.kind.toLowerCase()} | ${k.nameEn} (${k.nameVi}) | ${k.numerator} | ${k.denominator ?? '—'} |`),
    '',
    ...KPIS.flatMap((k) => [
      `## ${k.id}`,
      '',
      `**${k.nameVi}** — ${k.nameEn}. ${k.description}`,
      '',
      `- kind: ${k.kind}; unit of measure: ${k.unitOfMeasure}; ${k.higherIsBetter ? 'higher is better' : 'lower is better'}`,
      `- source: ${k.source}`,
      `- ${k.kind === 'RATIO' ? 'numerator ' : ''}series ${declared(k.numeratorSeries)}`,
      ...(k.denominatorSeries ? [`- denominator series ${declared(k.denominatorSeries)}`] : []),
      '',
    ]),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}
