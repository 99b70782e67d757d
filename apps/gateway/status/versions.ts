import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { projectPath } from '../../shared/paths.js';

const require = createRequire(import.meta.url);

export const BATON_VERSION = (JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string })
  .version;

/** Reads the installed package's manifest from disk: some packages' `exports` hide package.json. */
function packageVersion(name: string): string {
  try {
    const entry = require.resolve(name);
    const manifest = join(
      entry.slice(0, entry.lastIndexOf(`node_modules/${name}`)),
      'node_modules',
      name,
      'package.json',
    );
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function dependencyVersions(): Record<string, string> {
  return {
    node: process.versions.node,
    temporalSdk: packageVersion('@temporalio/client'),
    nest: packageVersion('@nestjs/core'),
    typeorm: packageVersion('typeorm'),
    ethers: packageVersion('ethers'),
  };
}
