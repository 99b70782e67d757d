// A blob's name and media type are cleaned the same way wherever it arrives:
// from an app (the gateway's upload), from another member's push (the gateway's
// intake) or from a member asked for it (the worker's data recovery).

/** A display name safe to store and to put in a header: no folders, no control characters, ≤ 200 characters. */
export function sanitiseName(name: string | undefined, fallback = 'blob'): string {
  const base = (name ?? '').split(/[/\\]/).pop() ?? '';
  const clean = base
    .normalize('NFC')
    .replace(/[^\p{L}\p{N} ._()+-]/gu, '_')
    .replace(/^[.\s]+/, '')
    .trim()
    .slice(0, 200);
  return clean || fallback;
}

/** A media type as sent, if it looks like one; anything else is stored as octet-stream. */
export function sanitiseContentType(type: string | undefined): string {
  const t = (type ?? '').trim().toLowerCase();
  return /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+(\s*;\s*[a-z0-9_-]+=("?)[a-z0-9_.+-]+\2)*$/.test(t) && t.length <= 200
    ? t
    : 'application/octet-stream';
}
