/**
 * A minimal plain Socket.IO relay that routes what CAPS routes, and nothing more: no validation,
 * no storage, no redelivery, no connection state recovery. The benchmark's baseline.
 *
 * - A client says who it is with the same `auth` as CAPS clients: `{ role: 'vendor', store }`
 *   joins the store's room; `{ role: 'driver' }` joins the drivers, who take pickups in turn.
 * - `pickup` goes to one driver (round robin); `delivered` goes to the room of `order.store`.
 * - End-to-end acks when the sender asks for one: the relay forwards with an ack and answers
 *   the sender only once the consumer (every socket in the room, for `delivered`) has answered.
 *   Without an ack callback the relay just forwards.
 *
 * Also serves `/healthz`, so the benchmark can tell when it is up.
 *
 * @example npm exec -- ts-node -T bench/plain-relay.ts --port 4000
 */
import { createServer } from 'node:http';
import { Command } from 'commander';
import { Server, type Socket } from 'socket.io';
import { wholeNumber } from '../src/cli/options';

/** How long the relay waits for a consumer's ack before answering the sender with a failure. */
const ACK_TIMEOUT_MS = 10_000;

type Envelope = { messageId?: string; order?: { store?: string } };
type Ack = (answer: object) => void;

const unavailable = (message: string) => ({ ok: false, error: { code: 'unavailable', message } });

function main(): void {
  const opts = new Command('plain-relay')
    .description('A plain Socket.IO relay: the benchmark baseline')
    .requiredOption('-p, --port <port>', 'port to listen on', wholeNumber)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .parse()
    .opts<{ port: number; host: string }>();

  const http = createServer((req, res) => {
    if (req.url === '/healthz') res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    else res.writeHead(404).end();
  });
  const io = new Server(http);
  const nsp = io.of('/caps');
  const drivers: Socket[] = [];
  let turn = 0;

  nsp.on('connection', (socket) => {
    const auth = socket.handshake.auth as { role?: string; store?: string };
    if (auth.role === 'vendor' && typeof auth.store === 'string') void socket.join(auth.store);
    if (auth.role === 'driver') {
      drivers.push(socket);
      socket.on('disconnect', () => drivers.splice(drivers.indexOf(socket), 1));
    }

    socket.on('pickup', (envelope: Envelope, ack?: Ack) => {
      const driver = drivers[turn++ % Math.max(1, drivers.length)];
      if (!driver) return ack?.(unavailable('no driver connected'));
      if (typeof ack !== 'function') return void driver.emit('pickup', envelope);
      driver.timeout(ACK_TIMEOUT_MS).emit('pickup', envelope, (err: Error | null) => {
        ack(err ? unavailable('the driver did not answer') : { ok: true, messageId: envelope.messageId, duplicate: false });
      });
    });

    socket.on('delivered', (envelope: Envelope, ack?: Ack) => {
      const store = envelope?.order?.store;
      if (typeof store !== 'string') return ack?.(unavailable('no store'));
      if (typeof ack !== 'function') return void nsp.to(store).emit('delivered', envelope);
      nsp
        .to(store)
        .timeout(ACK_TIMEOUT_MS)
        .emit('delivered', envelope, (err: Error | null, answers: unknown[]) => {
          ack(err || answers.length === 0 ? unavailable('the vendor did not answer') : { ok: true, messageId: envelope.messageId, duplicate: false });
        });
    });
  });

  http.listen(opts.port, opts.host);
  const stop = () => io.close(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main();
