/**
 * Socket.IO's protocol spoken by hand over HTTP long-polling: one engine.io session whose packets
 * the test writes and reads as text. It does what any client of its own can, and socket.io-client
 * will not: send several handshakes for one namespace in one request, which the hub decodes in one
 * turn of its event loop (two connections' handshakes each get a turn of their own).
 *
 * @example
 *   const session = await PollingSession.open(hub);
 *   await session.send(['40/caps,{"token":"…"}', '40/caps,{"token":"…"}']);
 *   const answers = await session.receive(2);   // e.g. ['40/caps,{"sid":"…"}', '44/caps,{"message":"…","data":{…}}']
 *   await session.close();
 */
import { request } from 'node:http';

/** engine.io separates the packets of one polling payload with this character. */
const SEPARATOR = '\x1e';

/** One HTTP request on loopback; the body of its answer, or a rejection for any status but 200. */
function exchange(port: number, path: string, body?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: body === undefined ? 'GET' : 'POST', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${path}: HTTP ${res.statusCode}: ${text}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export class PollingSession {
  private constructor(
    private readonly port: number,
    private readonly path: string,
  ) {}

  /** Opens an engine.io session with the hub at `port` (its open packet names the session). */
  static async open(port: number): Promise<PollingSession> {
    const open = await exchange(port, '/socket.io/?EIO=4&transport=polling');
    if (!open.startsWith('0')) throw new Error(`not an engine.io open packet: ${open}`);
    const { sid } = JSON.parse(open.slice(1)) as { sid: string };
    return new PollingSession(port, `/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`);
  }

  /** Sends `packets` (engine.io messages: `4` and a Socket.IO packet) in one request. */
  async send(packets: string[]): Promise<void> {
    await exchange(this.port, this.path, packets.join(SEPARATOR));
  }

  /**
   * Long-polls until at least `count` Socket.IO packets (engine.io messages, `4…`) have come, and
   * returns them all, in the order the hub sent them. The engine's pings are answered on the way, so a slow machine keeps
   * the session open.
   */
  async receive(count: number): Promise<string[]> {
    const messages: string[] = [];
    while (messages.length < count) {
      const packets = (await exchange(this.port, this.path)).split(SEPARATOR);
      if (packets.includes('2')) await this.send(['3']);
      messages.push(...packets.filter((p) => p.startsWith('4')));
    }
    return messages;
  }

  /** Closes the session (engine.io's close packet). */
  close(): Promise<void> {
    return this.send(['1']);
  }
}
