/**
 * The dashboard page: connects to the hub's `/dashboard` namespace, draws the snapshot, applies
 * each update, and sends the controls' commands. Served as a browser module by page-routes.ts;
 * the Socket.IO client is the global `io` from `/socket.io/socket.io.min.js`.
 */
import type { io as ioFunction, Socket } from 'socket.io-client';
import type {
  Access,
  ControlAck,
  ControlAction,
  DASHBOARD_LIMITS,
  DashboardSnapshot,
  DashboardToPageEvents,
  DashboardUpdate,
  PageToDashboardEvents,
  StopHubAck,
} from '../../protocol/dashboard';
import { Board } from './board.js';
import { ClientsView } from './clients-view.js';
import { byId, setText } from './dom.js';
import { HubsView } from './hubs-view.js';
import { LogView } from './log-view.js';
import { QueuesView } from './queues-view.js';
import { RoomsView } from './rooms-view.js';
import { Sparkline } from './sparkline.js';
import { StoreView } from './store-view.js';

declare const io: typeof ioFunction;

// The page cannot import values from the protocol module; the types make tsc fail if these drift.
const MAX_CARDS: (typeof DASHBOARD_LIMITS)['cards'] = 100;
const MAX_LOG_LINES: (typeof DASHBOARD_LIMITS)['logLines'] = 200;
const COMMAND_TIMEOUT_MS = 8000;
const TOKEN_KEY = 'caps-dashboard-token';

const connection = byId('connection');
const accessText = byId('access-text');
const tokenForm = byId<HTMLFormElement>('token-form');
const tokenInput = byId<HTMLInputElement>('token');
const notice = byId('notice');

const clients = new ClientsView(byId('clients'), byId('clients-empty'), command);
const queues = new QueuesView(byId<HTMLTableElement>('queues').tBodies[0]!, byId('queues-empty'));
const rooms = new RoomsView(byId('rooms'), byId('rooms-empty'));
const store = new StoreView(byId('store'));
const hubs = new HubsView(byId('hubs-panel'), byId('hubs'), stopHub);
const board = new Board(byId('board'), MAX_CARDS);
const log = new LogView(
  { list: byId<HTMLOListElement>('log'), filter: byId<HTMLInputElement>('log-filter'), kind: byId<HTMLSelectElement>('log-kind'), pause: byId<HTMLButtonElement>('log-pause'), status: byId('log-status') },
  MAX_LOG_LINES,
);
const sparkline = Sparkline.fromPage();

const socket: Socket<DashboardToPageEvents, PageToDashboardEvents> = io('/dashboard', {
  auth: { token: sessionStorage.getItem(TOKEN_KEY) ?? '' },
});

socket.on('connect', () => setConnection('live', 'live'));
socket.on('disconnect', () => setConnection('down', 'reconnecting…'));
socket.on('connect_error', (err: Error & { data?: { code?: unknown } }) => {
  // Refused by the hub's access policy: Socket.IO does not retry that; the token may get in.
  if (err.data?.code === 'forbidden') return refused(err.message);
  setConnection('down', 'hub unreachable; retrying…');
});
socket.on('snapshot', (snapshot: DashboardSnapshot) => {
  showAccess(snapshot.access);
  clients.render(snapshot.clients);
  rooms.render(snapshot.rooms);
  queues.render(snapshot.queues);
  store.render(snapshot.store);
  hubs.render(snapshot.hubs);
  board.reset(snapshot.packages);
  log.reset(snapshot.log);
  sparkline.render(snapshot.throughput);
  document.body.dataset.ready = 'true';
});
socket.on('update', (update: DashboardUpdate) => {
  if (update.clients) clients.render(update.clients);
  if (update.rooms) rooms.render(update.rooms);
  if (update.queues) queues.render(update.queues);
  if (update.store) store.render(update.store);
  if (update.hubs) hubs.render(update.hubs);
  if (update.packages) board.apply(update.packages);
  if (update.log || update.skipped) log.add(update.log ?? [], update.skipped ?? 0);
  if (update.throughput) sparkline.render(update.throughput);
});

tokenForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const token = tokenInput.value.trim();
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  tokenInput.value = '';
  // Access is decided at the handshake: connect again with the token. The snapshot tells the outcome.
  socket.auth = { token };
  socket.disconnect().connect();
});

/** Sends one command and says how it went. Resolves when the hub has answered (or not in time). */
async function command(action: ControlAction, clientId: string): Promise<void> {
  say(`${action} ${clientId}…`, 'pending');
  let ack: ControlAck;
  try {
    ack = await socket.timeout(COMMAND_TIMEOUT_MS).emitWithAck('control', { action, clientId });
  } catch {
    say(`No answer from the hub to "${action} ${clientId}"; is it running?`, 'error');
    return;
  }
  report(ack);
}

/** Asks the page's hub to stop, so that a standby takes over, and says how it went. */
async function stopHub(): Promise<void> {
  say('stopping this hub…', 'pending');
  let ack: StopHubAck;
  try {
    ack = await socket.timeout(COMMAND_TIMEOUT_MS).emitWithAck('stopHub');
  } catch {
    say('No answer from the hub to "stop"; is it running?', 'error');
    return;
  }
  report(ack);
}

/** Says what the hub answered a command. */
function report(ack: ControlAck | StopHubAck): void {
  if (ack.ok) say(ack.message, 'ok');
  else say(ack.error.code === 'forbidden' ? `Not allowed: ${ack.error.message}` : ack.error.message, 'error');
}

function say(text: string, kind: 'ok' | 'error' | 'pending'): void {
  setText(notice, text);
  notice.dataset.kind = kind;
  notice.hidden = false;
}

function showAccess(access: Access): void {
  const control = access.level === 'control';
  document.body.dataset.access = access.level;
  document.body.dataset.control = control ? 'on' : 'off';
  setText(
    accessText,
    control ? `Controls on: ${access.why}.` : `View only, with customers' names and addresses hidden. ${access.why}. Enter the token to see them and use the controls.`,
  );
  tokenForm.hidden = control;
}

/** The hub will not show this page anything without the token: say why, and ask for it. */
function refused(why: string): void {
  document.body.dataset.access = 'none';
  document.body.dataset.control = 'off';
  setConnection('down', 'refused');
  setText(accessText, `Not allowed to watch: ${why}. Enter the token to get in.`);
  tokenForm.hidden = false;
}

function setConnection(state: 'live' | 'down', text: string): void {
  connection.dataset.state = state;
  connection.textContent = text;
}
