import type { FlagSpecs } from '../parse-command-line.js';
import { CLIENT_FLAGS, HELP_FLAGS } from '../parse-common-flags.js';

/** Flags shared by `classify`, `extract` and `summarize`. @internal */
export const ONE_OFF_FLAGS = {
  ...HELP_FLAGS,
  ...CLIENT_FLAGS,
  file: { type: 'string', short: 'f' },
  json: { type: 'boolean' },
  instructions: { type: 'string' },
} as const satisfies FlagSpecs;

/** Help lines of {@link ONE_OFF_FLAGS} (the connection flags are described separately). @internal */
export const ONE_OFF_FLAGS_HELP = `Input (exactly one):
  TEXT               the text itself, as one (quoted) argument
  -f, --file PATH    read the text from a file
  -                  read the text from stdin (also --file -)

Output:
  --json             print the value as one line of JSON
  --instructions T   extra instructions for the model
  -h, --help         show this help
`;
