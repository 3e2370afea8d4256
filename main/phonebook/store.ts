import { randomUUID } from 'node:crypto';
import { dedupeNumbers } from '../../common/phonebook/csv.js';
import { looksLikeNumber, matchKey } from '../../common/phonebook/normalize.js';
import { contactSchema, type Contact, type ContactInput } from '../../common/phonebook/types.js';
import { ConsoleError } from '../../common/errors.js';
import { keepAside, readJsonList, writeFileAtomically } from '../store-file.js';

/**
 * The phonebook, kept by main in one JSON file in the app's data folder and
 * written atomically (a temporary file renamed over the old one), so a crash
 * mid-save leaves the previous book, never half of one. Lookups by number go
 * through an index on the number's match key (common/phonebook/normalize.ts),
 * so caller-name lookup on every incoming call costs one map read. The
 * contacts are also kept in one array sorted by name (a collator built once),
 * where a save moves a single contact by binary search: searching as you type
 * and listing never sort 50,000 contacts again.
 */

/** Names as a person sorts them: accents and case second, "Room 2" before "Room 10". */
const COLLATOR = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

export const MAX_CONTACTS = 50_000;

export interface PhonebookMatch {
  readonly contact: Contact;
  /** The number of the contact that matched, as the book has it. */
  readonly number: string;
  readonly label: string;
}

export interface ImportResult {
  readonly added: number;
  readonly updated: number;
  readonly skipped: number;
  readonly problems: readonly string[];
}

interface BookFile {
  readonly version: 1;
  readonly contacts: Contact[];
}

export class PhonebookStore {
  private readonly contacts = new Map<string, Contact>();
  /** Every contact, in byName order. */
  private sorted: Contact[] = [];
  private byNumber = new Map<string, string>();
  private readonly problemsAtLoad: string[] = [];
  private queue: Promise<void> = Promise.resolve();

  /**
   * `file` null: a phonebook for this run only. `readOnly`: another console
   * owns the data folder (main/data-lock.ts); edits are refused with that
   * sentence rather than overwriting its book.
   */
  constructor(
    private readonly file: string | null,
    private readOnly: string | null = null,
  ) {}

  private writable(): void {
    if (this.readOnly) throw new ConsoleError('unavailable', this.readOnly);
  }

  async load(): Promise<void> {
    if (!this.file) return;
    const read = await readJsonList(this.file, 'contacts');
    if (read.kind === 'missing') return;
    if (read.kind === 'unreadable') {
      // Not even a copy can be made of what cannot be read: the next save must not replace it.
      this.readOnly ??= `The phonebook ${this.file} could not be read (${read.message}); it is read-only in this run so that the contacts in it are not lost. Fix or move the file aside, then restart the console.`;
      this.problemsAtLoad.push(`The phonebook ${this.file} could not be read (${read.message}); the console starts with an empty phonebook, read-only in this run so the file is not overwritten.`);
      return;
    }
    const broken = read.problem !== null;
    let bad = 0;
    for (const item of read.items) {
      const parsed = contactSchema.safeParse(item);
      if (parsed.success) this.contacts.set(parsed.data.id, parsed.data);
      else bad += 1;
    }
    this.resort();
    this.reindex();
    if (broken || bad > 0) {
      // Never overwrite what we could not read: keep a copy beside it before the next save replaces it.
      const aside = await keepAside(this.file);
      const what = broken ? 'The phonebook file was not readable JSON' : `${bad} contact(s) in the phonebook file were not readable and were left out`;
      if (aside.ok) {
        this.problemsAtLoad.push(
          broken ? `${what}; it is kept as ${aside.copy} and the console starts with an empty phonebook.` : `${what}; the original is kept as ${aside.copy}.`,
        );
      } else {
        // No copy: a save would replace the only one there is, so the book stays read-only for this run.
        this.readOnly ??= `The phonebook ${this.file} could not be fully read and no copy of it could be made (${aside.error}); it is read-only in this run so that nothing in it is lost. Move the file aside or free some space, then restart the console.`;
        this.problemsAtLoad.push(`${what}, and no copy of the original could be made (${aside.error}); the phonebook is read-only in this run so the file is not overwritten.`);
      }
    }
  }

  problems(): readonly string[] {
    return this.problemsAtLoad;
  }

  get size(): number {
    return this.contacts.size;
  }

  list(): Contact[] {
    return [...this.sorted];
  }

  /**
   * Search as you type: every word must appear in the name or company, or,
   * for something that looks like a number, its digits in one of the numbers.
   */
  search(text: string, limit = 50): { total: number; items: Contact[] } {
    const query = text.trim().toLowerCase();
    const all = this.sorted;
    if (query === '') return { total: all.length, items: all.slice(0, limit) };
    let test: (contact: Contact) => boolean;
    if (looksLikeNumber(query)) {
      const digits = query.replace(/[^0-9]/g, '');
      test = (contact) => contact.numbers.some((entry) => entry.number.replace(/[^0-9]/g, '').includes(digits));
    } else {
      const words = query.split(/\s+/);
      test = (contact) => {
        const hay = `${contact.name} ${contact.company} ${contact.numbers.map((n) => n.label).join(' ')}`.toLowerCase();
        return words.every((word) => hay.includes(word));
      };
    }
    const found = all.filter(test);
    return { total: found.length, items: found.slice(0, limit) };
  }

