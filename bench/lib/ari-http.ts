/**
 * A tiny fetch-based ARI client for the bench's own traffic: driving calls,
 * polling for the PBX, listing channels to compare with the model. Not the
 * console's REST path (that one is measured), so it stays out of the way:
 * no swagger load, no retries.
 */
import { basicAuthHeader } from '../../main/engine/event-socket.js';

export interface AriTarget {
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
}

export class AriHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class AriHttp {
  private readonly auth: string;

  constructor(readonly target: AriTarget) {
    this.auth = basicAuthHeader(target.username, target.password);
  }

  url(path: string, query: Record<string, string | number | undefined> = {}): string {
    const url = new URL(`${this.target.baseUrl.replace(/\/+$/, '')}/ari/${path.replace(/^\/+/, '')}`);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
    return url.toString();
  }

  async request<T = unknown>(method: string, path: string, query: Record<string, string | number | undefined> = {}, timeoutMs = 10_000): Promise<T> {
    const response = await fetch(this.url(path, query), {
      method,
      headers: { Authorization: this.auth },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (!response.ok) throw new AriHttpError(response.status, `${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T = unknown>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    return this.request<T>('GET', path, query);
  }

  post<T = unknown>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    return this.request<T>('POST', path, query);
  }

  /** DELETE, where "already gone" (404) counts as done, as on any teardown. */
  async remove(path: string, query: Record<string, string | number | undefined> = {}): Promise<void> {
    try {
      await this.request('DELETE', path, query);
    } catch (error) {
      if (!(error instanceof AriHttpError && error.status === 404)) throw error;
    }
  }

  /** True when GET /asterisk/info answers 200 within `timeoutMs`. */
  async answers(timeoutMs = 1000): Promise<boolean> {
    try {
      const response = await fetch(this.url('asterisk/info'), { headers: { Authorization: this.auth }, signal: AbortSignal.timeout(timeoutMs) });
      await response.arrayBuffer();
      return response.ok;
    } catch {
      return false;
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitUntil(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string, stepMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}
