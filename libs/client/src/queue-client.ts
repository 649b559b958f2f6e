import type {
  AckAndConsumeRequest,
  AckAndConsumeResult,
  AckResult,
  CallOptions,
  ConsumeRequest,
  Delivery,
  PublishRequest,
  PublishResult,
  TopicList,
  TopicStats,
} from './client-types.js';
import {
  ackAndConsumeAnswer,
  ackAnswer,
  consumeAnswer,
  expectAnswer,
  publishAnswer,
  topicListAnswer,
  topicStatsAnswer,
} from './answers.js';
import { QueueConsumer, type Consumer, type ConsumerOptions } from './consumer.js';
import { HttpCaller, pathSegment } from './http-caller.js';

// The queue API (docs/queue.md). Which calls are repeated after a failure:
// - publish: yes; a dedupId made once per call makes the server store a
//   repeat within 5 minutes once (it answers the first ids, duplicate: true),
//   fenced or not (a repeat answers the first ids even if a newer token
//   published since); FencedError when its fence token is older;
// - consume: yes; an answer lost on the way only hides those messages until
//   their visibility runs out, then they are delivered again;
// - topics, stats, dead, browse: yes, they only read;
// - ack, ack-and-consume, nack, extend, redrive, purge: only when the server cannot have seen the
//   request. A repeated ack of a delivery acked already answers
//   STALE_RECEIPT, a repeated nack or extend would act on a new state, and a
//   repeated redrive or purge would report 0 moved, so none of them is repeated blindly.

export type AckRequest =
  | { readonly topic: string; readonly receipt: string }
  | { readonly topic: string; readonly receipts: readonly string[] };
export interface NackRequest {
  readonly topic: string;
  readonly receipt: string;
  readonly delayMs?: number;
}
export interface ExtendRequest {
  readonly topic: string;
  readonly receipt: string;
  readonly visibilityMs: number;
}

export interface TopicListRequest {
  /** Only topics whose name starts with this. */
  readonly prefix?: string;
  /** Most topics to answer (server default 100, at most 1000). */
  readonly limit?: number;
}
export interface BrowseRequest {
  /** Default ready. */
  readonly state?: 'ready' | 'delayed' | 'inflight';
  /** Most messages to answer (server default 50, at most 100). */
  readonly limit?: number;
}

export interface QueueClient {
  publish(req: PublishRequest, call?: CallOptions): Promise<PublishResult>;
  consume(req: ConsumeRequest, call?: CallOptions): Promise<Delivery[]>;
  /** Acks `req.ack` and takes new messages in one request (ack-and-fetch); stale receipts are listed, not thrown. */
  ackAndConsume(req: AckAndConsumeRequest, call?: CallOptions): Promise<AckAndConsumeResult>;
  /** A single stale receipt -> StaleReceiptError; a batch lists stale ones in `stale`. */
  ack(req: AckRequest, call?: CallOptions): Promise<AckResult>;
  nack(req: NackRequest, call?: CallOptions): Promise<unknown>;
  extend(req: ExtendRequest, call?: CallOptions): Promise<unknown>;
  stats(topic: string, call?: CallOptions): Promise<TopicStats>;
  /** The server's body as is: {topic, messages}. */
  dead(topic: string, call?: CallOptions): Promise<unknown>;
  /** The server's body as is: {topic, redriven}. */
  redrive(topic: string, call?: CallOptions): Promise<unknown>;
  /** The topics the cluster knows, by name, with their counts. */
  topics(req?: TopicListRequest, call?: CallOptions): Promise<TopicList>;
  /** The server's body as is: {topic, state, messages}; consumes nothing. */
  browse(topic: string, req?: BrowseRequest, call?: CallOptions): Promise<unknown>;
  /** Redrives only these dead letters (1-100), in one step. The server's body as is: {topic, redriven, notFound}. */
  redriveIds(topic: string, ids: readonly string[], call?: CallOptions): Promise<unknown>;
  /** Deletes the topic's dead letters. The server's body as is: {topic, purged}. */
  purgeDead(topic: string, call?: CallOptions): Promise<unknown>;
  consumer(
    topic: string,
    handler: (d: Delivery, signal: AbortSignal) => Promise<void>,
    opts?: ConsumerOptions,
  ): Consumer;
}

export class HttpQueueClient implements QueueClient {
  constructor(
    private readonly http: HttpCaller,
    private readonly newId: () => string,
  ) {}

  async publish(req: PublishRequest, call?: CallOptions): Promise<PublishResult> {
    const dedupId = req.dedupId ?? this.newId();
    const body = {
      topic: req.topic,
      message: req.message,
      messages: req.messages,
      delayMs: req.delayMs,
      dedupId,
      group: req.group,
      priority: req.priority,
      fence: req.fence,
    };
    const answer = await this.http.call(
      { role: 'queue', method: 'POST', path: '/queue/publish', body, safe: true, keys: { dedupId } },
      call,
    );
    return expectAnswer(publishAnswer, answer);
  }

