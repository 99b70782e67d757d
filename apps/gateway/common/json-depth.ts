import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './api-error.js';

/**
 * How deep objects and arrays may nest in a JSON request body. Validation,
 * canonical hashing and logging walk a body recursively, so a body nested
 * ten thousand deep overflowed the stack (a 500). A protocol constant, not a
 * setting: a member's message nests an app's input no deeper than the app's
 * request did, so every member must accept what any member's apps may send.
 */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPENERS = new Set([0x5b, 0x7b]); // [ {
const CLOSERS = new Set([0x5d, 0x7d]); // ] }

/**
 * True when JSON text nests objects and arrays deeper than `limit`, read from
 * its bytes without parsing (brackets inside strings do not count; UTF-8
 * never puts these ASCII bytes inside a multi-byte character).
 */
export function nestsDeeperThan(json: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const byte = json[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (OPENERS.has(byte)) {
      if (++depth > limit) return true;
    } else if (CLOSERS.has(byte)) depth--;
  }
  return false;
}

/**
 * Express middleware placed right after the JSON body parser (whose raw
 * bytes Nest keeps as `rawBody`), before anything walks the body: a body
 * nested deeper than MAX_JSON_DEPTH is answered 400 `json-too-deep`.
 */
export function jsonDepthLimit(req: Request & { rawBody?: Buffer }, _res: Response, next: NextFunction): void {
  if (req.rawBody && nestsDeeperThan(req.rawBody, MAX_JSON_DEPTH))
    next(ApiError.badRequest('json-too-deep', `the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`));
  else next();
}
