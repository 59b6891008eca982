/**
 * How a client says who it is. This is the negotiated CAPS extension of the lab protocol: our
 * clients pass it as Socket.IO's `auth` payload on every (re)connect; classroom clients pass
 * nothing and are served the plain lab protocol (see docs/protocol.md).
 */
import { z } from 'zod';
import { nameSchema, storeNameSchema } from './schemas';

/** The protocol version our clients speak. Bump it when the extension changes incompatibly. */
export const CAPS_PROTOCOL = 2;

export const handshakeSchema = z.discriminatedUnion('role', [
  z.object({
    caps: z.literal(CAPS_PROTOCOL),
    role: z.literal('vendor'),
    /** Stable across restarts of the same client: sessions and leases are bound to it. */
    clientId: nameSchema,
    store: storeNameSchema,
    /** How many delivery notices it may hold unacknowledged at once; capped by the hub's VENDOR_PREFETCH. */
    prefetch: z.number().int().min(1).max(10_000).optional(),
  }),
  z.object({
    caps: z.literal(CAPS_PROTOCOL),
    role: z.literal('driver'),
    clientId: nameSchema,
    /** How many pickups this driver may hold unconfirmed at once; the hub caps it at its own PREFETCH. */
    prefetch: z.number().int().min(1).max(10_000).optional(),
  }),
]);

export type Handshake = z.output<typeof handshakeSchema>;
