/**
 * The dead-letter queues over HTTP, beside the dashboard:
 *
 * - `GET /dead-letters` (optionally `?queue=driver`): every dead letter, oldest first, as JSON,
 *   with the reason it died. Open to anyone who may watch the dashboard.
 * - `POST /dead-letters/requeue` with `{ "queueId": "driver", "messageId": "…" }`: puts one back at
 *   the end of its queue and delivers it again. Under the dashboard's access policy: callers on the
 *   hub's machine, or `Authorization: Bearer <DASHBOARD_TOKEN>`.
 *
 * @example
 *   curl localhost:3000/dead-letters
 *   curl -X POST localhost:3000/dead-letters/requeue -d '{"queueId":"driver","messageId":"o-1"}'
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Hub } from '../hub/hub';
import type { Logger } from '../logger';
import { failure } from '../protocol/acks';
import { entryKeySchema, parse, queueIdSchema } from '../protocol/schemas';
import { controlAccess } from './access';

const MAX_BODY = 4096;

/** Adds the two routes to the hub. Returns their paths, so that they can be removed. */
export function addDeadLetterRoutes(hub: Hub, token: string, logger: Logger): string[] {
  hub.routes.set('/dead-letters', (req, res) => {
    const queue = new URL(req.url ?? '/', 'http://localhost').searchParams.get('queue');
    const queueId = queue === null ? undefined : parse(queueIdSchema, queue);
    if (queueId && !queueId.ok) return json(res, 400, failure('invalid_payload', 'queue must be "driver" or a store name', queueId.issues));
    hub.store.deadLetters(queueId?.value).then(
      (letters) => json(res, 200, { ok: true, deadLetters: letters }),
      (err: unknown) => fail(res, logger, err),
    );
  });
  hub.routes.set('/dead-letters/requeue', (req, res) => {
    if (req.method !== 'POST') return json(res, 405, failure('invalid_payload', 'POST a { queueId, messageId } here'));
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const access = controlAccess({ address: req.socket.remoteAddress ?? '', origin: req.headers.origin, host: req.headers.host, token: bearer }, token);
    if (!access.canControl) return json(res, 403, failure('forbidden', access.why));
    readBody(req).then(
      async (body) => {
        const key = parse(entryKeySchema, body);
        if (!key.ok) return json(res, 400, failure('invalid_payload', 'expected { queueId, messageId }', key.issues));
        if (!(await hub.broker.requeueDead(key.value))) return json(res, 404, failure('not_found', `no dead letter ${key.value.messageId} in ${key.value.queueId}`));
        logger.info({ key: key.value }, 'dead letter requeued');
        json(res, 200, { ok: true });
      },
      (err: unknown) => json(res, 400, failure('invalid_payload', err instanceof Error ? err.message : 'unreadable body')),
    ).catch((err: unknown) => fail(res, logger, err));
  });
  return ['/dead-letters', '/dead-letters/requeue'];
}

/** The request body as JSON, refusing more than {@link MAX_BODY} bytes. */
function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > MAX_BODY) {
        reject(new Error(`the body is over ${MAX_BODY} bytes`));
        req.destroy();
      }
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new Error('the body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}

function fail(res: ServerResponse, logger: Logger, err: unknown): void {
  logger.error({ err }, 'dead-letter route failed');
  json(res, 500, failure('internal', 'the hub failed; it has logged why'));
}
