import { TaskDefinitionError } from '../errors.js';
import { loadYaml } from './load-yaml.js';

/** Syntax of a data task file. @internal */
export type TaskFileSyntax = 'json' | 'yaml';

/** Most YAML aliases a file may expand: a task file needs few, a "billion laughs" file needs many. */
const MAX_YAML_ALIASES = 100;

/**
 * Parses the text of a `.task.json` or `.task.yaml` file. A syntax error becomes a {@link TaskDefinitionError} at
 * path `''` whose message gives the line and column. @internal
 */
export function parseTaskFileText(text: string, syntax: TaskFileSyntax, file: string): unknown {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  return syntax === 'json' ? parseJson(source, file) : parseYaml(source, file);
}

/** V8's message for a bad token: the token, then up to 10 characters either side of it (`...` where cut). */
const UNEXPECTED_TOKEN = /^(Unexpected token '.+?'), (\.\.\.)?"(.*)"(\.\.\.)? is not valid JSON$/s;

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = jsonErrorPosition(message, text);
    const reason = message.replace(UNEXPECTED_TOKEN, '$1').replace(/( in JSON)? at position \d+.*$/s, '');
    const where = position === undefined ? '' : ` at ${lineAndColumn(text, position)}`;
    throw syntaxError(`invalid JSON${where}: ${reason}`, file, error);
  }
}

function parseYaml(text: string, file: string): unknown {
  const document = loadYaml().parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [error] = document.errors;
  if (error) {
    const position = error.linePos?.[0];
    const where = position ? ` at line ${position.line}, column ${position.col}` : '';
    const reason = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw syntaxError(`invalid YAML${where}: ${reason}`, file, error);
  }
  try {
    return document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (cause) {
    throw syntaxError(`invalid YAML: ${(cause as Error).message}`, file, cause);
  }
}

function syntaxError(message: string, file: string, cause: unknown): TaskDefinitionError {
  return new TaskDefinitionError([{ path: '', message }], { file, cause });
}

/** Where V8's `JSON.parse` error points: `at position N`, or found from the context it quotes. */
function jsonErrorPosition(message: string, text: string): number | undefined {
  const position = / at position (\d+)/.exec(message)?.[1];
  if (position !== undefined) return Number(position);
  if (/^Unexpected end of JSON input/.test(message)) return text.length;
  const match = UNEXPECTED_TOKEN.exec(message);
  if (!match) return undefined;
  const [, , before, context = '', after] = match;
  const start = text.indexOf(context);
  if (start < 0 || (!before && !after)) return undefined;
  // V8 quotes up to 10 characters on each side of the bad token.
  return before ? start + 10 : start + context.length - 10;
}

function lineAndColumn(text: string, position: number): string {
  const lines = text.slice(0, position).split('\n');
  return `line ${lines.length}, column ${lines.at(-1)!.length + 1}`;
}
