import { HISTORY_STATUSES, type HistoryRecord, type HistoryStatus } from '../../common/history/types.js';

export const DAY = 86_400_000;
export const T0 = Date.UTC(2026, 0, 1);

/** Call `i` for the tests: starts `i` minutes after T0, with a spread of statuses, parties, transfers and park slots. */
export function historyRecord(i: number, overrides: Partial<HistoryRecord> = {}): HistoryRecord {
  const status: HistoryStatus = HISTORY_STATUSES[i % HISTORY_STATUSES.length] as HistoryStatus;
  const startedAt = T0 + i * 60_000;
  const answered = status === 'answered';
  return {
    id: `office:${1_700_000_000 + i}.${i}`,
    profileId: 'office',
    channelId: `${1_700_000_000 + i}.${i}`,
    channelName: `PJSIP/${100 + (i % 50)}-${i.toString(16).padStart(8, '0')}`,
    direction: i % 3 === 0 ? 'outbound' : 'inbound',
    caller: { name: i % 7 === 0 ? 'Alice Example' : `Caller ${i}`, number: `+4420794${String(i).padStart(5, '0')}` },
    callerName: '',
    connected: { name: '', number: String(100 + (i % 50)) },
    startedAt,
    answeredAt: answered ? startedAt + 5_000 : null,
    endedAt: startedAt + 65_000,
    ringMs: answered ? 5_000 : 65_000,
    talkMs: answered ? 60_000 : 0,
    totalMs: 65_000,
    status,
    cause: answered ? 16 : 19,
    causeText: answered ? 'Normal Clearing' : 'No answer',
    transfers: i % 11 === 0 ? [{ kind: 'blind', target: 'PJSIP/104', status: 'completed', reason: 'answered', at: startedAt + 30_000 }] : [],
    parkedIn: i % 13 === 0 ? [701] : [],
    approximate: false,
    ...overrides,
  };
}
