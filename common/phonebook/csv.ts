import type { ContactInput, ContactNumber, ParsedContacts } from './types.js';
import { canonicalNumber } from './normalize.js';

/**
 * Contacts from CSV: RFC 4180 (quoted fields, doubled quotes, line breaks in
 * quotes, CRLF or LF, a UTF-8 BOM), with the delimiter guessed (comma,
 * semicolon — Excel in much of Europe — or tab). Columns are recognised by
 * their header, including Google Contacts (old and new exports) and Outlook;
 * without a header, the first column that looks like text is the name and
 * every column that looks like a phone number is a number.
 */

/** Splits CSV text into rows of fields. */
export function parseCsvRows(text: string, delimiter?: string): string[][] {
  const input = text.replace(/^\uFEFF/, '');
  const sep = delimiter ?? guessDelimiter(input);
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endField = () => {
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
  };
  while (i < input.length) {
    const ch = input[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (input[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        continue;
      }
      field += ch;
      i += 1;
      continue;
    }
    if (ch === '"' && field.trim() === '') {
      // A quote opens a quoted field only at its start (spaces before it are dropped).
      field = '';
      quoted = true;
    } else if (ch === sep) {
      endField();
    } else if (ch === '\r') {
      if (input[i + 1] === '\n') i += 1;
      endRow();
    } else if (ch === '\n') {
      endRow();
    } else {
      field += ch;
    }
    i += 1;
  }
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

/** The delimiter that splits the first lines most consistently. */
export function guessDelimiter(text: string): string {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '').slice(0, 10);
  let best = ',';
  let bestScore = -1;
  for (const candidate of [',', ';', '\t']) {
    const counts = lines.map((line) => countOutsideQuotes(line, candidate));
    const first = counts[0] ?? 0;
    if (first === 0) continue;
    const consistent = counts.filter((count) => count === first).length;
    const score = consistent * 100 + first;
    if (score > bestScore) {
      bestScore = score;
      best = candidate;
    }
  }
  return best;
}

function countOutsideQuotes(line: string, ch: string): number {
  let quoted = false;
  let count = 0;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === ch && !quoted) count += 1;
  }
  return count;
}

type Role =
  | { kind: 'name' }
  | { kind: 'given' }
  | { kind: 'middle' }
  | { kind: 'family' }
  | { kind: 'company' }
  | { kind: 'number'; label: string }
  /** Google's "Phone 1 - Type" / "Phone 1 - Label": the label of the number in the same group. */
  | { kind: 'number-label'; group: string }
  | { kind: 'number-value'; group: string }
  | { kind: 'ignore' };

const norm = (header: string) => header.trim().toLowerCase().replace(/[_\s]+/g, ' ');

