/**
 * What every `qwen-tasks` command is made of: its flags, declared once with their type and description (both the
 * strict parsing and the `--help` text come from that declaration), the usage error, the exit codes and the process
 * streams. Kept free of the task, batch and client machinery so that `qwen-tasks --help` starts fast.
 * See docs/cli.md.
 * @module
 */
import { parseArgs } from 'node:util';
import type { ClientOptions, Provider, Region } from '../client/types.js';

/** Where the CLI writes: a stream's `write`, and whether it is a terminal. */
export interface CliOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
  /** Terminal width, when it is one. */
  readonly columns?: number | undefined;
}

/** The process streams and environment a command works with (injectable for in-process tests). */
export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  stdin: NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
}

/** The real process streams and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

/** Exit codes of the `qwen-tasks` command line, the same for every command. */
export const EXIT_CODES = Object.freeze({
  /** Everything worked. */
  ok: 0,
  /** Items failed, a check failed, or an evaluation fell below its minimum. */
  failed: 1,
  /** Usage or configuration error: bad flags, missing key, unreadable or invalid task file. */
  usage: 2,
  /** Stopped by Ctrl-C (128 + SIGINT). */
  interrupted: 130,
});

/** A mistake in how the command line was used: printed as one line pointing to the command's help, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  /** The command whose `--help` the message points to, when there is one. */
  readonly command: string | undefined;

  constructor(message: string, options?: { command?: string | undefined; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.command = options?.command;
  }
}

/** How a flag is parsed, as `node:util` `parseArgs` describes it. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
}

/** The flags of a command line, by long name. */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** One flag of a command, declared once: how it parses and what `--help` says of it. */
export interface Flag extends FlagSpec {
  /** The placeholder of its value in the help, e.g. `PATH` (string flags). */
  value?: string;
  description: string;
}

/** The declared flags of a command, by long name. */
export type Flags = Readonly<Record<string, Flag>>;

/** Flag values as parsed: a string or a boolean by the flag's type, absent when not given. */
export type FlagValues<F extends FlagSpecs> = {
  [Name in keyof F]?: (F[Name]['type'] extends 'boolean' ? boolean : string) | undefined;
};

/** What a command line parses into: flag values by name, and the positional arguments. */
export interface ParsedCommandLine<F extends FlagSpecs> {
  values: FlagValues<F>;
  positionals: string[];
}

const KEY_FLAG = /^--?api[-_]?key(=|$)/i;

/**
 * Parses a command's arguments strictly; errors become {@link UsageError}s naming the command and the closest known
 * flag. `--api-key` is refused with the reason (shell history), without echoing its value.
 */
export function parseCommandLine<const F extends FlagSpecs>(
  command: string,
  args: readonly string[],
  flags: F,
): ParsedCommandLine<F> {
  for (const argument of args) {
    if (argument === '--') break;
    if (KEY_FLAG.test(argument)) {
      throw new UsageError(
        'there is no --api-key flag: keys on the command line leak into shell history; set QWEN_TASKS_API_KEY (with QWEN_TASKS_BASE_URL), DASHSCOPE_API_KEY or SEGMIND_API_KEY in the environment',
        { command },
      );
    }
  }
  const options: Record<string, FlagSpec> = {};
  for (const [name, { type, short }] of Object.entries(flags)) {
    options[name] = short === undefined ? { type } : { type, short };
  }
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
    return { values: values as FlagValues<F>, positionals };
  } catch (error) {
    throw toUsageError(command, error, Object.keys(flags));
  }
}

function toUsageError(command: string, error: unknown, names: readonly string[]): UsageError {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = quoted.split('=')[0] ?? quoted;
    const suggestion = closestName(flag.replace(/^-+/, ''), names);
    const hint = suggestion === undefined ? '' : ` (did you mean --${suggestion}?)`;
    return new UsageError(`unknown option ${flag}${hint}`, { command, cause: error });
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /--[\w-]+/.exec(quoted)?.[0] ?? quoted;
    const takesValue = message.includes('argument missing');
    const reason = takesValue ? 'needs a value' : 'does not take a value';
    return new UsageError(`option ${flag} ${reason}`, { command, cause: error });
  }
  return new UsageError(message, { command, cause: error });
}

