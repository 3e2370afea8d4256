import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { guessDelimiter, parseContactsCsv, parseCsvRows } from '../../common/phonebook/csv.js';
import { canonicalNumber, looksLikeNumber, matchKey } from '../../common/phonebook/normalize.js';
import { contactLabel, type Contact } from '../../common/phonebook/types.js';
import { parseVcards } from '../../common/phonebook/vcard.js';
import { ConsoleError } from '../../common/errors.js';
import { PhonebookStore } from '../../main/phonebook/store.js';

describe('phone numbers', () => {
  it('canonicalizes international, 00 and (0) forms', () => {
    expect(canonicalNumber('+44 (0)20 7946-0018')).toBe('+442079460018');
    expect(canonicalNumber('0044 20 7946 0018')).toBe('+442079460018');
    expect(canonicalNumber('tel:+1-555-0100')).toBe('+15550100');
    expect(canonicalNumber('020 7946 0018')).toBe('02079460018');
  });

  it('matches the same line across formats, and short extensions exactly', () => {
    expect(matchKey('+44 20 7946 0018')).toBe(matchKey('020 7946 0018'));
    expect(matchKey('0044207946 0018')).toBe(matchKey('+442079460018'));
    expect(matchKey('101')).toBe('101');
    expect(matchKey('101')).not.toBe(matchKey('1101'));
    expect(matchKey('no digits')).toBe('');
  });

  it('tells numbers from names in a search box', () => {
    expect(looksLikeNumber('020 7946')).toBe(true);
    expect(looksLikeNumber('+44 (20)')).toBe(true);
    expect(looksLikeNumber('alice')).toBe(false);
    expect(looksLikeNumber('1')).toBe(false);
    expect(looksLikeNumber('room 101')).toBe(false);
  });
});

describe('CSV contacts', () => {
  it('splits RFC 4180 rows: quotes, doubled quotes, line breaks in quotes, CRLF, BOM', () => {
    expect(parseCsvRows('\uFEFFa,"b,c","say ""hi"""\r\n"multi\nline",x,\r\n')).toEqual([
      ['a', 'b,c', 'say "hi"'],
      ['multi\nline', 'x', ''],
    ]);
  });

  it('guesses comma, semicolon (European Excel) and tab', () => {
    expect(guessDelimiter('Name;Phone\nAlice;101\n')).toBe(';');
    expect(guessDelimiter('Name\tPhone\nAlice\t101\n')).toBe('\t');
    expect(guessDelimiter('Name,Phone\n"Smith; Jr",101\n')).toBe(',');
  });

  it('reads a simple header, several numbers per row, and says what it skipped', () => {
    const parsed = parseContactsCsv('Name,Company,Phone,Mobile\nAlice Example,ACME,+44 20 7946 0018,07700 900123\n,,555\nBob,,101,\n');
    expect(parsed.contacts).toEqual([
      { name: 'Alice Example', company: 'ACME', numbers: [{ label: '', number: '+44 20 7946 0018' }, { label: 'mobile', number: '07700 900123' }] },
      { name: 'Bob', company: '', numbers: [{ label: '', number: '101' }] },
    ]);
    expect(parsed.skipped).toBe(1);
    expect(parsed.problems).toEqual(['Row 3: no name and no company.']);
  });

  it('reads Google Contacts (grouped phone columns, ::: lists) and Outlook exports', () => {
    const google = parseContactsCsv(
      'Given Name,Family Name,Organization 1 - Name,Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,Phone 2 - Value\n' +
        'Carol,Jones,Initech,* Mobile,+1 555 0100 ::: +1 555 0101,Work,+1 555 0199\n',
    );
    expect(google.contacts[0]).toEqual({
      name: 'Carol Jones',
      company: 'Initech',
      numbers: [
        { label: 'mobile', number: '+1 555 0100' },
        { label: 'mobile', number: '+1 555 0101' },
        { label: 'work', number: '+1 555 0199' },
      ],
    });
    const outlook = parseContactsCsv('First Name,Last Name,Company,Business Phone,Business Fax,Mobile Phone\nDan,Brown,Globex,020 1234 5678,020 1234 5679,\n');
    expect(outlook.contacts[0]?.numbers).toEqual([
      { label: 'work', number: '020 1234 5678' },
      { label: 'fax', number: '020 1234 5679' },
    ]);
  });

  it('without a header, takes phone-like columns as numbers and the first other as the name', () => {
    const parsed = parseContactsCsv('Reception;100\nWarehouse;+44 20 7946 0101\n');
    expect(parsed.contacts.map((c) => [c.name, c.numbers.map((n) => n.number)])).toEqual([
      ['Reception', ['100']],
      ['Warehouse', ['+44 20 7946 0101']],
    ]);
  });

  it('warns when no column holds numbers, and drops duplicate numbers', () => {
    expect(parseContactsCsv('Name,Email\nAlice,a@example.com\n').problems[0]).toMatch(/No column of phone numbers/);
    expect(parseContactsCsv('Name,Phone,Work\nAlice,+44 20 7946 0018,+44 20 7946 0018\n').contacts[0]?.numbers).toHaveLength(1);
    expect(parseContactsCsv('').problems).toEqual(['The file has no rows.']);
  });
});