  async consume(req: ConsumeRequest, call?: CallOptions): Promise<Delivery[]> {
    const body = { topic: req.topic, max: req.max, visibilityMs: req.visibilityMs, waitMs: req.waitMs };
    const answer = await this.http.call(
      { role: 'queue', method: 'POST', path: '/queue/consume', body, safe: true, waitMs: req.waitMs ?? 0 },
      call,
    );
    return expectAnswer(consumeAnswer, answer).messages;
  }

  async ackAndConsume(req: AckAndConsumeRequest, call?: CallOptions): Promise<AckAndConsumeResult> {
    const body = { topic: req.topic, max: req.max, visibilityMs: req.visibilityMs, waitMs: req.waitMs, ack: req.ack };
    const answer = await this.http.call(
      { role: 'queue', method: 'POST', path: '/queue/consume', body, safe: false, waitMs: req.waitMs ?? 0 },
      call,
    );
    return expectAnswer(ackAndConsumeAnswer, answer);
  }

  async ack(req: AckRequest, call?: CallOptions): Promise<AckResult> {
    const body =
      'receipts' in req ? { topic: req.topic, receipts: req.receipts } : { topic: req.topic, receipt: req.receipt };
    const answer = await this.http.call({ role: 'queue', method: 'POST', path: '/queue/ack', body, safe: false }, call);
    return expectAnswer(ackAnswer, answer);
  }

  async nack(req: NackRequest, call?: CallOptions): Promise<unknown> {
    const body = { topic: req.topic, receipt: req.receipt, delayMs: req.delayMs };
    return (await this.http.call({ role: 'queue', method: 'POST', path: '/queue/nack', body, safe: false }, call)).body;
  }

  async extend(req: ExtendRequest, call?: CallOptions): Promise<unknown> {
    const body = { topic: req.topic, receipt: req.receipt, visibilityMs: req.visibilityMs };
    return (await this.http.call({ role: 'queue', method: 'POST', path: '/queue/extend', body, safe: false }, call))
      .body;
  }

  async stats(topic: string, call?: CallOptions): Promise<TopicStats> {
    const answer = await this.http.call(
      { role: 'queue', method: 'GET', path: `/queue/${pathSegment('topic', topic)}`, safe: true },
      call,
    );
    return expectAnswer(topicStatsAnswer, answer);
  }

  async dead(topic: string, call?: CallOptions): Promise<unknown> {
    return (
      await this.http.call(
        { role: 'queue', method: 'GET', path: `/queue/${pathSegment('topic', topic)}/dead`, safe: true },
        call,
      )
    ).body;
  }

  async redrive(topic: string, call?: CallOptions): Promise<unknown> {
    return (
      await this.http.call(
        { role: 'queue', method: 'POST', path: `/queue/${pathSegment('topic', topic)}/dead/redrive`, safe: false },
        call,
      )
    ).body;
  }

  async topics(req: TopicListRequest = {}, call?: CallOptions): Promise<TopicList> {
    const answer = await this.http.call(
      {
        role: 'queue',
        method: 'GET',
        path: `/queue${queryString({ prefix: req.prefix, limit: req.limit })}`,
        safe: true,
      },
      call,
    );
    return expectAnswer(topicListAnswer, answer);
  }

  async browse(topic: string, req: BrowseRequest = {}, call?: CallOptions): Promise<unknown> {
    const path = `/queue/${pathSegment('topic', topic)}/messages${queryString({ state: req.state, limit: req.limit })}`;
    return (await this.http.call({ role: 'queue', method: 'GET', path, safe: true }, call)).body;
  }

  async redriveIds(topic: string, ids: readonly string[], call?: CallOptions): Promise<unknown> {
    const path = `/queue/${pathSegment('topic', topic)}/dead/redrive`;
    return (await this.http.call({ role: 'queue', method: 'POST', path, body: { ids }, safe: false }, call)).body;
  }

  async purgeDead(topic: string, call?: CallOptions): Promise<unknown> {
    const path = `/queue/${pathSegment('topic', topic)}/dead`;
    return (await this.http.call({ role: 'queue', method: 'DELETE', path, safe: false }, call)).body;
  }

  consumer(
    topic: string,
    handler: (d: Delivery, signal: AbortSignal) => Promise<void>,
    opts: ConsumerOptions = {},
  ): Consumer {
    return new QueueConsumer(this, topic, handler, opts);
  }
}

/** `?a=1&b=x` of the given parameters, leaving out the undefined ones; '' when none is set. */
function queryString(params: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) query.set(k, String(v));
  const text = query.toString();
  return text === '' ? '' : `?${text}`;
}
