import { parseArgs } from 'node:util';
import { closestName } from './closest-name.js';
import { UsageError } from './usage-error.js';

/** One flag a command accepts, as `node:util` `parseArgs` describes it. @internal */
export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
}

/** The flags of a command, by long name. @internal */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** What a command line parses into: flag values by name, and the positional arguments. @internal */
export interface ParsedCommandLine<F extends FlagSpecs> {
  values: { [Name in keyof F]?: F[Name]['type'] extends 'boolean' ? boolean : string };
  positionals: string[];
}

const KEY_FLAG = /^--?api[-_]?key(=|$)/i;

/**
 * Parses a command's arguments strictly with `node:util` `parseArgs` and turns its errors into {@link UsageError}s
 * that name the command and suggest the closest known flag. An `--api-key` flag is refused with the reason (keys on
 * a command line end up in shell history), without ever echoing its value.
 * @internal
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
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: flags as Record<string, FlagSpec>,
      strict: true,
      allowPositionals: true,
    });
    return { values: values as ParsedCommandLine<F>['values'], positionals };
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
