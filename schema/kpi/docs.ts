// docs/kpis.md, rendered from the registry so that the catalogue has one source.
import { KPIS } from '../../domain/catalogue.js';

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
      '',
    ]),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}
