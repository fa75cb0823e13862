/**
 * Positions in a migration file. The parser reports UTF-8 byte offsets; people and editors want
 * line and column, and JavaScript slices strings by UTF-16 units. This converts between them.
 */
export interface Position {
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
}

export class SourceText {
  private readonly charAtByte: Int32Array | null;
  private readonly lineStarts: number[];

  constructor(readonly text: string) {
    const bytes = Buffer.byteLength(text, "utf8");
    // Pure ASCII (most migrations): byte offsets already are string offsets.
    this.charAtByte = bytes === text.length ? null : mapBytesToChars(text, bytes);
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /** String offset of a UTF-8 byte offset (clamped to the text). */
  charOffset(byteOffset: number): number {
    if (!this.charAtByte) return Math.min(Math.max(byteOffset, 0), this.text.length);
    const clamped = Math.min(Math.max(byteOffset, 0), this.charAtByte.length - 1);
    return this.charAtByte[clamped] as number;
  }

  /** Line and column of a string offset. */
  position(charOffset: number): Position {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.lineStarts[mid] as number) <= charOffset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: charOffset - (this.lineStarts[low] as number) + 1 };
  }

  /** The text of a 1-based line, without its newline. */
  line(line: number): string {
    const start = this.lineStarts[line - 1];
    if (start === undefined) return "";
    const next = this.lineStarts[line];
    return this.text.slice(start, next === undefined ? undefined : next - 1).replace(/\r$/, "");
  }
}

function mapBytesToChars(text: string, bytes: number): Int32Array {
  const map = new Int32Array(bytes + 1);
  let byte = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i) as number;
    const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    for (let k = 0; k < width; k++) map[byte + k] = i;
    byte += width;
    if (code >= 0x10000) i++; // a surrogate pair is one code point
  }
  map[bytes] = text.length;
  return map;
}
