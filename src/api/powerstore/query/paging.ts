// Paging (research §2.4): `offset` (default 0) and `limit` (1..2000, larger clamped, 0 or less is
// 416), or the header `Range: first-last` with an inclusive last index. PyPowerStore's follow-up
// pages send `Range: i-(i+2000)`, asking 2001 rows; they must be clamped to 2000, not refused.
import { POWERSTORE_PAGE_DEFAULT, POWERSTORE_PAGE_MAX } from '../../../limits.ts';
import { invariant } from '../../../core/errors.ts';
import { rangeError } from './errors.ts';
import type { PageWindow } from './types.ts';

const DIGITS = /^\d+$/;
const RANGE = /^(?:items=)?(\d+)-(\d*)$/;

export function parseLimit(text: string): number {
  const trimmed = text.trim();
  if (!DIGITS.test(trimmed)) {
    throw rangeError(`Invalid limit '${text}': expected an integer from 1 to ${POWERSTORE_PAGE_MAX}.`, 'limit');
  }
  const limitRows = Number(trimmed);
  if (limitRows <= 0) throw rangeError(`Invalid limit '${text}': it must be at least 1.`, 'limit');
  return Math.min(limitRows, POWERSTORE_PAGE_MAX);
}

export function parseOffset(text: string): number {
  const trimmed = text.trim();
  if (!DIGITS.test(trimmed)) throw rangeError(`Invalid offset '${text}': expected an integer of 0 or more.`, 'offset');
  return Number(trimmed);
}

/** `Range: first-last` (inclusive); `first-` means a default page from first. */
export function parseRangeHeader(header: string): PageWindow {
  const match = RANGE.exec(header.trim());
  if (!match) throw rangeError(`Invalid Range header '${header}': expected <first>-<last>.`, 'Range');
  const offsetRows = Number(match[1]);
  if (match[2] === '') return { offsetRows, limitRows: POWERSTORE_PAGE_DEFAULT };
  const last = Number(match[2]);
  if (last < offsetRows) throw rangeError(`Invalid Range header '${header}': last index is before first.`, 'Range');
  return { offsetRows, limitRows: Math.min(last - offsetRows + 1, POWERSTORE_PAGE_MAX) };
}

/**
 * The window a request asks for. A Range header, when present, wins over offset/limit in the
 * querystring: no known client sends both, and the header is the more specific request.
 */
export function pageWindow(
  limitText: string | undefined,
  offsetText: string | undefined,
  rangeHeader: string | undefined,
): PageWindow {
  if (rangeHeader !== undefined && rangeHeader.trim() !== '') return parseRangeHeader(rangeHeader);
  return {
    offsetRows: offsetText === undefined ? 0 : parseOffset(offsetText),
    limitRows: limitText === undefined ? POWERSTORE_PAGE_DEFAULT : parseLimit(limitText),
  };
}

export interface PageSlice {
  status: 200 | 206;
  startIndex: number;
  endIndex: number; // exclusive
  contentRange?: string;
}

/**
 * Which rows of `totalRows` to return. 206 with Content-Range whenever the answer is not the
 * whole set; 200 without it when everything fits. An offset at or past the end of a non-empty
 * set is 416; an empty set is always 200 [].
 */
export function sliceForWindow(totalRows: number, window: PageWindow): PageSlice {
  if (totalRows === 0) return { status: 200, startIndex: 0, endIndex: 0 };
  if (window.offsetRows >= totalRows) {
    throw rangeError(`Offset ${window.offsetRows} is past the end of ${totalRows} rows.`, 'offset');
  }
  const startIndex = window.offsetRows;
  const endIndex = Math.min(totalRows, startIndex + window.limitRows);
  invariant(window.limitRows >= 1 && window.limitRows <= POWERSTORE_PAGE_MAX, 'page limit within 1..max');
  invariant(startIndex < endIndex && endIndex <= totalRows, 'page slice is non-empty and inside the set');
  if (startIndex === 0 && endIndex === totalRows) return { status: 200, startIndex, endIndex };
  return { status: 206, startIndex, endIndex, contentRange: `${startIndex}-${endIndex - 1}/${totalRows}` };
}
