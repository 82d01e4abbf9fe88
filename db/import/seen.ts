// Duplicate keys in a file of millions of records, in fixed memory: a Bloom filter says
// which keys may have been seen before. Its "maybe" is confirmed by an exact count of
// just those keys on a second read, so a false positive never reaches the report.

const MIN_BITS = 1 << 23; // 1 MiB
const MAX_BITS = 1 << 29; // 64 MiB
const HASHES = 7;

/** Bytes for about `expected` keys at ~16 bits each, within 1–64 MiB. */
function bytesFor(expected: number): number {
  let size = MIN_BITS;
  while (size < expected * 16 && size < MAX_BITS) size *= 2;
  return size >>> 3;
}

const H1 = 0x811c9dc5;
const H2 = 0x9747b28c;
const step1 = (h: number, c: number) => Math.imul(h ^ c, 0x01000193);
const step2 = (h: number, c: number) => {
  const m = Math.imul(h ^ c, 0x5bd1e995);
  return m ^ (m >>> 15);
};

/** MurmurHash3's finalizer: every bit of the result depends on every bit of `h`. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class SeenFilter {
  private readonly bits: Int32Array;
  /** Blocks of 16 words, less one: a mask. */
  private readonly blocks: number;
  /** Set bits atomically: other threads set bits of the same words. */
  private readonly atomic: boolean;

  /** Sized for about `expected` keys; or over `shared`, the memory of a filter that readers of parts of one file (threads) share. */
  constructor(expected: number, shared?: SharedArrayBuffer) {
    this.atomic = shared !== undefined;
    this.bits = new Int32Array(shared ?? new ArrayBuffer(bytesFor(expected)));
    this.blocks = (this.bits.length >>> 4) - 1;
  }

  /** The memory of a filter for about `expected` keys, for threads to share. */
  static shared(expected: number): SharedArrayBuffer {
    return new SharedArrayBuffer(bytesFor(expected));
  }

  /**
   * Adds a key; returns whether it may have been added before. Its bits all lie in one
   * 64-byte block (a "blocked" Bloom filter): one cache miss a key instead of one a probe,
   * which is what a filter of tens of MiB costs.
   */
  add(key: string): boolean {
    let h1 = H1;
    let h2 = H2;
    for (let i = 0; i < key.length; i++) {
      h1 = step1(h1, key.charCodeAt(i));
      h2 = step2(h2, key.charCodeAt(i));
    }
    return this.probe(h1, h2);
  }

  /** Adds the key `prefix` + the ASCII bytes `buf[start, end)`: the same as `add` of that text, without making it. */
  addBytes(prefix: string, buf: Buffer, start: number, end: number): boolean {
    let h1 = H1;
    let h2 = H2;
    for (let i = 0; i < prefix.length; i++) {
      h1 = step1(h1, prefix.charCodeAt(i));
      h2 = step2(h2, prefix.charCodeAt(i));
    }
    for (let i = start; i < end; i++) {
      h1 = step1(h1, buf[i]!);
      h2 = step2(h2, buf[i]!);
    }
    return this.probe(h1, h2);
  }

  /** Sets the key's bits, given its two hashes (FNV-1a and a multiplicative one): the first picks the block, the second the bits in it. */
  private probe(h1: number, h2: number): boolean {
    h1 = mix(h1);
    h2 = mix(h2);
    const block = (h1 & this.blocks) << 4;
    // Seven probes of nine bits each, a bit of the block's 512 each, taken from three
    // hashes (not h2 + k·step: two keys in a block would then share all seven bits one
    // time in 2^18).
    const h3 = mix(h2 ^ Math.imul(h1, 0x9e3779b1));
    let seen = true;
    for (let k = 0; k < HASHES; k++) {
      const bit = (k < 3 ? h2 >>> (9 * k) : k < 6 ? h3 >>> (9 * (k - 3)) : (h2 >>> 27) ^ (h3 >>> 23)) & 511;
      const word = block + (bit >>> 5);
      const flag = 1 << (bit & 31);
      if ((this.bits[word]! & flag) !== 0) continue;
      if (!this.atomic) {
        this.bits[word] = this.bits[word]! | flag;
        seen = false;
      } else if ((Atomics.or(this.bits, word, flag) & flag) === 0) {
        seen = false;
      }
    }
    return seen;
  }
}