describe('vCard contacts', () => {
  it('reads 3.0 and 4.0 cards: groups, TYPE spellings, tel: URIs, escapes, folded lines', () => {
    const text = [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:Alice Example',
      'ORG:ACME\\, Inc.;Sales',
      'item1.TEL;TYPE=CELL:+44 7700 900123',
      'TEL;TYPE="work,voice":+44 20 7946',
      ' 0018',
      'TEL;TYPE=WORK,FAX:+44 20 7946 0019',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:4.0',
      'N:Brown;Dan;;Dr.;',
      'TEL;VALUE=uri;TYPE=home:tel:+1-555-0100;ext=5',
      'END:VCARD',
    ].join('\r\n');
    const parsed = parseVcards(text);
    expect(parsed.contacts).toEqual([
      {
        name: 'Alice Example',
        company: 'ACME, Inc.',
        numbers: [
          { label: 'mobile', number: '+44 7700 900123' },
          { label: 'work', number: '+44 20 79460018' },
          { label: 'fax', number: '+44 20 7946 0019' },
        ],
      },
      { name: 'Dr. Dan Brown', company: '', numbers: [{ label: 'home', number: '+1-555-0100' }] },
    ]);
  });

  it('reads 2.1 quoted-printable names and bare types, and skips nameless cards with a reason', () => {
    const text = [
      'BEGIN:VCARD',
      'VERSION:2.1',
      'N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen;;;',
      'TEL;CELL;VOICE:0171 234567',
      'END:VCARD',
      'BEGIN:VCARD',
      'TEL:101',
      'END:VCARD',
    ].join('\n');
    const parsed = parseVcards(text);
    expect(parsed.contacts).toEqual([{ name: 'Jürgen Müller', company: '', numbers: [{ label: 'mobile', number: '0171 234567' }] }]);
    expect(parsed.skipped).toBe(1);
    expect(parsed.problems).toEqual(['Card 2: no name and no company.']);
  });

  it('says so when the file is not a vCard at all', () => {
    expect(parseVcards('Name,Phone\nAlice,101').problems).toEqual(['No BEGIN:VCARD found: is this a vCard file?']);
  });
});

