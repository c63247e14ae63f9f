/**
 * Completing a JSON text that was cut off (`finish_reason: "length"`, or a reply that simply stops): the
 * incomplete last member dropped, an unterminated string ended, open brackets closed. See
 * `docs/output-repair.md#cut-off-replies`.
 * @module
 */
import { closersFor, JsonScanner } from './scan.js';

/** Where the reading is inside an object: before a key, after a key, or in (or after) a value. */
type MemberPhase = 'key' | 'colon' | 'value';

interface OpenLevel {
  opener: '{' | '[';
  /** Where the current member starts (at its comma, or just after `{`): the cut point if it is incomplete. */
  memberStart: number;
  phase: MemberPhase;
}

/** What may follow the last complete member when the next one is cut off before its value. */
const DANGLING_MEMBER = /^[\s,]*(?:"(?:[^"\\]|\\.)*"?|'[^']*'?|[\w$-]+)?\s*:?\s*$/;

/**
 * Completes a cut-off JSON text: drops a last member that has no value yet (`{"a": 1, "b":` → `{"a": 1}`), ends an
 * unterminated string (`{"a": "` → `{"a": ""}`), drops a trailing comma and closes the open brackets. Text whose
 * brackets balance is returned unchanged.
 */
export function trimTruncatedJson(text: string): string {
  const levels: OpenLevel[] = [];
  let unterminatedStart: number | undefined;
  let commentStart: number | undefined;
  const scanner = new JsonScanner(text);
  while (scanner.next()) {
    const { character, start: index } = scanner;
    const level = levels.at(-1);
    if (scanner.kind === 'string') {
      if (level?.opener === '{' && level.phase === 'colon') {
        level.phase = 'value';
      }
      unterminatedStart = !scanner.closed && scanner.end >= text.length && character === '"' ? index : undefined;
      continue;
    }
    if (scanner.kind === 'comment') {
      commentStart = scanner.end >= text.length && text.indexOf('*/', index) < 0 ? index : undefined;
      continue;
    }
    if (!/\s/.test(character)) {
      commentStart = undefined;
    }
    if (character === '{' || character === '[') {
      if (level?.opener === '{') {
        level.phase = 'value';
      }
      levels.push({ opener: character, memberStart: index + 1, phase: 'key' });
    } else if (character === '}' || character === ']') {
      levels.pop();
    } else if (level?.opener === '{') {
      if (character === ',') {
        level.memberStart = index;
        level.phase = 'key';
      } else if (character === ':' && level.phase === 'key') {
        level.phase = 'colon';
      } else if (level.phase === 'colon' && !/\s/.test(character)) {
        level.phase = 'value';
      }
    }
  }
  if (levels.length === 0) {
    return text;
  }
  let body = commentStart === undefined ? text : text.slice(0, commentStart);
  const innermost = levels.at(-1);
  if (innermost?.opener === '{' && innermost.phase !== 'value') {
    if (DANGLING_MEMBER.test(body.slice(innermost.memberStart))) {
      body = body.slice(0, innermost.memberStart);
    }
  } else if (unterminatedStart !== undefined) {
    body = endString(body, unterminatedStart, levels);
  }
  return body.replace(/,\s*$/, '') + closersFor(levels.map((level) => level.opener));
}

/**
 * Ends an unterminated string: drops a swallowed fence marker and a half-written escape; closing brackets at its
 * very end that close the open levels in order (innermost first) are read as those brackets, not as text.
 */
function endString(text: string, start: number, levels: OpenLevel[]): string {
  let content = text.slice(start + 1).replace(/`{3,}\s*$/, '');
  const partialEscape = /(\\+)(u[0-9a-fA-F]{0,3})?$/.exec(content);
  if (partialEscape !== null && (partialEscape[1] ?? '').length % 2 === 1) {
    content = content.slice(0, content.length - (partialEscape[2] ?? '').length - 1);
  }
  const trailing = /[\s}\]]*$/.exec(content)?.[0].replace(/\s+/g, '') ?? '';
  const expected = closersFor(levels.slice(-trailing.length).map((level) => level.opener));
  if (trailing === '' || trailing.length > levels.length || trailing !== expected) {
    return `${text.slice(0, start + 1)}${content}"`;
  }
  levels.length -= trailing.length;
  return `${text.slice(0, start + 1)}${content.replace(/[\s}\]]*$/, '')}"${trailing}`;
}
