/**
 * The dead-letter queues over HTTP, beside the dashboard:
 *
 * - `GET /dead-letters` (optionally `?queue=driver`): every dead letter, oldest first, as JSON
 *   (`DeadLetterView`), with the reason it died. Under the dashboard's access policy (access.ts):
 *   in full for callers who may control it (on the hub's machine, or with
 *   `Authorization: Bearer <DASHBOARD_TOKEN>`), with customers' names and addresses hidden for
 *   those who may only watch, and 403 for anyone else.
 * - `POST /dead-letters/requeue` with `{ "queueId": "driver", "messageId": "…" }`: puts one back at
 *   the end of its queue and delivers it again. For callers who may control the dashboard.
 *
 * Other methods get 405 with `Allow`; a body over 4 KB gets 413 (http.ts).
 *
 * @example
 *   curl localhost:3000/dead-letters
 *   curl -X POST localhost:3000/dead-letters/requeue -d '{"queueId":"driver","messageId":"o-1"}'
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from '../logger';
import { failure } from '../protocol/acks';
import { entryKeySchema, parse, queueIdSchema } from '../protocol/schemas';
import { accessOf, requestCaller, type AccessPolicy } from './access';
import { allowing, httpFailure, json, readBody, TOO_LARGE } from './http';
import type { DashboardPort } from './port';
import { deadLetterFor } from './redaction';

const MAX_BODY_BYTES = 4096;

/** Adds the two routes to the hub. Returns the functions that remove them. */
export function addDeadLetterRoutes(port: DashboardPort, policy: AccessPolicy, logger: Logger): (() => void)[] {
  const list = port.route(
    '/dead-letters',
    allowing(['GET'], (req, res) => {
      const access = accessOf(requestCaller(req, port.callers), policy);
      if (access.level === 'none') return json(res, 403, failure('forbidden', access.why));
      const queue = new URL(req.url ?? '/', 'http://localhost').searchParams.get('queue');
      const queueId = queue === null ? undefined : parse(queueIdSchema, queue);
      if (queueId && !queueId.ok) return json(res, 400, failure('invalid_payload', 'queue must be "driver" or a store name', queueId.issues));
      port.deadLetters(queueId?.value).then(
        (letters) => json(res, 200, { ok: true, deadLetters: letters.map((letter) => deadLetterFor(letter, access.level)) }),
        (err: unknown) => fail(res, logger, err),
      );
    }),
  );
  const requeue = port.route(
    '/dead-letters/requeue',
    allowing(['POST'], (req, res) => {
      const access = accessOf(requestCaller(req, port.callers), policy);
      if (access.level !== 'control') return json(res, 403, failure('forbidden', access.why));
      readBody(req, MAX_BODY_BYTES).then(
        async (body) => {
          // Answered once; the connection closes after it, as the client may still be sending.
          if (body === TOO_LARGE) return json(res, 413, httpFailure('payload_too_large', `the body is over ${MAX_BODY_BYTES} bytes`), { connection: 'close' });
          const key = parse(entryKeySchema, parseJson(body));
          if (!key.ok) return json(res, 400, failure('invalid_payload', 'expected a JSON { queueId, messageId }', key.issues));
          if (!(await port.requeueDead(key.value))) return json(res, 404, failure('not_found', `no dead letter ${key.value.messageId} in ${key.value.queueId}`));
          logger.info({ key: key.value }, 'dead letter requeued');
          json(res, 200, { ok: true });
        },
        // The request broke off (the client went away): there is nobody to answer.
        (err: unknown) => {
          logger.debug({ err }, 'dead-letter requeue: the request broke off');
          res.destroy();
        },
      ).catch((err: unknown) => fail(res, logger, err));
    }),
  );
  return [list, requeue];
}

/** The body as JSON, or `undefined` (which the schema then refuses) if it is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function fail(res: ServerResponse, logger: Logger, err: unknown): void {
  logger.error({ err }, 'dead-letter route failed');
  if (!res.headersSent) json(res, 500, failure('internal', 'the hub failed; it has logged why'));
}
