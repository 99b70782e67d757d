import { afterAll } from 'vitest';
import { removeTempDirs } from '../contracts/chain-helpers.js';

// A setup file's hook belongs to the whole test file and runs after the file's
// own afterAll hooks, once the chains and databases in the directories are stopped.
afterAll(() => removeTempDirs());