function roleOf(header: string): Role {
  const h = norm(header);
  const google = /^phone (\d+) - (type|label|value)$/.exec(h);
  if (google?.[1] && google[2]) return google[2] === 'value' ? { kind: 'number-value', group: google[1] } : { kind: 'number-label', group: google[1] };
  if (['name', 'full name', 'display name', 'contact', 'contact name', 'fn', 'nom', 'naam'].includes(h)) return { kind: 'name' };
  if (['first name', 'given name', 'firstname', 'vorname', 'prénom', 'prenom'].includes(h)) return { kind: 'given' };
  if (['middle name', 'additional name'].includes(h)) return { kind: 'middle' };
  if (['last name', 'family name', 'surname', 'lastname', 'nachname'].includes(h)) return { kind: 'family' };
  if (['company', 'organization', 'organisation', 'organization 1 - name', 'organization name', 'org', 'firma', 'société', 'societe', 'business'].includes(h)) {
    return { kind: 'company' };
  }
  // Outlook: "Business Phone", "Business Phone 2", "Mobile Phone", "Home Phone", "Other Phone", "Company Main Phone"…
  const outlook = /^(business|home|mobile|other|company main|primary|car|assistant's|radio|callback|pager|telex|isdn|tty\/tdd)( phone| fax)?( \d+)?$/.exec(h);
  if (outlook?.[1] && (outlook[2] || ['mobile', 'pager'].includes(outlook[1]))) {
    if (outlook[2] === ' fax') return { kind: 'number', label: 'fax' };
    const label = { business: 'work', 'company main': 'work', primary: 'main' }[outlook[1]] ?? outlook[1].replace(/'s$/, '');
    return { kind: 'number', label };
  }
  if (['phone', 'telephone', 'tel', 'number', 'phone number', 'telefon', 'téléphone', 'telefoon', 'extension', 'ext'].includes(h)) return { kind: 'number', label: '' };
  if (['mobile', 'cell', 'cellphone', 'cell phone', 'mobile number', 'handy', 'portable'].includes(h)) return { kind: 'number', label: 'mobile' };
  if (['work', 'work phone', 'office', 'office phone'].includes(h)) return { kind: 'number', label: 'work' };
  if (['home', 'home phone'].includes(h)) return { kind: 'number', label: 'home' };
  if (['fax', 'business fax', 'home fax'].includes(h)) return { kind: 'number', label: 'fax' };
  return { kind: 'ignore' };
}

const looksLikePhone = (value: string) => /^[\s+()0-9./-]{3,}$/.test(value.trim()) && /[0-9]{2}/.test(value);

function isHeader(row: readonly string[]): boolean {
  const roles = row.map(roleOf);
  const useful = roles.filter((role) => role.kind !== 'ignore').length;
  return useful >= 1 && !row.some(looksLikePhone);
}

/** "Mobile" → "mobile"; Google writes "* Mobile" for the primary number. */
function cleanLabel(label: string): string {
  return label.replace(/^\*\s*/, '').trim().toLowerCase().slice(0, 40);
}

/** Google puts several numbers in one cell: "+1 555 0100 ::: +1 555 0101". */
function splitNumbers(cell: string): string[] {
  return cell
    .split(/\s*:::\s*|\s*\n\s*/)
    .map((part) => part.trim())
    .filter((part) => canonicalNumber(part).replace(/[^0-9]/g, '').length > 0);
}

export function parseContactsCsv(text: string): ParsedContacts {
  const rows = parseCsvRows(text);
  const problems: string[] = [];
  if (rows.length === 0) return { contacts: [], skipped: 0, problems: ['The file has no rows.'] };
  const header = rows[0] as string[];
  const hasHeader = isHeader(header);
  const roles: Role[] = hasHeader ? header.map(roleOf) : guessRoles(rows);
  if (hasHeader && !roles.some((role) => role.kind === 'number' || role.kind === 'number-value')) {
    problems.push('No column of phone numbers was recognised; contacts are imported without numbers.');
  }
  const contacts: ContactInput[] = [];
  let skipped = 0;
  const body = hasHeader ? rows.slice(1) : rows;
  body.forEach((row, index) => {
    const rowNumber = index + (hasHeader ? 2 : 1);
    const parts = { name: '', given: '', middle: '', family: '', company: '' };
    const numbers: ContactNumber[] = [];
    const groupLabels = new Map<string, string>();
    const groupValues = new Map<string, string>();
    roles.forEach((role, column) => {
      const cell = (row[column] ?? '').trim();
      if (cell === '') return;
      switch (role.kind) {
        case 'name':
        case 'given':
        case 'middle':
        case 'family':
        case 'company':
          parts[role.kind] = cell;
          return;
        case 'number':
          for (const number of splitNumbers(cell)) numbers.push({ label: role.label, number });
          return;
        case 'number-label':
          groupLabels.set(role.group, cleanLabel(cell));
          return;
        case 'number-value':
          groupValues.set(role.group, cell);
          return;
        case 'ignore':
          return;
      }
    });
    for (const [group, value] of [...groupValues.entries()].sort(([a], [b]) => Number(a) - Number(b))) {
      for (const number of splitNumbers(value)) numbers.push({ label: groupLabels.get(group) ?? '', number });
    }
    const name = (parts.name || [parts.given, parts.middle, parts.family].filter(Boolean).join(' ')).slice(0, 200);
    const company = parts.company.slice(0, 200);
    if (!name && !company) {
      skipped += 1;
      if (problems.length < 10) problems.push(`Row ${rowNumber}: no name and no company.`);
      return;
    }
    contacts.push({ name, company, numbers: dedupeNumbers(numbers).slice(0, 20) });
  });
  return { contacts, skipped, problems };
}

/** Without a header: numbers are the columns that mostly look like phone numbers; the name is the first other. */
function guessRoles(rows: readonly string[][]): Role[] {
  const width = Math.max(...rows.map((row) => row.length));
  const roles: Role[] = [];
  let named = false;
  for (let column = 0; column < width; column += 1) {
    const cells = rows.map((row) => (row[column] ?? '').trim()).filter((cell) => cell !== '');
    const phoneLike = cells.filter(looksLikePhone).length;
    if (cells.length > 0 && phoneLike >= cells.length / 2) roles.push({ kind: 'number', label: '' });
    else if (!named && cells.length > 0) {
      roles.push({ kind: 'name' });
      named = true;
    } else if (named && roles.filter((role) => role.kind === 'company').length === 0 && cells.length > 0) roles.push({ kind: 'company' });
    else roles.push({ kind: 'ignore' });
  }
  return roles;
}

export function dedupeNumbers(numbers: readonly ContactNumber[]): ContactNumber[] {
  const seen = new Set<string>();
  const out: ContactNumber[] = [];
  for (const entry of numbers) {
    const key = canonicalNumber(entry.number);
    if (key === '' || seen.has(key)) continue;
    seen.add(key);
    out.push({ label: entry.label, number: entry.number.slice(0, 64) });
  }
  return out;
}
