import { createContext } from 'svelte';
import type { ConsoleController } from './console-store.js';

/** Components reach the controller (actions) through context, and state through props. */
export const [getController, setController] = createContext<ConsoleController>();
