// A member record read straight from the bytes of its line, for the bulk load: no text
// decoded, no object parsed, nothing allocated but what a duplicate id needs. It takes
// only lines written the way JSON.stringify writes a member record (keys in the order of
// the import format, each optional one present or left out, no spaces, no escapes, plain
// ASCII ids) and only records the validation would pass; any other line is left to the
// usual way (decoded, parsed and checked), which then also names what is wrong with it.
// That the two read the same is tested (test/db/member-line.test.ts).
import { GENDERS } from '../schema.js';
import type { RollupMember } from '../rollup-members.js';
import { copyEvaluation, copyMemberFields, MEMBER_FIELDS, type CopyRows } from './bulk-format.js';
import { readInstant, type InstantParts } from '../../domain/time.js';
import { BIRTH_YEARS, EVALUATION_YEARS } from './validate.js';

/** An instant of the line: its parts, and whether it was there (not null, not left out). */
interface Slot extends InstantParts {
  set: boolean;
}

const slot = (): Slot => ({ ms: 0, us: 0, bare: false, set: false });
/** The instant, or null when the line has none. */
const present = (s: Slot): Slot | null => (s.set ? s : null);

const bytes = (text: string) => Buffer.from(text, 'latin1');
const START = bytes('{"type":"member","id":"');
const UNIT = bytes('","unit":"');
const JOINED = bytes('","joinedAt":"');
const LEFT = bytes(',"leftAt":');
const DIGITIZED = bytes(',"digitizedAt":');
const APP = bytes(',"appActivatedAt":');
const EVALUATIONS = bytes(',"evaluations":[');
const YEAR = bytes('{"year":');
const RECORDED = bytes(',"recordedAt":"');
const BIRTH_YEAR = bytes(',"birthYear":');
const GENDER = bytes(',"gender":');
const NULL = bytes('null');
const GENDER_BYTES = GENDERS.map((g) => bytes(`"${g}"`));

const QUOTE = 34;
const BACKSLASH = 92;
const SPACE = 32;

/** The most evaluations a line may hold (one a year). */
const MAX_EVALUATIONS = EVALUATION_YEARS.max - EVALUATION_YEARS.min + 1;

/** The fields of the last member line read; `read` fills them, `copyTo` and `forRollups` use them. */
export class MemberLine {
  private buf: Buffer = Buffer.alloc(0);
  private at = 0;
  private end = 0;
  idStart = 0;
  idEnd = 0;
  unitStart = 0;
  unitEnd = 0;
  readonly joinedAt = slot();
  readonly leftAt = slot();
  readonly digitizedAt = slot();
  readonly appActivatedAt = slot();
  evaluationCount = 0;
  readonly years = new Int16Array(MAX_EVALUATIONS);
  readonly recordedAt = Array.from({ length: MAX_EVALUATIONS }, slot);
  /** The birth year, or -1 for none. */
  birthYear = -1;
  /** The gender's index in GENDERS, or -1 for none. */
  gender = -1;
  private readonly chars = (i: number) => this.buf[this.at + i]!;
  private readonly member: RollupMember = { unitId: 0, joinedAt: 0, leftAt: null, digitizedAt: null, appActivatedAt: null, evaluations: [] };

  /** Reads the line `buf[start, end)` (its line break left out); false: leave it to the usual way. */
  read(buf: Buffer, start: number, end: number): boolean {
    this.buf = buf;
    this.at = start;
    this.end = end;
    if (!this.literal(START)) return false;
    this.idStart = this.at;
    if (!this.plainText()) return false;
    this.idEnd = this.at;
    if (!this.literal(UNIT)) return false;
    this.unitStart = this.at;
    if (!this.plainText()) return false;
    this.unitEnd = this.at;
    if (!this.literal(JOINED) || !this.instant(this.joinedAt)) return false;
    this.at += 1; // the closing quote, checked by instant()
    if (!this.optionalInstant(LEFT, this.leftAt) || !this.optionalInstant(DIGITIZED, this.digitizedAt) || !this.optionalInstant(APP, this.appActivatedAt)) return false;
    if (this.leftAt.set && this.leftAt.ms <= this.joinedAt.ms) return false;
    if (!this.evaluations()) return false;
    this.birthYear = -1;
    if (this.literal(BIRTH_YEAR) && !this.literal(NULL)) {
      this.birthYear = this.integer();
      if (this.birthYear < BIRTH_YEARS.min || this.birthYear > BIRTH_YEARS.max) return false;
    }
    this.gender = -1;
    if (this.literal(GENDER) && !this.literal(NULL)) {
      this.gender = GENDER_BYTES.findIndex((g) => this.literal(g));
      if (this.gender < 0) return false;
    }
    return this.at + 1 === this.end && buf[this.at] === 125; // }
  }

