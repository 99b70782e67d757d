/**
 * A member that lost its data (an empty database, a late start) asks the
 * other participants for the private messages behind pins it lacks, by
 * context, and for the blobs those messages refer to. Requests are signed
 * like every member-to-member request (signing.ts); a member serves only
 * processes the requester takes part in.
 */

/** POST, body `DataRequest`, answer `DataAnswer`. */
export const DATA_REQUESTS_PATH = '/api/v1/network/data-requests';
/** POST, body `BlobRequest`, answer the bytes with the blob headers of blob-signing.ts. */
export const BLOB_REQUESTS_PATH = '/api/v1/network/data-requests/blob';
/** The member that uploaded a blob, on a blob answer. */
export const BLOB_AUTHOR_HEADER = 'x-baton-blob-author';

/** Most contexts in one request. */
export const MAX_CONTEXTS_PER_REQUEST = 200;
export const CONTEXT = /^0x[0-9a-f]{64}$/;

export interface DataRequest {
  contexts: string[];
}

export interface DataAnswer {
  /** Every stored message of each process asked for, as the canonical JSON that was pinned. */
  processes: { context: string; processId: string; messages: string[] }[];
  /** Contexts the answering member knows nothing about. */
  unknown: string[];
}

export interface BlobRequest {
  context: string;
  hash: string;
}
