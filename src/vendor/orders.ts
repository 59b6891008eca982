/**
 * Realistic fake orders, from faker. Pass a seed for a repeatable sequence (the simulator does).
 */
import { Faker, en } from '@faker-js/faker';
import { v4 as uuid } from 'uuid';
import type { Order } from '../protocol/envelope';

export type OrderFactory = (store: string) => Order;

export function orderFactory(seed?: number): OrderFactory {
  const faker = new Faker({ locale: [en] });
  if (seed !== undefined) faker.seed(seed);
  return (store) => ({
    store,
    // uuid's v4 takes its random bytes from faker when seeded, so the ids repeat with the seed too.
    orderId: seed === undefined ? uuid() : uuid({ random: Uint8Array.from({ length: 16 }, () => faker.number.int(255)) }),
    customer: faker.person.fullName(),
    address: `${faker.location.streetAddress()}, ${faker.location.city()}, ${faker.location.state({ abbreviated: true })} ${faker.location.zipCode()}`,
  });
}