/**
 * The candidate closest to `name` by edit distance when it is a likely typo (at most a third of its length and at
 * most 3 edits); `undefined` otherwise.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  return bestDistance <= allowed ? best : undefined;
}

/** Levenshtein distance with one rolling row. */
function editDistance(left: string, right: string): number {
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let row = 1; row <= left.length; row++) {
    const current = [row];
    for (let column = 1; column <= right.length; column++) {
      const substitution = previous[column - 1]! + (left[row - 1] === right[column - 1] ? 0 : 1);
      current.push(Math.min(previous[column]! + 1, current[column - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length]!;
}

/** One `qwen-tasks` command, as the top level runs it. */
export interface Command {
  /** What the user types, e.g. `classify`. */
  name: string;
  /** The full `--help` text, with an example. */
  help: string;
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** A group of lines in a command's `--help`: positional arguments first, then the named flags. */
export interface HelpSection<Name extends string = string> {
  title: string;
  /** Positional arguments and what they mean, e.g. `TEXT`. */
  arguments?: Readonly<Record<string, string>>;
  flags: readonly Name[];
}

/** A command declared once: {@link defineCommand} derives its parsing and its `--help` text. */
export interface CommandDefinition<F extends Flags> {
  name: string;
  /** The usage line after `qwen-tasks`, e.g. `check [PATH ...] [--json]`. */
  usage: string;
  /** What the command does, shown under the usage line. */
  about: string;
  /** Every flag the command accepts; `help` included. */
  flags: F;
  /** The flags grouped for `--help`; each flag in one section. */
  sections: readonly HelpSection<keyof F & string>[];
  /** Text after the flags, e.g. how Ctrl-C works. */
  notes?: string;
  /** Example command lines, each starting with `qwen-tasks`. */
  examples: readonly string[];
  /** Does the work once the arguments parsed and `--help` was not asked for (`args` as given); the exit code. */
  run(values: FlagValues<F>, positionals: string[], io: CliIo, args: readonly string[]): Promise<number>;
}

/** `--help`/`-h`, accepted by every command. */
export const HELP_FLAGS = {
  help: { type: 'boolean', short: 'h', description: 'show this help' },
} as const satisfies Flags;

/** A command whose parsing and `--help` both come from one declaration of its flags. */
export function defineCommand<const F extends Flags & typeof HELP_FLAGS>(definition: CommandDefinition<F>): Command {
  const help = renderHelp(definition);
  return {
    name: definition.name,
    help,
    async run(args, io) {
      const { values, positionals } = parseCommandLine(definition.name, args, definition.flags);
      if (values.help) {
        io.stdout.write(help);
        return EXIT_CODES.ok;
      }
      return definition.run(values, positionals, io, args);
    },
  };
}

function renderHelp<F extends Flags>(definition: CommandDefinition<F>): string {
  const rows = definition.sections.map((section) => [
    ...Object.entries(section.arguments ?? {}),
    ...section.flags.map((name): [string, string] => [
      flagTerm(name, definition.flags[name]!),
      definition.flags[name]!.description,
    ]),
  ]);
  const width = Math.max(...rows.flat().map(([term]) => term.length));
  const sections = definition.sections.map(
    (section, index) =>
      `${section.title}:\n${rows[index]!.map(([term, description]) => `  ${term.padEnd(width)}  ${description}\n`).join('')}`,
  );
  const notes = definition.notes === undefined ? [] : [`${definition.notes.trimEnd()}\n`];
  const examples = definition.examples.map((example) => `  ${example}\n`).join('');
  return [
    `Usage: qwen-tasks ${definition.usage}\n`,
    `${definition.about.trimEnd()}\n`,
    ...sections,
    ...notes,
    `Example${definition.examples.length === 1 ? '' : 's'}:\n${examples}`,
  ].join('\n');
}

function flagTerm(name: string, flag: Flag): string {
  const short = flag.short === undefined ? '' : `-${flag.short}, `;
  return `${short}--${name}${flag.value === undefined ? '' : ` ${flag.value}`}`;
}

/** Flags that choose the provider and model; the API key comes from the environment only (never a flag). */
export const CLIENT_FLAGS = {
  provider: {
    type: 'string',
    value: 'NAME',
    description: 'dashscope | segmind | openai-compatible (default: from the environment)',
  },
  'base-url': {
    type: 'string',
    value: 'URL',
    description: 'an OpenAI-compatible base URL (e.g. a local vLLM or Ollama serving Qwen3)',
  },
  model: { type: 'string', value: 'NAME', description: 'model name (default qwen-flash; qwen-flash-us for region us)' },
  region: { type: 'string', value: 'NAME', description: 'DashScope region: intl | us | cn | hk' },
  'timeout-ms': { type: 'string', value: 'N', description: 'per-attempt HTTP timeout in milliseconds' },
} as const satisfies Flags;

/** The `--help` section of {@link CLIENT_FLAGS}. */
export const CLIENT_SECTION = {
  title: 'Connection (the API key comes from the environment only)',
  flags: ['provider', 'base-url', 'model', 'region', 'timeout-ms'],
} as const satisfies HelpSection<keyof typeof CLIENT_FLAGS>;

const PROVIDERS: readonly Provider[] = ['dashscope', 'segmind', 'openai-compatible'];
const REGIONS: readonly Region[] = ['intl', 'us', 'cn', 'hk'];

/**
 * Client options from the connection flags, checked; anything not given falls back to the environment variables
 * the library reads (`QWEN_TASKS_*`, `DASHSCOPE_*`, `SEGMIND_API_KEY`).
 */
export function parseCommonFlags(values: FlagValues<typeof CLIENT_FLAGS>, command: string): ClientOptions {
  const options: ClientOptions = {};
  if (values.provider !== undefined) options.provider = oneOf(values.provider, PROVIDERS, '--provider', command);
  if (values.region !== undefined) options.region = oneOf(values.region, REGIONS, '--region', command);
  if (values['base-url'] !== undefined) {
    if (!URL.canParse(values['base-url']))
      throw new UsageError(`--base-url is not a valid URL: ${values['base-url']}`, { command });
    options.baseURL = values['base-url'];
  }
  if (values.model !== undefined) options.model = values.model;
  if (values['timeout-ms'] !== undefined) {
    options.timeoutMs = parsePositiveNumber(values['timeout-ms'], '--timeout-ms', command);
  }
  return options;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string, command: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got "${value}"`, { command });
}

/** A number greater than zero, from a flag value. */
export function parsePositiveNumber(value: string, flag: string, command: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) {
    throw new UsageError(`${flag} must be a positive number, got "${value}"`, { command });
  }
  return number;
}

/** A whole number of at least 1, from a flag value. */
export function parseWholeNumber(value: string, flag: string, command: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || number < 1) {
    throw new UsageError(`${flag} must be a whole number of at least 1, got "${value}"`, { command });
  }
  return number;
}
