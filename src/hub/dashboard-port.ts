/**
 * The dashboard's port (src/dashboard/port.ts), implemented from a running hub: the one place where
 * the hub's sessions, broker and servers are turned into what the dashboard may see and do.
 */
import type { EventEmitter } from 'node:events';
import type { ActivityListener, DashboardActivity, DashboardPort } from '../dashboard/port';
import type { Hub } from './hub';

type Subscribers = { [K in keyof DashboardActivity]: (listener: ActivityListener<K>) => () => void };

/** The port of `hub`. Cheap: it holds nothing of its own. */
export function dashboardPort(hub: Hub): DashboardPort {
  const { activity, broker, sessions } = hub;
  // Each broker event carries at least what the port promises, so most listeners are passed as they are.
  const subscribers: Subscribers = {
    event: (listener) => on(activity, 'event', listener),
    session: (listener) => on(activity, 'session', (session, change) => listener(session.info(), change)),
    claimed: (listener) => on(broker, 'claimed', listener),
    acked: (listener) => on(broker, 'acked', (key) => listener(key)),
    redelivered: (listener) => on(broker, 'redelivered', listener),
    dead: (listener) => on(broker, 'dead', listener),
  };
  return {
    session: (socketId) => sessions.get(socketId)?.info(),
    sessions: () => [...sessions.values()].map((session) => session.info()),
    setPaused(socketId, paused) {
      const session = sessions.get(socketId);
      session?.setPaused(paused);
      return session !== undefined;
    },
    queues: () => broker.snapshot(),
    store: () => hub.storeHealth.status(),
    hubs: () => hub.hubs(),
    rooms() {
      const { adapter } = hub.nsp;
      // Every socket sits in a room named after its own id; those are not the rooms people mean.
      return [...adapter.rooms].filter(([name]) => !adapter.sids.has(name)).map(([name, socketIds]) => ({ name, socketIds }));
    },
    subscribe: (event, listener) => subscribers[event](listener),
    deadLetters: (queueId) => broker.deadLetters(queueId),
    requeueDead: (key) => broker.requeueDead(key),
    namespace: (name) => hub.io.of(name),
    authenticateClient: (socket, next) => hub.authenticateClient(socket, next),
    callers: hub.callers,
    route(path, handler) {
      hub.routes.set(path, handler);
      return () => {
        if (hub.routes.get(path) === handler) hub.routes.delete(path);
      };
    },
  };
}

/** `emitter.on(event, listener)`, returning the matching `off`. */
function on<T extends Record<keyof T, unknown[]>, K extends keyof T & string>(
  emitter: EventEmitter<T>,
  event: K,
  listener: (...args: T[K]) => void,
): () => void {
  // Node's typings cannot relate a generic key to its listener; the signature above checks callers.
  const untyped = emitter as unknown as EventEmitter;
  untyped.on(event, listener as (...args: unknown[]) => void);
  return () => untyped.off(event, listener as (...args: unknown[]) => void);
}
