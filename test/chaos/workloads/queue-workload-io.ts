// What the queue workloads (queue, queue-groups) do alike besides their own traffic:
// read a topic's dead letters at the end, and record a request that failed.
import type { HistoryRecorder, OpHandle } from '../../support/history/index.js';
import type { Prng } from '../../support/prng.js';
import { describeFailure, httpJson, isClientError, type HttpResult } from './workload-http.js';
import { isRecord, sleep } from './workload-util.js';
import type { WorkloadContext } from './workload-types.js';

const DEAD_READ_TIMEOUT_MS = 30_000;
const DEAD_READ_ATTEMPT_MS = 10_000;

// Bodies are published as strings; anything else is kept visible (as JSON) rather than dropped.
export function bodyText(body: unknown): string {
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/** A refusal (4xx) changed nothing: `fail`; anything else may have taken effect: `unknown`. */
export function settleFailure(recorder: HistoryRecorder, h: OpHandle, res: HttpResult): void {
  if (isClientError(res)) recorder.complete(h, 'fail', res.ok ? res.body : undefined);
  else recorder.unknown(h, describeFailure(res));
}

/** The dead-letter list of `topic`, retried through random nodes: Redis may still be failing over. */
export async function readDeadLetters(
  ctx: WorkloadContext,
  recorder: HistoryRecorder,
  rng: Prng,
  topic: string,
  workload: string,
): Promise<void> {
  const h = recorder.invoke('dead', 'dead', { topic });
  const giveUp = Date.now() + DEAD_READ_TIMEOUT_MS;
  let last: HttpResult = { ok: false, error: 'not tried', sent: false };
  while (Date.now() < giveUp) {
    const url = `${ctx.url('queue', rng.pick(ctx.nodes))}/queue/${encodeURIComponent(topic)}/dead`;
    last = await httpJson('GET', url, undefined, DEAD_READ_ATTEMPT_MS);
    const messages =
      last.ok && last.status === 200 && isRecord(last.body) && Array.isArray(last.body.messages)
        ? last.body.messages
        : undefined;
    if (messages) {
      recorder.complete(h, 'ok', {
        messages: messages.map((m) => ({ body: isRecord(m) ? bodyText(m.body) : bodyText(m) })),
      });
      return;
    }
    await sleep(500);
  }
  recorder.unknown(h, describeFailure(last));
  ctx.log(`${workload}: could not read the dead letters of ${topic} (${describeFailure(last)})`);
}