  /** The contact a caller id belongs to, or null. */
  lookup(number: string): PhonebookMatch | null {
    const key = matchKey(number);
    if (key === '') return null;
    const id = this.byNumber.get(key);
    const contact = id === undefined ? undefined : this.contacts.get(id);
    if (!contact) return null;
    const entry = contact.numbers.find((candidate) => matchKey(candidate.number) === key);
    return { contact, number: entry?.number ?? number, label: entry?.label ?? '' };
  }

  async save(input: ContactInput): Promise<Contact> {
    this.writable();
    if (input.id !== undefined && !this.contacts.has(input.id)) throw new ConsoleError('not_found', 'That contact is no longer in the phonebook.');
    if (input.id === undefined && this.contacts.size >= MAX_CONTACTS) {
      throw new ConsoleError('bad_request', `The phonebook is full (${MAX_CONTACTS} contacts).`);
    }
    const contact: Contact = {
      id: input.id ?? randomUUID(),
      name: input.name,
      company: input.company,
      numbers: dedupeNumbers(input.numbers),
    };
    this.place(contact);
    this.reindex();
    await this.persist();
    return contact;
  }

  async remove(id: string): Promise<void> {
    this.writable();
    const contact = this.contacts.get(id);
    if (!contact) return;
    this.unplace(contact);
    this.contacts.delete(id);
    this.reindex();
    await this.persist();
  }

  /**
   * Adds parsed contacts. One with the same name and company as a contact
   * already kept gains its new numbers instead of becoming a duplicate, so
   * importing the same file twice changes nothing.
   */
  async import(inputs: readonly ContactInput[]): Promise<ImportResult> {
    this.writable();
    const byIdentity = new Map<string, Contact>();
    for (const contact of this.contacts.values()) byIdentity.set(identity(contact), contact);
    let added = 0;
    let updated = 0;
    let skipped = 0;
    const problems: string[] = [];
    for (const input of inputs) {
      const existing = byIdentity.get(identity(input));
      if (existing) {
        const numbers = dedupeNumbers([...existing.numbers, ...input.numbers]);
        if (numbers.length !== existing.numbers.length) {
          const merged = { ...existing, numbers };
          this.contacts.set(existing.id, merged);
          byIdentity.set(identity(merged), merged);
          updated += 1;
        }
        continue;
      }
      if (this.contacts.size >= MAX_CONTACTS) {
        skipped += 1;
        if (problems.length === 0) problems.push(`The phonebook is full (${MAX_CONTACTS} contacts); the rest were left out.`);
        continue;
      }
      const contact: Contact = { id: randomUUID(), name: input.name, company: input.company, numbers: dedupeNumbers(input.numbers) };
      this.contacts.set(contact.id, contact);
      byIdentity.set(identity(contact), contact);
      added += 1;
    }
    // Many contacts at once: one sort beats thousands of moves.
    this.resort();
    this.reindex();
    if (added + updated > 0) await this.persist();
    return { added, updated, skipped, problems };
  }

  /** Puts a new or edited contact where its name sorts, taking out its old version. */
  private place(contact: Contact): void {
    const previous = this.contacts.get(contact.id);
    if (previous) this.unplace(previous);
    this.contacts.set(contact.id, contact);
    this.sorted.splice(lowerBound(this.sorted, contact), 0, contact);
  }

  private unplace(contact: Contact): void {
    const at = lowerBound(this.sorted, contact);
    if (this.sorted[at] === contact) this.sorted.splice(at, 1);
    else this.sorted = this.sorted.filter((other) => other !== contact);
  }

  private resort(): void {
    this.sorted = [...this.contacts.values()].sort(byName);
  }

  private reindex(): void {
    // First contact (by name) wins a number two contacts share: stable across restarts.
    const next = new Map<string, string>();
    for (const contact of this.sorted) {
      for (const entry of contact.numbers) {
        const key = matchKey(entry.number);
        if (key !== '' && !next.has(key)) next.set(key, contact.id);
      }
    }
    this.byNumber = next;
  }

  private async persist(): Promise<void> {
    if (!this.file) return;
    const file = this.file;
    const body: BookFile = { version: 1, contacts: this.sorted };
    const text = `${JSON.stringify(body, null, 1)}\n`;
    // Saves run one after another; each writes the book as it is when its turn comes.
    const write = this.queue.then(() => writeFileAtomically(file, text, 0o600));
    this.queue = write.catch(() => undefined);
    await write;
  }
}

function identity(contact: Pick<Contact, 'name' | 'company'>): string {
  return `${contact.name.trim().toLowerCase()}\u0001${contact.company.trim().toLowerCase()}`;
}

function byName(a: Contact, b: Contact): number {
  return COLLATOR.compare(a.name || a.company, b.name || b.company) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The first index whose contact sorts at or after `contact`. */
function lowerBound(sorted: readonly Contact[], contact: Contact): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (byName(sorted[mid] as Contact, contact) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
