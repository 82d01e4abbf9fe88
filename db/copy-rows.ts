// Rows for COPY … FROM STDIN (FORMAT binary): the bulk load's members and the roll-up sums.
import type { Instant } from '../domain/time.js';

/**
 * Rows in PostgreSQL's binary COPY format: numbers and instants go as they are stored,
 * so the server parses no text (the `Binary Format` section of the COPY reference).
 */
export class CopyRows {
  private buffer = Buffer.allocUnsafe(1 << 16);
  private at = 0;
  rows = 0;

  constructor() {
    this.buffer.write('PGCOPY\n\xff\r\n\0', 0, 'latin1');
    this.buffer.writeInt32BE(0, 11); // flags
    this.buffer.writeInt32BE(0, 15); // header extension length
    this.at = 19;
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + bytes));
    this.buffer.copy(bigger, 0, 0, this.at);
    this.buffer = bigger;
  }

  row(fields: number): void {
    this.room(2);
    this.buffer.writeInt16BE(fields, this.at);
    this.at += 2;
    this.rows += 1;
  }

  null(): void {
    this.room(4);
    this.buffer.writeInt32BE(-1, this.at);
    this.at += 4;
  }

  int4(v: number): void {
    this.room(8);
    this.buffer.writeInt32BE(4, this.at);
    this.buffer.writeInt32BE(v, this.at + 4);
    this.at += 8;
  }

  int2(v: number | null): void {
    if (v === null) return this.null();
    this.room(6);
    this.buffer.writeInt32BE(2, this.at);
    this.buffer.writeInt16BE(v, this.at + 4);
    this.at += 6;
  }

  text(v: string | null): void {
    if (v === null) return this.null();
    this.room(4 + v.length * 3);
    const bytes = this.buffer.write(v, this.at + 4, 'utf8');
    this.buffer.writeInt32BE(bytes, this.at);
    this.at += 4 + bytes;
  }

  /** bigint: a safe integer, 8 bytes. */
  int8(v: number): void {
    this.room(12);
    const high = Math.floor(v / 2 ** 32);
    this.buffer.writeInt32BE(8, this.at);
    this.buffer.writeInt32BE(high, this.at + 4);
    this.buffer.writeUInt32BE(v - high * 2 ** 32, this.at + 8);
    this.at += 12;
  }

  /** text: bytes `buf[start, end)` as they are (ASCII, which is UTF-8). */
  latin1(buf: Buffer, start: number, end: number): void {
    this.room(4 + end - start);
    this.buffer.writeInt32BE(end - start, this.at);
    buf.copy(this.buffer, this.at + 4, start, end);
    this.at += 4 + end - start;
  }

  /** date: days since 2000-01-01, 4 bytes, of a day number (days since 1970-01-01). */
  date(day: number): void {
    this.int4(day - POSTGRES_EPOCH_DAY);
  }

  /** timestamptz: microseconds since 2000-01-01 UTC, 8 bytes. */
  instant(v: Pick<Instant, 'ms' | 'us'> | null): void {
    if (v === null) return this.null();
    this.microseconds(v.ms * 1000 + (v.us ?? 0));
  }

  /** timestamptz of microseconds since the epoch. */
  microseconds(us: number): void {
    this.int8(us - POSTGRES_EPOCH_MS * 1000);
  }

  /** The rows with the format's trailer. */
  take(): Buffer {
    this.room(2);
    this.buffer.writeInt16BE(-1, this.at);
    return this.buffer.subarray(0, this.at + 2);
  }
}

const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);
const POSTGRES_EPOCH_DAY = POSTGRES_EPOCH_MS / 86_400_000;
