import { randomBytes, randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { In, MoreThan, type DataSource, type FindOptionsWhere } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { EventRecord } from '../../../shared/db/entities.js';
import { inTransaction, nowIso, writeOnce } from '../../../shared/db/data-source.js';
import { SubscriptionDeliveryRecord, SubscriptionRecord } from '../../../shared/db/subscription-entities.js';
import { ApiError } from '../../common/api-error.js';
import { DATA_SOURCE } from '../../core/tokens.js';
import { DeliveryService } from '../delivery/delivery.service.js';
import { AddressRefused, HostUnresolved } from '../delivery/webhooks/webhook-address.js';
import { WebhookSender } from '../delivery/webhooks/webhook-sender.js';
import { FilterError, matchesFilter, storedFilter, type EventFilter } from '../event-filter.js';
import { eventView } from '../event-view.js';
import { SpecError, parseSubscriptionSpec, type SubscriptionSpec } from './subscription-spec.js';
import { subscriptionView } from './subscription-view.js';

/** Scanned per page when a subscription's history is read with its filter. */
const HISTORY_PAGE = 1000;

/** Durable subscriptions: stored in the member's database, delivered by DeliveryService. */
@Injectable()
export class SubscriptionsService {
  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    private readonly delivery: DeliveryService,
    private readonly webhooks: WebhookSender,
  ) {}

  /**
   * POST: a new subscription, owned by `owner` (the app creating it); 409
   * when the name is taken. The answer carries the webhook secret: the only
   * time it is shown.
   */
  async create(namespace: string, body: unknown, owner: string | null) {
    const spec = await this.parse(body);
    const repo = this.ds.getRepository(SubscriptionRecord);
    if (await repo.existsBy({ namespace, name: spec.name }))
      throw new ApiError(HttpStatus.CONFLICT, 'subscription-exists', `subscription "${spec.name}" already exists`);
    const sub = await this.insert(namespace, spec, owner);
    return { ...subscriptionView(sub), ...secretOf(sub) };
  }

  /**
   * PUT: creates, or replaces transport, filter and options of the
   * subscription of that name (its offset and owner stay). The webhook
   * secret is in the answer only when this request made it.
   */
  async upsert(namespace: string, body: unknown, owner: string | null): Promise<{ created: boolean; view: object }> {
    const spec = await this.parse(body);
    const repo = this.ds.getRepository(SubscriptionRecord);
    const existing = await repo.findOneBy({ namespace, name: spec.name });
    if (!existing) {
      const sub = await this.insert(namespace, spec, owner);
      return { created: true, view: { ...subscriptionView(sub), ...secretOf(sub) } };
    }
    existing.transport = spec.transport;
    existing.filter = spec.filter;
    existing.options = spec.options as unknown as Record<string, unknown>;
    const made = spec.transport === 'webhooks' && !existing.secret;
    if (made) existing.secret = newSecret();
    existing.updated = nowIso();
    const { transport, filter, options, secret, updated } = existing;
    // simple-json columns are typed loosely by TypeORM's update; these are complete values.
    await writeOnce(this.ds, (em) =>
      em.getRepository(SubscriptionRecord).update({ id: existing.id }, {
        transport,
        filter,
        options,
        secret,
        updated,
      } as QueryDeepPartialEntity<SubscriptionRecord>),
    );
    await this.delivery.changed(existing);
    return { created: false, view: { ...subscriptionView(existing), ...(made ? secretOf(existing) : {}) } };
  }

  /**
   * A new webhook secret, in this answer only; the old one stops signing at
   * once (a receiver being switched over accepts both for a while).
   */
  async rotateSecret(namespace: string, idOrName: string) {
    const sub = await this.find(namespace, idOrName);
    if (sub.transport !== 'webhooks')
      throw ApiError.badRequest('not-a-webhook', `subscription "${sub.name}" delivers by ${sub.transport}: no secret`);
    sub.secret = newSecret();
    sub.updated = nowIso();
    const { secret, updated } = sub;
    await writeOnce(this.ds, (em) => em.getRepository(SubscriptionRecord).update({ id: sub.id }, { secret, updated }));
    await this.delivery.changed(sub);
    return { id: sub.id, name: sub.name, secret };
  }

  async list(namespace: string, query: { name?: string; transport?: string; limit: number; skip: number }) {
    const where: FindOptionsWhere<SubscriptionRecord> = { namespace };
    if (query.name) where.name = query.name;
    if (query.transport) where.transport = query.transport;
    const subs = await this.ds
      .getRepository(SubscriptionRecord)
      .find({ where, order: { created: 'ASC', name: 'ASC' }, take: query.limit, skip: query.skip });
    return subs.map((s) => subscriptionView(s));
  }

  async get(namespace: string, idOrName: string) {
    const sub = await this.find(namespace, idOrName);
    const running = await this.delivery.status(sub.id);
    const deadLetters = await this.ds
      .getRepository(SubscriptionDeliveryRecord)
      .countBy({ subscriptionId: sub.id, state: 'dead' });
    return {
      ...subscriptionView(sub, running?.offset ?? sub.offset),
      status: { deadLetters, delivering: running ?? null },
    };
  }

  async delete(namespace: string, idOrName: string): Promise<void> {
    const sub = await this.find(namespace, idOrName);
    await this.delivery.deleted(sub.id);
    await inTransaction(this.ds, async (em) => {
      await em.delete(SubscriptionDeliveryRecord, { subscriptionId: sub.id });
      await em.delete(SubscriptionRecord, { id: sub.id });
    });
  }

  /** Events matching the subscription's filter after `after`, each marked acked when at or below its offset. */
  async history(namespace: string, idOrName: string, after: number, limit: number) {
    const sub = await this.find(namespace, idOrName);
    const offset = (await this.delivery.status(sub.id))?.offset ?? sub.offset;
    let filter: EventFilter;
    try {
      filter = storedFilter(sub.filter, sub.name);
    } catch (err) {
      if (err instanceof FilterError) throw new ApiError(HttpStatus.CONFLICT, 'unusable-filter', err.message);
      throw err;
    }
    const found: EventRecord[] = [];
    for (let from = after; found.length < limit;) {
      const page = await this.ds.getRepository(EventRecord).find({
        where: { sequence: MoreThan(from) },
        order: { sequence: 'ASC' },
        take: HISTORY_PAGE,
      });
      for (const e of page) if (found.length < limit && matchesFilter(filter, e)) found.push(e);
      if (page.length < HISTORY_PAGE) break;
      from = page[page.length - 1].sequence;
    }
    return found.map((e) => ({ ...eventView(e, namespace), acked: e.sequence <= offset }));
  }

  /** Events given up on after the last attempt, oldest first, with why: `limit` of them after sequence `after`. */
  async deadLetters(namespace: string, idOrName: string, after: number, limit: number) {
    const sub = await this.find(namespace, idOrName);
    const rows = await this.ds.getRepository(SubscriptionDeliveryRecord).find({
      where: { subscriptionId: sub.id, state: 'dead', sequence: MoreThan(after) },
      order: { sequence: 'ASC' },
      take: limit,
    });
    const events = new Map(
      (await this.ds.getRepository(EventRecord).findBy({ sequence: In(rows.map((r) => r.sequence)) })).map((e) => [
        e.sequence,
        e,
      ]),
    );
    return rows.map((r) => ({
      sequence: r.sequence,
      attempts: r.attempts,
      lastError: r.lastError,
      updated: r.updated,
      event: events.has(r.sequence) ? eventView(events.get(r.sequence)!, namespace) : undefined,
    }));
  }

  private async find(namespace: string, idOrName: string): Promise<SubscriptionRecord> {
    const repo = this.ds.getRepository(SubscriptionRecord);
    const sub =
      (await repo.findOneBy({ namespace, id: idOrName })) ?? (await repo.findOneBy({ namespace, name: idOrName }));
    if (!sub) throw ApiError.notFound('unknown-subscription', `no subscription "${idOrName}" in "${namespace}"`);
    return sub;
  }

  /** The body as a spec, its webhook URL checked where it leads (400 otherwise). */
  private async parse(body: unknown): Promise<SubscriptionSpec> {
    let spec: SubscriptionSpec;
    try {
      spec = parseSubscriptionSpec(body);
    } catch (err) {
      if (err instanceof SpecError) throw ApiError.badRequest(err.code, err.message);
      throw err;
    }
    if (spec.options.url === undefined) return spec;
    try {
      await this.webhooks.check(spec.options.url);
    } catch (err) {
      if (err instanceof AddressRefused)
        throw ApiError.badRequest(
          'webhook-address-refused',
          `options.url ${err.message}: webhooks reach public addresses only, unless WEBHOOK_ALLOWED_HOSTS lists the host`,
        );
      if (err instanceof HostUnresolved)
        throw ApiError.badRequest('webhook-host-unresolved', `options.url: ${err.message}`);
      throw err;
    }
    return spec;
  }

  private async insert(namespace: string, spec: SubscriptionSpec, owner: string | null): Promise<SubscriptionRecord> {
    const first = spec.options.firstEvent;
    const latest = async () =>
      (await this.ds.getRepository(EventRecord).find({ order: { sequence: 'DESC' }, take: 1 }))[0]?.sequence ?? 0;
    const now = nowIso();
    const sub = this.ds.getRepository(SubscriptionRecord).create({
      id: randomUUID(),
      namespace,
      name: spec.name,
      transport: spec.transport,
      filter: spec.filter,
      options: spec.options as unknown as Record<string, unknown>,
      secret: spec.transport === 'webhooks' ? newSecret() : null,
      owner,
      // The offset is the last sequence already taken care of: where delivery starts after.
      offset: first === 'oldest' ? 0 : first === 'newest' ? await latest() : Math.max(0, first - 1),
      created: now,
      updated: now,
    });
    try {
      await writeOnce(this.ds, (em) =>
        em.getRepository(SubscriptionRecord).insert(sub as QueryDeepPartialEntity<SubscriptionRecord>),
      );
    } catch (err) {
      if (/unique|duplicate/i.test((err as Error).message))
        throw new ApiError(HttpStatus.CONFLICT, 'subscription-exists', `subscription "${spec.name}" already exists`);
      throw err;
    }
    await this.delivery.changed(sub);
    return sub;
  }
}

function newSecret(): string {
  return randomBytes(32).toString('hex');
}

/** The webhook secret, shown only in the answer of the request that made it. */
function secretOf(sub: SubscriptionRecord): { secret?: string } {
  return sub.secret ? { secret: sub.secret } : {};
}
