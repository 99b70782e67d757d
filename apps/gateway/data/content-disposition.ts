/**
 * The Content-Disposition of a blob's download (RFC 6266): `filename` holds
 * the name in printable ASCII (anything else as `_`), and when that is not
 * the name, `filename*` holds all of it, UTF-8 percent-encoded (RFC 8187).
 * Node refuses a header with characters outside Latin-1, so a name such as
 * `日本.txt` put as it is made the download a 500.
 */
export function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  if (ascii === name) return `attachment; filename="${ascii}"`;
  return `attachment; filename="${ascii}"; filename*=UTF-8''${percentEncoded(name)}`;
}

/** RFC 8187's value-chars: encodeURIComponent leaves four characters it does not allow. */
function percentEncoded(name: string): string {
  // A lone surrogate has no UTF-8 form (encodeURIComponent would throw): stored names never hold one.
  return encodeURIComponent(name.replace(/[\uD800-\uDFFF]/gu, '_')).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