  /** Appends the member (placed in its unit since it joined) and its evaluations, as copyMember does. */
  copyTo(members: CopyRows, evaluations: CopyRows, id: number, unitId: number): void {
    members.row(MEMBER_FIELDS);
    members.int4(id);
    members.latin1(this.buf, this.idStart, this.idEnd);
    copyMemberFields(
      members,
      unitId,
      this.joinedAt,
      present(this.leftAt),
      this.birthYear < 0 ? null : this.birthYear,
      this.gender < 0 ? null : GENDERS[this.gender]!,
      present(this.digitizedAt),
      present(this.appActivatedAt),
    );
    for (let i = 0; i < this.evaluationCount; i++) copyEvaluation(evaluations, id, this.years[i]!, this.recordedAt[i]!);
  }

  /** The member for the roll-up sums (one object, used again for every line). */
  forRollups(unitId: number): RollupMember {
    const m = this.member;
    m.unitId = unitId;
    m.joinedAt = this.joinedAt.ms;
    m.leftAt = this.leftAt.set ? this.leftAt.ms : null;
    m.digitizedAt = this.digitizedAt.set ? this.digitizedAt.ms : null;
    m.appActivatedAt = this.appActivatedAt.set ? this.appActivatedAt.ms : null;
    const list = m.evaluations;
    while (list.length < this.evaluationCount) list.push({ year: 0, recordedAt: 0 });
    list.length = this.evaluationCount;
    for (let i = 0; i < this.evaluationCount; i++) {
      list[i]!.year = this.years[i]!;
      list[i]!.recordedAt = this.recordedAt[i]!.ms;
    }
    return m;
  }

  /** Skips `expected` when the line goes on with it. */
  private literal(expected: Buffer): boolean {
    const n = expected.length;
    if (this.at + n > this.end) return false;
    for (let i = 0; i < n; i++) if (this.buf[this.at + i] !== expected[i]) return false;
    this.at += n;
    return true;
  }

  /** Printable ASCII up to a quote, no backslash, not empty, no space at either end (a plain id); stops on the quote. */
  private plainText(): boolean {
    const from = this.at;
    let i = from;
    for (; i < this.end; i++) {
      const c = this.buf[i]!;
      if (c === QUOTE) break;
      if (c < SPACE || c > 126 || c === BACKSLASH) return false;
    }
    if (i === this.end || i === from || this.buf[from] === SPACE || this.buf[i - 1] === SPACE) return false;
    this.at = i;
    return true;
  }

  /** The instant text up to its closing quote (not skipped). */
  private instant(out: Slot): boolean {
    const from = this.at;
    const close = this.buf.indexOf(QUOTE, from);
    if (close < 0 || close >= this.end) return false;
    for (let i = from; i < close; i++) if (this.buf[i] === BACKSLASH || this.buf[i]! > 126) return false;
    this.at = from;
    if (readInstant(this.chars, close - from, out) !== null) return false;
    out.set = true;
    this.at = close;
    return true;
  }

  /** `key` then null or a quoted instant; or the key left out. */
  private optionalInstant(key: Buffer, out: Slot): boolean {
    out.set = false;
    if (!this.literal(key) || this.literal(NULL)) return true;
    if (this.buf[this.at] !== QUOTE) return false;
    this.at += 1;
    if (!this.instant(out)) return false;
    this.at += 1;
    return true;
  }

  /** `,"evaluations":[…]` of `{"year":Y,"recordedAt":"…"}`, years distinct and within EVALUATION_YEARS; or left out. */
  private evaluations(): boolean {
    this.evaluationCount = 0;
    if (!this.literal(EVALUATIONS)) return true;
    if (this.buf[this.at] === 93) {
      this.at += 1;
      return true;
    }
    for (;;) {
      if (this.evaluationCount === MAX_EVALUATIONS || !this.literal(YEAR)) return false;
      const year = this.integer();
      if (year < EVALUATION_YEARS.min || year > EVALUATION_YEARS.max) return false;
      for (let i = 0; i < this.evaluationCount; i++) if (this.years[i] === year) return false;
      if (!this.literal(RECORDED) || !this.instant(this.recordedAt[this.evaluationCount]!)) return false;
      this.years[this.evaluationCount] = year;
      this.evaluationCount += 1;
      // The closing quote and brace, then a comma or the end of the list.
      if (this.buf[this.at + 1] !== 125) return false;
      this.at += 2;
      const next = this.buf[this.at];
      this.at += 1;
      if (next === 93) return true;
      if (next !== 44 || this.at >= this.end) return false;
    }
  }

  /** Digits as JSON writes a whole number (no sign, no leading zero), ended by a comma or brace; -1 otherwise. */
  private integer(): number {
    const from = this.at;
    let n = 0;
    while (this.at < this.end && this.buf[this.at]! >= 48 && this.buf[this.at]! <= 57) n = n * 10 + this.buf[this.at++]! - 48;
    const next = this.buf[this.at];
    if (this.at === from || this.at - from > 9 || (this.buf[from] === 48 && this.at - from > 1) || (next !== 44 && next !== 125)) return -1;
    return n;
  }
}
