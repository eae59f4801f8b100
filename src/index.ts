/** The action's entry point (bundled into dist/index.js, which action.yml runs). */
import { run } from './main.js';

// run() reports its own failures on the step; nothing is left to catch here.
void run();
