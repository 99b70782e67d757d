import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { projectPath } from '../../shared/paths.js';

const require = createRequire(import.meta.url);

export const BATON_VERSION = (JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string }).version;

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
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
