// First: configures zod before any module builds a schema.
import './lib/zod-config.js';
import { mount } from 'svelte';
import { createConsoleClient } from '../../common/client.js';
import App from './App.svelte';
import { createConsoleStore, type ConsoleController } from './lib/console-store.js';
import { scheduleFrame } from './lib/frame.js';
import { createScheduler } from './lib/scheduler.js';
import { chooseTransport } from './lib/transport.js';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

const choice = chooseTransport();

if (choice.kind === 'no-token') {
  // No way to reach main: still mount, to say what to do.
  mount(App, {
    target,
    props: { controller: null, problem: 'This page needs the address the console host printed when it started (the one ending in #token=…).' },
  });
} else {
  const client = createConsoleClient(choice.transport);
  const controller: ConsoleController = createConsoleStore({ client, schedule: createScheduler(scheduleFrame) });
  if (choice.kind === 'host') {
    const transport = choice.transport;
    controller.setHostLink(transport.link);
    // Every (re)open may follow missed events: the store lists everything again.
    transport.onLink((link) => {
      controller.setHostLink(link);
      if (link.state === 'open') void controller.resync();
    });
    void controller.start({ resync: false });
  } else {
    void controller.start();
  }
  mount(App, { target, props: { controller, client } });
}
