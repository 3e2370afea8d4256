import { z } from 'zod';

/** A phonebook entry: a person or a place, with the numbers to reach them. */
export const contactNumberSchema = z
  .object({
    /** "mobile", "work", "home", "fax", "other"… as the source said it. */
    label: z.string().trim().max(40),
    number: z.string().trim().min(1).max(64),
  })
  .strict();

export const contactInputSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]{1,64}$/).optional(),
    name: z.string().trim().max(200),
    company: z.string().trim().max(200),
    numbers: z.array(contactNumberSchema).max(20),
  })
  .strict()
  .refine((contact) => contact.name !== '' || contact.company !== '', { message: 'a contact needs a name or a company' });

export const contactSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    company: z.string(),
    numbers: z.array(contactNumberSchema),
  })
  .strict();

export type ContactNumber = z.output<typeof contactNumberSchema>;
export type ContactInput = z.output<typeof contactInputSchema>;
export type Contact = z.output<typeof contactSchema>;

/** What a parser made of a file: the contacts, and why the rest was left out. */
export interface ParsedContacts {
  readonly contacts: ContactInput[];
  readonly skipped: number;
  /** A few lines a person can act on ("row 12: no name and no number"). */
  readonly problems: string[];
}

/** How a contact is shown where there is room for one line. */
export function contactLabel(contact: Pick<Contact, 'name' | 'company'>): string {
  if (contact.name && contact.company) return `${contact.name} (${contact.company})`;
  return contact.name || contact.company;
}
