/**
 * Carries out a page's `control` command, after the access check and the payload check:
 *
 * | action                    | how                                                          |
 * |---------------------------|--------------------------------------------------------------|
 * | `pause`, `resume`         | in the hub: `setPaused` on each of the client's sessions     |
 * | `post`                    | relayed over `/control`: the vendor posts an order          |
 * | `disconnect`, `reconnect` | relayed over `/control`: the client closes or reopens `/caps` |
 *
 * Every outcome is an answer (`ControlAck`), never an exception, and goes to the event log.
 */
import type { Logger } from '../logger';
import { failure } from '../protocol/acks';
import { controlCommandSchema, type ControlAck, type ControlCommand } from '../protocol/dashboard';
import { parse } from '../protocol/schemas';
import type { Decision } from './access';
import type { ClientDirectory } from './clients';
import type { LogFeed } from './log-feed';
import type { DashboardPort } from './port';
import type { RemoteControls } from './remote-controls';

export interface ControlCommandsDeps {
  /** Where `pause` and `resume` happen. */
  port: Pick<DashboardPort, 'setPaused'>;
  clients: ClientDirectory;
  remotes: RemoteControls;
  log: LogFeed;
  logger: Logger;
}

export class ControlCommands {
  constructor(private readonly deps: ControlCommandsDeps) {}

  /**
   * Checks and carries out `payload` for a caller with `access`; `from` (the caller's address) is
   * for the hub's log. Never rejects.
   */
  async handle(access: Decision, payload: unknown, from: string): Promise<ControlAck> {
    if (access.level !== 'control') {
      // Not in the page's log: a stranger could flood it. The hub's log keeps a trace.
      this.deps.logger.warn({ from }, `dashboard control refused: ${access.why}`);
      return failure('forbidden', `The hub refused: ${access.why}.`);
    }
    const command = parse(controlCommandSchema, payload);
    if (!command.ok) {
      this.deps.logger.warn({ from, payload, issues: command.issues }, 'malformed dashboard control');
      return failure('invalid_payload', 'control expects { action: post|pause|resume|disconnect|reconnect, clientId }', command.issues);
    }
    let ack: ControlAck;
    try {
      ack = await this.run(command.value);
    } catch (err) {
      this.deps.logger.error({ err, command: command.value }, 'dashboard command failed');
      ack = failure('internal', `the hub failed to ${command.value.action} ${command.value.clientId}; it has logged why`);
    }
    const { action, clientId } = command.value;
    this.deps.log.add('control', ack.ok ? ack.message : `${action} ${clientId} refused: ${ack.error.message}`);
    return ack;
  }

  private async run({ action, clientId }: ControlCommand): Promise<ControlAck> {
    const client = this.deps.clients.get(clientId);
    if (action === 'pause' || action === 'resume') {
      const sessions = this.deps.clients.sessionsOf(clientId);
      if (sessions.length === 0) return failure('not_found', `${clientId} is not connected`);
      for (const session of sessions) this.deps.port.setPaused(session.socketId, action === 'pause');
      return {
        ok: true,
        message: action === 'pause' ? `paused ${clientId}: the hub sends it nothing new` : `resumed ${clientId}`,
      };
    }
    if (action === 'post' && client !== undefined && client.role !== 'vendor') {
      return failure('invalid_payload', `${clientId} is a ${client.role}; only vendors post orders`);
    }
    const answer = await this.deps.remotes.send(clientId, action);
    if (!answer.ok) return answer;
    const done = { post: `${clientId} posted order ${answer.messageId ?? ''}`.trim(), disconnect: `${clientId} disconnected`, reconnect: `${clientId} is reconnecting` };
    return { ok: true, message: done[action], ...(answer.messageId === undefined ? {} : { messageId: answer.messageId }) };
  }
}
