import { describe, expect, it } from 'vitest';
import { expectPositionals, integerOption, jsonOption, parseArgs, UsageError, type OptionSpecs } from './parse-args.js';

const specs: OptionSpecs = {
  input: { type: 'string', description: '' },
  watch: { type: 'boolean', description: '' },
  'filter-events': { type: 'string', description: '' },
};

describe('parseArgs', () => {
  it('takes string options as --name value and --name=value, flags and positionals in any order', () => {
    expect(parseArgs(['trade', '--input', '{"a":1}', '--watch', '--filter-events=^step-'], specs)).toEqual({
      positionals: ['trade'],
      options: { input: '{"a":1}', watch: true, 'filter-events': '^step-' },
    });
  });

  it('keeps a value that starts with a dash, and everything after -- as positionals', () => {
    expect(parseArgs(['--input', '-1', '--', '--watch'], specs)).toEqual({
      positionals: ['--watch'],
      options: { input: '-1' },
    });
  });

  it('refuses unknown options, short options, a missing value and a value on a flag', () => {
    expect(() => parseArgs(['--inptu', 'x'], specs)).toThrow(new UsageError('unknown option --inptu'));
    expect(() => parseArgs(['-w'], specs)).toThrow(UsageError);
    expect(() => parseArgs(['--input'], specs)).toThrow(new UsageError('--input needs a value'));
    expect(() => parseArgs(['--watch=yes'], specs)).toThrow(new UsageError('--watch takes no value'));
  });
});

describe('option values', () => {
  it('parses JSON, naming the option when it is not JSON', () => {
    expect(jsonOption('{"amount":500}', 'input')).toEqual({ amount: 500 });
    expect(() => jsonOption('{amount:500}', 'input')).toThrow(/^--input is not valid JSON/);
  });

  it('takes integers at or above a minimum only', () => {
    expect(integerOption('25', 'limit')).toBe(25);
    expect(integerOption('0', 'from', 0)).toBe(0);
    for (const bad of ['0', '-3', '2.5', 'ten', '']) expect(() => integerOption(bad, 'limit')).toThrow(UsageError);
  });

  it('demands exactly the named positionals', () => {
    const args = (positionals: string[]) => ({ positionals, options: {} });
    expect(expectPositionals(args(['id', 'ship']), ['processId', 'step'])).toEqual(['id', 'ship']);
    expect(() => expectPositionals(args(['id']), ['processId', 'step'])).toThrow(new UsageError('missing <step>'));
    expect(() => expectPositionals(args(['id', 'x']), ['processId'])).toThrow(
      new UsageError('unexpected argument "x"'),
    );
  });
});
