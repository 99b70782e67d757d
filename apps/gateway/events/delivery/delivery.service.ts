import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { MemberConfig } from '../../../shared/config.js';
import { SubscriptionRecord } from '../../../shared/db/subscription-entities.js';
import type { Logger } from '../../../shared/logger.js';
import { requireWriteOrOwner, type AppPrincipal } from '../../auth/app-auth.js';
import { CONFIG, DATA_SOURCE, LOGGER } from '../../core/tokens.js';
import { FilterError } from '../event-filter.js';
import { EventStreamService } from '../event-stream.service.js';
import type { SubscriptionOptions } from '../subscriptions/subscription-spec.js';
import type { DeliveryTarget } from './delivery-target.js';
import { SubscriptionDispatcher } from './subscription-dispatcher.js';
import { WebhookSender } from './webhooks/webhook-sender.js';
import { WebhookTarget, type WebhookSettings } from './webhooks/webhook-target.js';

export class AttachError extends Error {}

/**
 * Owns the dispatchers of durable subscriptions in this gateway: one per
 * subscription that has a WebSocket connection attached or a webhook. A
 * WebSocket subscription's dispatcher lives while connections are attached;
 * a webhook subscription's for as long as the subscription exists.
 */
@Injectable()
export class DeliveryService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly dispatchers = new Map<string, Promise<SubscriptionDispatcher>>();
  private readonly webhooks = new Map<string, WebhookTarget>();
  private readonly stopListening: () => void;

  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(CONFIG) private readonly config: MemberConfig,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly sender: WebhookSender,
    stream: EventStreamService,
  ) {
    this.stopListening = stream.onAppend((latest) => {
      // A dispatcher that failed to open leaves the map on its own (see dispatcher()).
      for (const d of this.dispatchers.values())
        void d.then(
          (x) => x.notify(latest),
          () => undefined,
        );
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const hooks = await this.ds
      .getRepository(SubscriptionRecord)
      .findBy({ namespace: this.config.networkNamespace, transport: 'webhooks' });
    for (const sub of hooks)
      try {
        await this.changed(sub);
      } catch (err) {
        // A filter stored before filters were RE2 must not stop the gateway from starting (every restart again).
        if (!(err instanceof FilterError)) throw err;
        this.log.error('webhook subscription not delivered: its stored filter is refused', {
          subscription: sub.name,
          error: err.message,
        });
      }
  }

  async onModuleDestroy(): Promise<void> {
    this.stopListening();
    const all = [...this.dispatchers.values()];
    this.dispatchers.clear();
    await Promise.all(all.map(async (d) => (await d).close()));
    this.sender.close();
  }

  /**
   * Attaches a WebSocket connection to the durable subscription `name`. The
   * connection's acks and nacks (and so its dead letters) reach only the
   * subscriptions it is attached to, so this is where they are authorised:
   * `principal` (undefined with APP_AUTH off) needs write scope or to be the
   * app that created the subscription (AuthError, 403, otherwise).
   */
  async attach(
    namespace: string,
    name: string,
    target: DeliveryTarget,
    principal?: AppPrincipal,
  ): Promise<SubscriptionDispatcher> {
    const sub = await this.ds.getRepository(SubscriptionRecord).findOneBy({ namespace, name });
    if (!sub) throw new AttachError(`no subscription "${name}" in namespace "${namespace}"`);
    if (principal) requireWriteOrOwner(principal, sub.owner, `subscription "${name}"`);
    if (sub.transport !== 'websockets')
      throw new AttachError(`subscription "${name}" delivers by ${sub.transport}, not websockets`);
    let dispatcher: SubscriptionDispatcher;
    try {
      dispatcher = await this.dispatcher(sub);
    } catch (err) {
      if (!(err instanceof FilterError)) throw err;
      this.log.warn('attaching refused: the stored filter is refused', { subscription: name, error: err.message });
      throw new AttachError(err.message);
    }
    dispatcher.addTarget(target);
    return dispatcher;
  }

  /** The connection went away; the dispatcher closes with the last one. */
  async detach(dispatcher: SubscriptionDispatcher, target: DeliveryTarget): Promise<void> {
    if (dispatcher.removeTarget(target) > 0 || dispatcher.transport === 'webhooks') return;
    const current = this.dispatchers.get(dispatcher.id);
    if (current && (await current) === dispatcher) this.dispatchers.delete(dispatcher.id);
    await dispatcher.close();
  }

  /** Status of a subscription's delivery in this gateway, when it is running here. */
  async status(id: string) {
    const d = this.dispatchers.get(id);
    return d ? (await d).status() : undefined;
  }

  /** A subscription was created or replaced. */
  async changed(sub: SubscriptionRecord): Promise<void> {
    const running = this.dispatchers.get(sub.id);
    const hook = this.webhooks.get(sub.id);
    if (running) (await running).reconfigure(sub);
    if (sub.transport === 'webhooks') {
      const settings = webhookSettings(sub);
      if (hook) return hook.reconfigure(settings);
      const dispatcher = await this.dispatcher(sub);
      const target = new WebhookTarget(
        settings,
        this.sender,
        (t, id, error) => (error === undefined ? dispatcher.ack(t, id) : dispatcher.nack(t, id, error)),
        this.log,
      );
      this.webhooks.set(sub.id, target);
      dispatcher.addTarget(target);
    } else if (hook && running) {
      this.webhooks.delete(sub.id);
      await this.detach(await running, hook);
    }
  }

  /** A subscription was deleted: delivery stops here. */
  async deleted(id: string): Promise<void> {
    const running = this.dispatchers.get(id);
    this.dispatchers.delete(id);
    this.webhooks.delete(id);
    if (running) await (await running).close();
  }

  private dispatcher(sub: SubscriptionRecord): Promise<SubscriptionDispatcher> {
    let d = this.dispatchers.get(sub.id);
    if (!d) {
      d = SubscriptionDispatcher.open(this.ds, this.log, sub);
      this.dispatchers.set(sub.id, d);
      d.catch(() => this.dispatchers.delete(sub.id));
    }
    return d;
  }
}

function webhookSettings(sub: SubscriptionRecord): WebhookSettings {
  const options = sub.options as unknown as SubscriptionOptions;
  return { url: options.url!, secret: sub.secret ?? '', requestTimeoutMs: options.requestTimeoutMs };
}
