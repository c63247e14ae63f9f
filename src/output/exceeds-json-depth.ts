import { skipQuotedString } from './skip-quoted-string.js';

/**
 * Deepest nesting the pipeline accepts. Parsing is iterative, but coercion and validation walk values
 * recursively; a reply nested deeper than this is reported as an issue instead of risking the stack.
 */
export const MAX_JSON_DEPTH = 512;

/** Whether brackets outside strings nest deeper than `maxDepth`. One linear scan, no recursion. @internal */
export function exceedsJsonDepth(text: string, maxDepth: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let index = 0;
  while (index < text.length) {
    const afterString = skipQuotedString(text, index);
    if (afterString !== undefined) {
      index = afterString;
      continue;
    }
    const character = text[index];
    if (character === '{' || character === '[') {
      depth++;
      if (depth > maxDepth) {
        return true;
      }
    } else if ((character === '}' || character === ']') && depth > 0) {
      depth--;
    }
    index++;
  }
  return false;
}
