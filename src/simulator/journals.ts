/**
 * Reading the clients' journals back after a run, record by record.
 *
 * The judge counts *records*, not distinct ids, so it reads the files itself rather than through
 * FileJournal (which keeps one entry per id, and would hide a second record of the same effect).
 * The format is FileJournal's: one JSON object `{ kind, id, data? }` per line. A line that does not
 * parse is a write torn by a kill; the record it held never counted, so it is skipped.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ClientSpec } from './roster';

export interface JournalRecord {
  kind: string;
  id: string;
  data?: unknown;
}

/** One client's journal, as the judge sees it. */
export interface ClientJournal {
  client: string;
  role: 'vendor' | 'driver';
  records: JournalRecord[];
}

/** Every record in the journal file at `path`, in order; none if there is no file. */
export function readJournalFile(path: string): JournalRecord[] {
  if (!existsSync(path)) return [];
  const records: JournalRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      const record = JSON.parse(line) as Partial<JournalRecord>;
      if (typeof record.kind === 'string' && typeof record.id === 'string') records.push(record as JournalRecord);
    } catch {
      // A torn write: see above.
    }
  }
  return records;
}

/** The journals of every client of a run. */
export function readJournals(clients: ClientSpec[]): ClientJournal[] {
  return clients.map((spec) => ({ client: spec.name, role: spec.role, records: readJournalFile(spec.journal) }));
}
