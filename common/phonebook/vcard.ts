import { dedupeNumbers } from './csv.js';
import type { ContactInput, ContactNumber, ParsedContacts } from './types.js';

/**
 * Contacts from vCard files (2.1, 3.0 and 4.0, as phones, Outlook, Google,
 * iCloud and Thunderbird export them): folded lines, property groups
 * (`item1.TEL`), TYPE parameters in all three spellings, backslash escapes,
 * `tel:` URIs, and QUOTED-PRINTABLE values (2.1) with soft line breaks.
 */

interface Property {
  readonly name: string;
  readonly params: ReadonlyMap<string, string[]>;
  readonly value: string;
}

/** Joins folded lines: a line starting with a space or tab continues the previous one. */
function unfold(text: string): string[] {
  const raw = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const lines: string[] = [];
  for (let i = 0; i < raw.length; i += 1) {
    let line = raw[i] as string;
    if ((line.startsWith(' ') || line.startsWith('\t')) && lines.length > 0) {
      lines[lines.length - 1] += line.slice(1);
      continue;
    }
    // vCard 2.1 quoted-printable: a line ending in "=" continues on the next, verbatim.
    while (/;[^:]*ENCODING=QUOTED-PRINTABLE[^:]*:/i.test(line) && line.endsWith('=') && i + 1 < raw.length) {
      i += 1;
      line = line.slice(0, -1) + (raw[i] as string).replace(/^[ \t]/, '');
    }
    lines.push(line);
  }
  return lines;
}

/** Splits on `sep` where it is not escaped with a backslash, and unescapes. */
function splitEscaped(value: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i += 1) {
    const ch = value[i] as string;
    if (ch === '\\' && i + 1 < value.length) {
      const next = value[i + 1] as string;
      current += next === 'n' || next === 'N' ? '\n' : next;
      i += 1;
    } else if (ch === sep) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

const unescape = (value: string) => splitEscaped(value, '\u0000')[0] ?? '';

function decodeQuotedPrintable(value: string, charset: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i += 1) {
    const ch = value[i] as string;
    if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(ch.charCodeAt(0) & 0xff);
    }
  }
  try {
    return new TextDecoder(charset || 'utf-8').decode(new Uint8Array(bytes));
  } catch {
    return new TextDecoder('utf-8').decode(new Uint8Array(bytes));
  }
}

function parseLine(line: string): Property | null {
  // The first colon outside a quoted parameter value ends name and parameters.
  let quoted = false;
  let colon = -1;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === ':' && !quoted) {
      colon = i;
      break;
    }
  }
  if (colon <= 0) return null;
  const head = line.slice(0, colon);
  let value = line.slice(colon + 1);
  const segments = head.split(';');
  const fullName = (segments.shift() ?? '').toUpperCase();
  const name = fullName.includes('.') ? fullName.slice(fullName.lastIndexOf('.') + 1) : fullName;
  const params = new Map<string, string[]>();
  for (const segment of segments) {
    const eq = segment.indexOf('=');
    // vCard 2.1 writes bare types: TEL;CELL;VOICE:…
    const key = eq < 0 ? 'TYPE' : segment.slice(0, eq).toUpperCase();
    const raw = eq < 0 ? segment : segment.slice(eq + 1);
    const values = raw
      .replace(/^"|"$/g, '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
    params.set(key, [...(params.get(key) ?? []), ...values]);
  }
  const encoding = params.get('ENCODING')?.[0]?.toUpperCase();
  if (encoding === 'QUOTED-PRINTABLE') value = decodeQuotedPrintable(value, params.get('CHARSET')?.[0] ?? 'utf-8');
  return { name, params, value };
}

const TEL_LABELS: Record<string, string> = {
  CELL: 'mobile',
  MOBILE: 'mobile',
  IPHONE: 'mobile',
  WORK: 'work',
  HOME: 'home',
  FAX: 'fax',
  PAGER: 'pager',
  MAIN: 'main',
  OTHER: 'other',
};

function telLabel(params: ReadonlyMap<string, string[]>): string {
  const types = (params.get('TYPE') ?? []).map((type) => type.toUpperCase());
  const labels = types.map((type) => TEL_LABELS[type]).filter((label): label is string => Boolean(label));
  // "work" + "fax" is a work fax: fax wins, it is what a receptionist must not dial.
  if (labels.includes('fax')) return 'fax';
  return labels.find((label) => label === 'mobile') ?? labels[0] ?? '';
}

export function parseVcards(text: string): ParsedContacts {
  const contacts: ContactInput[] = [];
  const problems: string[] = [];
  let skipped = 0;
  let card: Property[] | null = null;
  let cardIndex = 0;
  for (const line of unfold(text)) {
    if (line.trim() === '') continue;
    const upper = line.trim().toUpperCase();
    if (upper === 'BEGIN:VCARD') {
      card = [];
      cardIndex += 1;
      continue;
    }
    if (upper === 'END:VCARD') {
      if (card) {
        const contact = contactOf(card);
        if (contact) contacts.push(contact);
        else {
          skipped += 1;
          if (problems.length < 10) problems.push(`Card ${cardIndex}: no name and no company.`);
        }
      }
      card = null;
      continue;
    }
    if (!card) continue;
    const property = parseLine(line);
    if (property) card.push(property);
  }
  if (cardIndex === 0) problems.push('No BEGIN:VCARD found: is this a vCard file?');
  return { contacts, skipped, problems };
}

function contactOf(card: readonly Property[]): ContactInput | null {
  const first = (name: string) => card.find((property) => property.name === name);
  let name = unescape(first('FN')?.value ?? '').trim();
  if (!name) {
    const n = first('N');
    if (n) {
      const [family = '', given = '', additional = '', prefix = '', suffix = ''] = splitEscaped(n.value, ';');
      name = [prefix, given, additional, family, suffix].map((part) => part.trim()).filter(Boolean).join(' ');
    }
  }
  const org = first('ORG');
  const company = org ? (splitEscaped(org.value, ';')[0] ?? '').trim() : '';
  const numbers: ContactNumber[] = card
    .filter((property) => property.name === 'TEL')
    .map((property) => ({ label: telLabel(property.params), number: unescape(property.value).replace(/^tel:/i, '').split(';')[0]?.trim() ?? '' }))
    .filter((entry) => entry.number !== '');
  if (!name && !company) return null;
  return { name: name.slice(0, 200), company: company.slice(0, 200), numbers: dedupeNumbers(numbers).slice(0, 20) };
}
