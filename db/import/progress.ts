// The import's progress on the command line: one bar per phase (npm run import, and
// npm run seed -- --scale national, which goes through the bulk load).
import cliProgress from 'cli-progress';
import type { ImportProgress } from './run.js';

const fmt = (n: number) => Math.round(n).toLocaleString('en');

const LABELS: Record<ImportProgress['phase'], string> = {
  validate: 'validating',
  confirm: 'duplicates',
  write: 'importing',
  units: 'units',
  load: 'loading',
  indexes: 'indexes',
  rollups: 'roll-ups',
};

/** One bar per phase; on a terminal it redraws, elsewhere it prints a line every few seconds. */
export class ImportProgressBars {
  constructor(private everySeconds = 5) {}

  private bar: cliProgress.SingleBar | null = null;
  private phase: ImportProgress['phase'] | null = null;
  private phaseStarted = 0;

  update(p: ImportProgress): void {
    if (p.phase !== this.phase) {
      this.stop();
      this.phase = p.phase;
      this.phaseStarted = performance.now();
      const what = p.phase === 'rollups' ? 'parts' : p.phase === 'indexes' ? 'constraints and indexes' : p.phase === 'write' ? 'records' : 'MB';
      this.bar = new cliProgress.SingleBar(
        {
          format: `${LABELS[p.phase].padEnd(10)} [{bar}] {percentage}% | {shown} ${what} | {rate} records/s | {batches} batches committed | {duration}s`,
          noTTYOutput: true,
          notTTYSchedule: this.everySeconds * 1000,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(Math.max(1, p.total), 0, this.payload(p));
    }
    this.bar!.setTotal(Math.max(1, p.total));
    this.bar!.update(p.done, this.payload(p));
  }

  private payload(p: ImportProgress) {
    const seconds = (performance.now() - this.phaseStarted) / 1000;
    const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
    const shown = ['validate', 'confirm', 'units', 'load'].includes(p.phase) ? `${mb(p.done)}/${mb(p.total)}` : `${fmt(p.done)}/${fmt(p.total)}`;
    // The roll-ups and indexes are built after the last record: a rate of records means nothing there.
    const rate = p.phase === 'rollups' || p.phase === 'indexes' || p.phase === 'units' ? '–' : seconds > 0 ? fmt(p.records / seconds) : '0';
    return { shown, rate, batches: fmt(p.batches) };
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

