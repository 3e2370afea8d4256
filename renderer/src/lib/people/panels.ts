import type { PanelSpec } from '../panels.js';
import ConnectionsPanel from './ConnectionsPanel.svelte';
import HistoryPanel from './HistoryPanel.svelte';
import PhonebookPanel from './PhonebookPanel.svelte';
import PresencePanel from './PresencePanel.svelte';
import { ringingPeople } from './people.js';

/** The people panels, appended to the console's tab list (panels.ts). */
export const PEOPLE_PANELS: readonly PanelSpec[] = [
  {
    id: 'presence',
    label: 'People',
    component: PresencePanel,
    // How many phones ring right now: what a receptionist glances at.
    badge: ({ model }) => {
      if (!model) return null;
      const ringing = ringingPeople(model);
      return ringing > 0 ? `${ringing} ringing` : null;
    },
  },
  { id: 'phonebook', label: 'Phonebook', component: PhonebookPanel },
  { id: 'history', label: 'History', component: HistoryPanel },
  { id: 'connections', label: 'Connections', component: ConnectionsPanel },
];
