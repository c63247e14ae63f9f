import type { CommandEntry } from './command.js';

/** Every command, in the order the help lists them. @internal */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'classify',
    summary: 'classify a text into one of the given labels (several with --multi)',
    load: async () => (await import('./commands/classify.js')).classifyCommand,
  },
  {
    name: 'extract',
    summary: 'extract JSON valid against a JSON Schema from a text',
    load: async () => (await import('./commands/extract.js')).extractCommand,
  },
  {
    name: 'summarize',
    summary: 'summarize a text as bullet points or a paragraph',
    load: async () => (await import('./commands/summarize.js')).summarizeCommand,
  },
  {
    name: 'run',
    summary: 'run a task over a JSONL file (progress, resumable output, spend cap, Batch API)',
    load: async () => (await import('./commands/run.js')).runCommand,
  },
  {
    name: 'preview',
    summary: 'show the exact request, its tokens and cost (no network, no key); --input totals a file',
    load: async () => (await import('./commands/preview.js')).previewCommand,
  },
  {
    name: 'eval',
    summary: 'score a task against labelled data (accuracy, per-label F1, confusion matrix, cost)',
    load: async () => (await import('./commands/eval.js')).evalCommand,
  },
  {
    name: 'check',
    summary: 'validate task files (every problem with file, JSON path and message)',
    load: async () => (await import('./commands/check.js')).checkCommand,
  },
];
