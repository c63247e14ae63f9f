#!/usr/bin/env node
import { main } from './main.js';

// A reader that went away (`qwen-tasks preview … | head -1`) ends the command quietly with exit code 0, as the
// reader asked for no more; without a listener the EPIPE would print a stack trace. On stderr it is ignored, so that
// a run whose log reader went away goes on. See docs/cli.md (Exit codes).
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
process.stderr.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

process.exitCode = await main(process.argv.slice(2));
