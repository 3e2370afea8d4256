import { describeIssues, profileInputSchema, RECONNECT_MAX_MS, type ProfileInput, type ProfileSummary } from '../../../../common/contract.js';

/**
 * The connection form as the receptionist fills it in, and its check against
 * the same schema main applies (so the form says what is wrong before any
 * request is sent). An empty password while editing keeps the stored one.
 */
export interface ConnectionDraft {
  id: string | null;
  name: string;
  baseUrl: string;
  username: string;
  password: string;
  app: string;
  subscribeAll: boolean;
  /** Advanced: the longest wait between reconnect attempts, in ms as typed; empty: the default. */
  reconnectMaxMs: string;
  /**
   * The edited profile's CA file (https with a private CA), which the form
   * does not show: carried as it is, since a save without it removes it and
   * the next connect then fails on the PBX's certificate.
   */
  caFile: string | null;
}

export function connectionDraft(profile: ProfileSummary | null): ConnectionDraft {
  return {
    id: profile?.id ?? null,
    name: profile?.name ?? 'Office PBX',
    baseUrl: profile?.baseUrl ?? 'http://',
    username: profile?.username ?? 'console',
    password: '',
    app: profile?.app ?? 'console',
    subscribeAll: profile?.subscribeAll ?? true,
    reconnectMaxMs: profile?.reconnectMaxMs == null ? '' : String(profile.reconnectMaxMs),
    caFile: profile?.caFile ?? null,
  };
}

export function draftToInput(draft: ConnectionDraft): { ok: true; input: ProfileInput } | { ok: false; error: string } {
  if (draft.id === null && draft.password === '') return { ok: false, error: 'Enter the ARI password (the one in ari.conf).' };
  const cap = draft.reconnectMaxMs.trim();
  const reconnectMaxMs = Number(cap);
  if (cap !== '' && (!/^\d+$/.test(cap) || reconnectMaxMs < RECONNECT_MAX_MS.min || reconnectMaxMs > RECONNECT_MAX_MS.max)) {
    return { ok: false, error: `Longest wait between reconnect attempts: a whole number of milliseconds from ${RECONNECT_MAX_MS.min} to ${RECONNECT_MAX_MS.max}, or empty for the default.` };
  }
  const candidate = {
    ...(draft.id ? { id: draft.id } : {}),
    name: draft.name,
    baseUrl: draft.baseUrl.trim(),
    username: draft.username.trim(),
    ...(draft.password !== '' ? { password: draft.password } : {}),
    app: draft.app.trim(),
    subscribeAll: draft.subscribeAll,
    ...(cap === '' ? {} : { reconnectMaxMs }),
    ...(draft.caFile === null ? {} : { caFile: draft.caFile }),
  };
  const parsed = profileInputSchema.safeParse(candidate);
  return parsed.success ? { ok: true, input: parsed.data } : { ok: false, error: describeIssues(parsed.error) };
}

/** The question put when main cannot encrypt a password, word for word. */
export const PLAINTEXT_QUESTION = 'Store the password unencrypted on this computer?';

/** What the person answered: in the profiles file unencrypted, in memory for this run, or not saved at all. */
export type PlaintextAnswer = 'plaintext' | 'this-run' | 'cancel';

/**
 * Saves a profile. Where main refuses because the computer's keychain cannot
 * encrypt the password (`keychain_unavailable`, its message says why), the
 * person is asked then, with that reason, and the save is sent again with the
 * answer. Null: they cancelled, and nothing was saved.
 */
export async function saveWithConsent(
  save: (input: ProfileInput) => Promise<ProfileSummary>,
  input: ProfileInput,
  ask: (reason: string) => Promise<PlaintextAnswer>,
): Promise<ProfileSummary | null> {
  try {
    return await save(input);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'keychain_unavailable') throw error;
    const answer = await ask((error as Error).message);
    if (answer === 'cancel') return null;
    return save({ ...input, allowPlaintext: answer === 'plaintext' });
  }
}

export const NOT_SAVED = 'Not saved: the password was neither stored unencrypted nor kept for this run.';

/**
 * The connections panel shows one form at a time, and opening another (Edit,
 * New profile) replaces it while a save of the previous one may still be
 * pending, on the plaintext question or on main. `open()` marks each new form;
 * `ticket()`, taken when a save starts, says later whether its form is still
 * the one shown.
 */
export function connectionForms(): { open(): void; ticket(): () => boolean } {
  let opened = 0;
  return {
    open: () => {
      opened += 1;
    },
    ticket: () => {
      const mine = opened;
      return () => mine === opened;
    },
  };
}

/** A form's save, and where what it has to say goes. */
export type FormSave =
  | { readonly kind: 'saved'; readonly profile: ProfileSummary }
  /** To write on the form: it is still the one shown. */
  | { readonly kind: 'form-error'; readonly message: string }
  /**
   * Its form was replaced meanwhile: nothing may land on the next one. A
   * failure is still told (`message`, for a notification); a cancel is not
   * (opening another profile is what cancelled it).
   */
  | { readonly kind: 'form-gone'; readonly message: string | null };

export async function saveFromForm(
  save: (input: ProfileInput) => Promise<ProfileSummary>,
  input: ProfileInput,
  ask: (reason: string) => Promise<PlaintextAnswer>,
  stillOpen: () => boolean,
): Promise<FormSave> {
  try {
    const saved = await saveWithConsent(save, input, ask);
    if (saved) return { kind: 'saved', profile: saved };
    return stillOpen() ? { kind: 'form-error', message: NOT_SAVED } : { kind: 'form-gone', message: null };
  } catch (error) {
    const message = (error as Error).message;
    return stillOpen() ? { kind: 'form-error', message } : { kind: 'form-gone', message: `Could not save “${input.name}”: ${message}` };
  }
}
