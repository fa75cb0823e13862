import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * Just enough of PostgreSQL's write-ahead log format (version 15) to answer one question about a
 * WAL archive: which is the last transaction end (commit or abort) that recovery can replay along
 * a timeline, and when did it happen? Recovery to a time stops at such records, so they bound
 * the restore window exactly. pg_waldump would tell too, but it ships with the server package,
 * which is not on every machine; the format read here is small and stable within a major version.
 */

export type Lsn = bigint;

export function parseLsn(text: string): Lsn {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a WAL location.`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** Archive file names: 8 hex digits of timeline, then the segment number split in two. */
export function segmentFileName(timeline: number, segno: bigint, segmentSize: number): string {
  const perId = 0x100000000n / BigInt(segmentSize);
  const hex = (n: bigint | number) => n.toString(16).toUpperCase().padStart(8, "0");
  return `${hex(timeline)}${hex(segno / perId)}${hex(segno % perId)}`;
}

export function parseSegmentFileName(name: string, segmentSize: number): { timeline: number; segno: bigint } | undefined {
  const match = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})$/.exec(name);
  if (!match) return undefined;
  const perId = 0x100000000n / BigInt(segmentSize);
  return { timeline: Number.parseInt(match[1] as string, 16), segno: BigInt(`0x${match[2]}`) * perId + BigInt(`0x${match[3]}`) };
}

export function historyFileName(timeline: number): string {
  return `${timeline.toString(16).toUpperCase().padStart(8, "0")}.history`;
}

/** One stretch of a timeline's ancestry: WAL in [begin, end) belongs to `timeline`. */
export interface TimelineSpan {
  timeline: number;
  begin: Lsn;
  end?: Lsn;
}

/**
 * The ancestry of a timeline, oldest first, from its history file in the archive (timeline 1 has
 * none). Each line of a history file is `parent-timeline <tab> switch-point <tab> reason`.
 */
export function timelinePath(archiveDir: string, timeline: number): TimelineSpan[] {
  if (timeline === 1) return [{ timeline, begin: 0n }];
  const file = join(archiveDir, historyFileName(timeline));
  if (!existsSync(file)) throw new Error(`The WAL archive has no history file for timeline ${timeline} (${file}).`);
  const spans: TimelineSpan[] = [];
  let begin = 0n;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith("#") || !fields[1]) continue;
    const end = parseLsn(fields[1]);
    spans.push({ timeline: Number.parseInt(fields[0], 10), begin, end });
    begin = end;
  }
  spans.push({ timeline, begin });
  return spans;
}

export interface TransactionEnd {
  lsn: Lsn;
  /** Microseconds since 2000-01-01 UTC, as PostgreSQL stores it. */
  timestampUs: bigint;
  kind: "commit" | "abort";
}

const POSTGRES_EPOCH_MS = 946_684_800_000n;

/** PostgreSQL timestamps are microseconds; a Date keeps milliseconds (rounded down). */
export function postgresTimeToDate(us: bigint): Date {
  const ms = us >= 0n ? us / 1000n : (us - 999n) / 1000n;
  return new Date(Number(POSTGRES_EPOCH_MS + ms));
}

// Page and record layout (src/include/access/xlog_internal.h, xlogrecord.h, xact.h).
const PAGE_MAGIC_PG15 = 0xd110;
const XLP_FIRST_IS_CONTRECORD = 0x0001;
const XLP_LONG_HEADER = 0x0002;
const SHORT_PAGE_HEADER = 24;
const LONG_PAGE_HEADER = 40;
const RECORD_HEADER = 24;
const RM_XLOG_ID = 0;
const RM_XACT_ID = 1;
const XLOG_SWITCH = 0x40;
const XACT_OPMASK = 0x70;
const XACT_KIND: Record<number, "commit" | "abort"> = { 0x00: "commit", 0x30: "commit", 0x20: "abort", 0x40: "abort" };
const BLOCK_ID_DATA_SHORT = 255;
const BLOCK_ID_DATA_LONG = 254;
const BLOCK_ID_ORIGIN = 253;
const BLOCK_ID_TOPLEVEL_XID = 252;
const MAX_BLOCK_ID = 32;
const BKPBLOCK_HAS_IMAGE = 0x10;
const BKPBLOCK_SAME_REL = 0x80;
const BKPIMAGE_HAS_HOLE = 0x01;
const BKPIMAGE_COMPRESSED = 0x04 | 0x08 | 0x10;

const maxAlign = (n: number) => (n + 7) & ~7;

/**
 * The commit and abort records that start in one complete WAL segment file, in order. Records
 * continued from the previous segment are skipped, and a record running into the next segment is
 * left out (it can only be read with that segment). Reading stops at a segment switch, at zeroed
 * space, or at anything that does not look like this segment's WAL.
 */
export function transactionEnds(segment: Buffer, segmentStart: Lsn): TransactionEnd[] {
  const ends: TransactionEnd[] = [];
  if (segment.length < LONG_PAGE_HEADER) return ends;
  const magic = segment.readUInt16LE(0);
  if (magic !== PAGE_MAGIC_PG15) throw new Error(`Unsupported WAL page magic 0x${magic.toString(16)} (this reader knows PostgreSQL 15's 0x${PAGE_MAGIC_PG15.toString(16)}).`);
  const pageSize = segment.readUInt32LE(36); // xlp_xlog_blcksz in the long header
  if (pageSize < 1024 || segment.length % pageSize !== 0) return ends;

  const pageHeaderSize = (pageStart: number) => (segment.readUInt16LE(pageStart + 2) & XLP_LONG_HEADER ? LONG_PAGE_HEADER : SHORT_PAGE_HEADER);
  const pageIsValid = (pageStart: number) =>
    segment.readUInt16LE(pageStart) === magic && segment.readBigUInt64LE(pageStart + 8) === segmentStart + BigInt(pageStart);

  // Find where the first record starts: after the tail of a record begun in an earlier segment.
  let pos = -1;
  for (let page = 0; page < segment.length; page += pageSize) {
    if (!pageIsValid(page)) return ends;
    const header = pageHeaderSize(page);
    if (!(segment.readUInt16LE(page + 2) & XLP_FIRST_IS_CONTRECORD)) {
      pos = page + header;
      break;
    }
    const remaining = segment.readUInt32LE(page + 16);
    if (remaining <= pageSize - header) {
      pos = maxAlign(page + header + remaining);
      break;
    }
  }
  if (pos < 0) return ends;

  // Copies `length` bytes of record starting at `from`, stepping over page headers.
  const gather = (from: number, length: number): { bytes: Buffer; next: number } | undefined => {
    const parts: Buffer[] = [];
    let at = from;
    let left = length;
    while (left > 0) {
      if (at >= segment.length) return undefined;
      if (at % pageSize === 0) {
        if (!pageIsValid(at)) return undefined;
        at += pageHeaderSize(at);
      }
      const take = Math.min(left, pageSize - (at % pageSize));
      parts.push(segment.subarray(at, at + take));
      at += take;
      left -= take;
    }
    return { bytes: Buffer.concat(parts), next: at };
  };

  let previous: Lsn | undefined;
  while (pos < segment.length) {
    if (pos % pageSize === 0) {
      if (!pageIsValid(pos)) break;
      pos += pageHeaderSize(pos);
    }
    const lsn = segmentStart + BigInt(pos);
    const head = gather(pos, RECORD_HEADER);
    if (!head) break;
    const totalLength = head.bytes.readUInt32LE(0);
    if (totalLength < RECORD_HEADER) break;
    const prev = head.bytes.readBigUInt64LE(8);
    if (previous !== undefined && prev !== previous) break;
    const record = gather(pos, totalLength);
    if (!record) break;
    const info = record.bytes.readUInt8(16);
    const rmid = record.bytes.readUInt8(17);
    if (rmid === RM_XACT_ID) {
      const kind = XACT_KIND[info & XACT_OPMASK];
      const main = kind && mainData(record.bytes);
      if (kind && main && main.length >= 8) ends.push({ lsn, timestampUs: main.readBigInt64LE(0), kind });
    }
    if (rmid === RM_XLOG_ID && (info & 0xf0) === XLOG_SWITCH) break;
    previous = lsn;
    pos = maxAlign(record.next);
  }
  return ends;
}

/** The record's main data: the last bytes of the record, after every block's headers and data. */
function mainData(record: Buffer): Buffer | undefined {
  let at = RECORD_HEADER;
  let dataTotal = 0;
  let mainLength = 0;
  while (record.length - at > dataTotal) {
    const id = record.readUInt8(at);
    at += 1;
    if (id === BLOCK_ID_DATA_SHORT) {
      mainLength = record.readUInt8(at);
      dataTotal += mainLength;
      at += 1;
      break;
    }
    if (id === BLOCK_ID_DATA_LONG) {
      mainLength = record.readUInt32LE(at);
      dataTotal += mainLength;
      at += 4;
      break;
    }
    if (id === BLOCK_ID_ORIGIN) at += 2;
    else if (id === BLOCK_ID_TOPLEVEL_XID) at += 4;
    else if (id <= MAX_BLOCK_ID) {
      const forkFlags = record.readUInt8(at);
      dataTotal += record.readUInt16LE(at + 1);
      at += 3;
      if (forkFlags & BKPBLOCK_HAS_IMAGE) {
        dataTotal += record.readUInt16LE(at);
        const imageInfo = record.readUInt8(at + 4);
        at += 5;
        if (imageInfo & BKPIMAGE_HAS_HOLE && imageInfo & BKPIMAGE_COMPRESSED) at += 2;
      }
      if (!(forkFlags & BKPBLOCK_SAME_REL)) at += 12;
      at += 4;
    } else return undefined;
  }
  if (mainLength === 0 || record.length - mainLength < at) return undefined;
  return record.subarray(record.length - mainLength);
}

export interface ArchiveScan {
  /** The last commit or abort recovery can reach, if any after `from`. */
  last?: TransactionEnd;
  /** The first segment number missing from the archive (recovery cannot go past it). */
  firstMissingSegment: bigint;
}

/**
 * Walks the archive along a timeline's ancestry from the segment holding `from`, the way recovery
 * picks files (for each segment, the newest timeline of the path that had begun by then), up to
 * the first missing segment, and returns the last transaction end on the path.
 */
export function scanArchive(archiveDir: string, path: TimelineSpan[], from: Lsn, segmentSize: number): ArchiveScan {
  const size = BigInt(segmentSize);
  const present = new Set(readdirSync(archiveDir));
  const candidates = (segno: bigint) =>
    path
      .filter((span) => span.begin / size <= segno && (span.end === undefined || span.end > segno * size))
      .reverse()
      .map((span) => ({ span, file: segmentFileName(span.timeline, segno, segmentSize) }))
      .filter(({ file }) => present.has(file));

  let segno = from / size;
  while (candidates(segno).length > 0) segno += 1n;
  const firstMissingSegment = segno;

  for (let s = firstMissingSegment - 1n; s >= from / size; s--) {
    for (const { span, file } of candidates(s)) {
      const ends = transactionEnds(readFileSync(join(archiveDir, file)), s * size).filter(
        (end) => end.lsn >= from && (span.end === undefined || end.lsn < span.end),
      );
      const last = ends.at(-1);
      if (last) return { last, firstMissingSegment };
      break; // recovery reads only the newest timeline's file for a segment
    }
  }
  return { firstMissingSegment };
}
