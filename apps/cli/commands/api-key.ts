import { randomBytes } from 'node:crypto';
import { hashApiKey, SCOPES, type ApiKeyEntry, type Scope } from '../../shared/app-keys.js';
import { printJson, type Command } from '../command.js';
import { expectPositionals, stringOption, UsageError } from '../parse-args.js';

export const apiKeyCommand: Command = {
  name: 'apikey',
  summary: 'make a new app API key and the APP_API_KEYS entry that admits it (offline)',
  usage: 'apikey --name APP [--scopes read,write]',
  notes: [
    'The key is printed once; the gateway keeps only its SHA-256. Add the entry to the JSON array in',
    "APP_API_KEYS or APP_API_KEYS_FILE of the member's gateway and restart it; apps send the key as",
    '`Authorization: Bearer <key>` or `X-API-Key: <key>` (the CLI: --api-key or BATON_API_KEY).',
  ].join('\n'),
  options: {
    name: { type: 'string', value: 'APP', description: 'the app the key is for (in logs)' },
    scopes: { type: 'string', value: 'S', description: 'read, write or read,write (default read)' },
  },
  run(ctx) {
    expectPositionals(ctx.args, []);
    const name = stringOption(ctx.args, 'name');
    if (!name) throw new UsageError('--name is required');
    const scopes = (stringOption(ctx.args, 'scopes') ?? 'read').split(',').map((s) => s.trim());
    const unknown = scopes.filter((s) => !SCOPES.includes(s as Scope));
    if (unknown.length > 0) throw new UsageError(`unknown scope ${unknown.join(', ')}: use read and/or write`);
    const key = `baton_${randomBytes(24).toString('base64url')}`;
    const entry: ApiKeyEntry = { name, scopes: scopes as Scope[], sha256: hashApiKey(key) };
    if (ctx.json) printJson(ctx.io, { key, entry });
    else {
      ctx.io.out(`key (shown once): ${key}`);
      ctx.io.out(`APP_API_KEYS entry: ${JSON.stringify(entry)}`);
    }
    return Promise.resolve(0);
  },
};
