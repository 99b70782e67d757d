import { describe, expect, it } from 'vitest';
import { SpecError, parseSubscriptionSpec } from './subscription-spec.js';

function refusal(body: unknown): { code: string; message: string } {
  try {
    parseSubscriptionSpec(body);
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return { code: (err as SpecError).code, message: (err as SpecError).message };
  }
  throw new Error('accepted');
}

describe('parseSubscriptionSpec', () => {
  it('fills defaults for a bare named subscription', () => {
    expect(parseSubscriptionSpec({ name: 'app1' })).toEqual({
      name: 'app1',
      transport: 'websockets',
      filter: {},
      options: {
        firstEvent: 'newest',
        readAhead: 50,
        withData: true,
        batch: false,
        batchSize: 50,
        retry: { count: 5, initialDelayMs: 1000, maxDelayMs: 60_000, factor: 2 },
        requestTimeoutMs: 30_000,
      },
    });
  });

  it('reads FireFly-style options and a webhook', () => {
    const spec = parseSubscriptionSpec({
      name: 'hook',
      transport: 'webhooks',
      filter: { events: '^process-', processId: 'p-1' },
      options: {
        firstEvent: 'oldest',
        readAhead: 5,
        withData: false,
        batch: true,
        retry: { count: 3, initialDelay: '50ms', maxDelay: '1s' },
        url: 'https://app.example/hook',
        requestTimeout: '2s',
      },
    });
    expect(spec.filter).toEqual({ events: '^process-', reference: 'p-1' });
    expect(spec.options).toMatchObject({
      firstEvent: 'oldest',
      readAhead: 5,
      batchSize: 5,
      withData: false,
      batch: true,
      retry: { count: 3, initialDelayMs: 50, maxDelayMs: 1000, factor: 2 },
      url: 'https://app.example/hook',
      requestTimeoutMs: 2000,
    });
  });

  it.each([
    [{}, 'name must be'],
    [{ name: '-x' }, 'name must be'],
    [{ name: 'a', transport: 'kafka' }, 'transport must be'],
    [{ name: 'a', filter: { events: '(' } }, 'filter.events is not a valid regular expression'],
    [{ name: 'a', options: { firstEvent: 'latest' } }, 'options.firstEvent'],
    [{ name: 'a', options: { readAhead: 0 } }, 'options.readAhead must be a whole number from 1 to 1000'],
    [{ name: 'a', options: { withData: 'yes' } }, 'options.withData must be true or false'],
    [{ name: 'a', options: { retry: { initialDelay: 'soon' } } }, 'options.retry.initialDelay must be a duration'],
    [{ name: 'a', options: { url: 'http://x' } }, 'options.url is for transport webhooks only'],
  ])('refuses %j', (body, message) => {
    const { code, message: got } = refusal(body);
    expect(code).toBe('invalid-subscription');
    expect(got).toContain(message);
  });

  it.each(['ftp://x/y', 'file:///etc/passwd', 'not a url', undefined])('refuses the webhook URL %j', (url) => {
    expect(refusal({ name: 'h', transport: 'webhooks', options: { url } }).code).toBe('invalid-webhook-url');
  });
});