describe('the phonebook store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phonebook-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps contacts across a restart, written atomically, and finds callers by any number format', async () => {
    const file = join(dir, 'phonebook.json');
    const book = new PhonebookStore(file);
    await book.load();
    const alice = await book.save({ name: 'Alice Example', company: 'ACME', numbers: [{ label: 'work', number: '+44 20 7946 0018' }] });
    await book.save({ name: '', company: 'Front desk', numbers: [{ label: '', number: '101' }] });
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    const again = new PhonebookStore(file);
    await again.load();
    expect(again.size).toBe(2);
    expect(again.lookup('020 7946 0018')).toEqual({ contact: alice, number: '+44 20 7946 0018', label: 'work' });
    expect(again.lookup('0044 20 7946 0018')?.contact.id).toBe(alice.id);
    expect(again.lookup('101')?.contact.company).toBe('Front desk');
    expect(again.lookup('1101')).toBeNull();
    expect(again.lookup('anonymous')).toBeNull();
    expect(contactLabel(alice)).toBe('Alice Example (ACME)');
  });

  it('searches as you type by name, company, label or digits', async () => {
    const book = new PhonebookStore(null);
    await book.import(parseContactsCsv('Name,Company,Phone\nAlice Example,ACME,+44 20 7946 0018\nAlan Smith,Globex,101\nBob,ACME,102\n').contacts);
    expect(book.search('al').items.map((c) => c.name)).toEqual(['Alan Smith', 'Alice Example']);
    expect(book.search('acme bob').items.map((c) => c.name)).toEqual(['Bob']);
    expect(book.search('7946 00').items.map((c) => c.name)).toEqual(['Alice Example']);
    expect(book.search('').total).toBe(3);
    expect(book.search('', 2).items).toHaveLength(2);
  });

  it('imports the same file twice without duplicates, merging new numbers', async () => {
    const book = new PhonebookStore(join(dir, 'book.json'));
    await book.load();
    const csv = 'Name,Phone\nAlice,101\nBob,102\n';
    expect(await book.import(parseContactsCsv(csv).contacts)).toEqual({ added: 2, updated: 0, skipped: 0, problems: [] });
    expect(await book.import(parseContactsCsv(csv).contacts)).toEqual({ added: 0, updated: 0, skipped: 0, problems: [] });
    expect(await book.import(parseContactsCsv('Name,Mobile\nalice,07700 900123\n').contacts)).toEqual({ added: 0, updated: 1, skipped: 0, problems: [] });
    expect(book.search('alice').items[0]?.numbers.map((n) => n.number)).toEqual(['101', '07700 900123']);
  });

  it('edits and removes, and refuses to edit a contact that is gone', async () => {
    const book = new PhonebookStore(join(dir, 'book.json'));
    await book.load();
    const alice = await book.save({ name: 'Alice', company: '', numbers: [{ label: '', number: '101' }] });
    await book.save({ id: alice.id, name: 'Alice B', company: '', numbers: [{ label: '', number: '103' }] });
    expect(book.lookup('101')).toBeNull();
    expect(book.lookup('103')?.contact.name).toBe('Alice B');
    await book.remove(alice.id);
    expect(book.size).toBe(0);
    const error = await book.save({ id: alice.id, name: 'Ghost', company: '', numbers: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsoleError);
    expect((error as ConsoleError).code).toBe('not_found');
  });

  it('keeps an unreadable file aside instead of overwriting it, and says so', async () => {
    const file = join(dir, 'phonebook.json');
    await writeFile(file, '{"contacts": [ {"id": "x"');
    const book = new PhonebookStore(file);
    await book.load();
    expect(book.size).toBe(0);
    expect(book.problems()[0]).toMatch(/not readable JSON; it is kept as .*unreadable-/);
    const backups = (await readdir(dir)).filter((name) => name.includes('.unreadable-'));
    expect(backups).toHaveLength(1);
    expect(await readFile(join(dir, backups[0] as string), 'utf8')).toBe('{"contacts": [ {"id": "x"');
  });

  it('names no copy when the copy aside failed, says so plainly, and then refuses to overwrite the only one', async () => {
    const file = join(dir, 'phonebook.json');
    const original = JSON.stringify({ version: 1, contacts: [{ id: 'a', name: 'Alice', company: '', numbers: [] }, { id: 'b', name: 42 }] });
    await writeFile(file, original);
    // The copy's name is taken (by a folder): the copy cannot be made, as on a full disk or a read-only folder.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-04T05:06:07.890Z'));
    const taken = `${file}.unreadable-2026-03-04T05-06-07-890Z`;
    await mkdir(taken);
    const book = new PhonebookStore(file);
    try {
      await book.load();
    } finally {
      vi.useRealTimers();
    }
    expect(book.list().map((c) => c.name)).toEqual(['Alice']);
    const [problem] = book.problems();
    expect(problem).toMatch(/^1 contact\(s\) in the phonebook file were not readable and were left out, and no copy of the original could be made \(.+\); the phonebook is read-only in this run/);
    expect(problem).not.toContain('kept as');
    expect(problem).not.toContain(taken);
    await expect(book.save({ name: 'Bob', company: '', numbers: [{ label: '', number: '102' }] })).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('no copy of it could be made') });
    expect(await readFile(file, 'utf8')).toBe(original);
    expect((await readdir(dir)).filter((name) => name.includes('.unreadable-'))).toEqual([taken.slice(dir.length + 1)]);
  });

  it('refuses every change for the run when the file is there but cannot be read at all, saying how to recover', async () => {
    // A folder in the file's place: reading fails outright, so no copy of it can be made either.
    const file = join(dir, 'phonebook.json');
    await mkdir(file);
    await writeFile(join(file, 'inside'), 'kept');
    const book = new PhonebookStore(file);
    await book.load();
    expect(book.problems()[0]).toMatch(/could not be read \(.+\); the console starts with an empty phonebook, read-only in this run/);
    const refused = { code: 'unavailable', message: expect.stringMatching(/could not be read .*Fix or move the file aside, then restart the console\.$/) };
    await expect(book.save({ name: 'Bob', company: '', numbers: [{ label: '', number: '102' }] })).rejects.toMatchObject(refused);
    await expect(book.import(parseContactsCsv('Name,Phone\nCarol,103\n').contacts)).rejects.toMatchObject(refused);
    await expect(book.remove('a')).rejects.toMatchObject(refused);
    expect(book.size).toBe(0);
    expect(await readFile(join(file, 'inside'), 'utf8')).toBe('kept');
  });

  it('keeps the readable contacts of a partly damaged file', async () => {
    const file = join(dir, 'phonebook.json');
    await writeFile(file, JSON.stringify({ version: 1, contacts: [{ id: 'a', name: 'Alice', company: '', numbers: [] }, { id: 'b', name: 42 }] }));
    const book = new PhonebookStore(file);
    await book.load();
    expect(book.list().map((c) => c.name)).toEqual(['Alice']);
    expect(book.problems()[0]).toMatch(/1 contact\(s\) .* were not readable/);
  });
  it('keeps contacts in name order as a person reads it, moving an edited one without sorting the book again', async () => {
    const book = new PhonebookStore(null);
    await book.import(parseContactsCsv('Name,Phone\nRoom 10,110\nbob,102\nÉmile,103\nRoom 2,112\nAlice,101\nFrank,104\n').contacts);
    // Case and accents do not split the list; numbers in names count as numbers.
    expect(book.list().map((c) => c.name)).toEqual(['Alice', 'bob', 'Émile', 'Frank', 'Room 2', 'Room 10']);
    const sort = vi.spyOn(Array.prototype, 'sort');
    try {
      const bob = book.search('bob').items[0] as Contact;
      await book.save({ id: bob.id, name: 'Zoe', company: '', numbers: bob.numbers });
      await book.save({ name: 'Carol', company: '', numbers: [{ label: '', number: '105' }] });
      const frank = book.search('frank').items[0] as Contact;
      await book.remove(frank.id);
      expect(book.search('').items.map((c) => c.name)).toEqual(['Alice', 'Carol', 'Émile', 'Room 2', 'Room 10', 'Zoe']);
      expect(book.search('o').items.map((c) => c.name)).toEqual(['Carol', 'Room 2', 'Room 10', 'Zoe']);
      expect(sort).not.toHaveBeenCalled();
    } finally {
      sort.mockRestore();
    }
    expect(book.lookup('102')?.contact.name).toBe('Zoe');
    expect(book.lookup('104')).toBeNull();
  });

  it('leaves no temporary file behind when a save cannot be written, and keeps the old book', async () => {
    // A folder where the book should be: the temporary file is written, the rename over it fails.
    const file = join(dir, 'phonebook.json');
    await mkdir(file);
    const book = new PhonebookStore(file);
    const error = await book.save({ name: 'Alice', company: '', numbers: [{ label: '', number: '101' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(await readdir(dir)).toEqual(['phonebook.json']);
  });
});
