import { parseLinesReply } from '../../output/index.js';
import { linesInstruction } from '../../prompt/index.js';
import { contentOf, type FormatStrategy } from './format-strategy.js';

/** `lines` format: bullet points, at most `maxItems`. @internal */
export const linesFormat: FormatStrategy = {
  instruction: (task) => linesInstruction(task.maxItems === undefined ? {} : { maxItems: task.maxItems }),
  request: () => ({}),
  renderExample: (output) =>
    Array.isArray(output) ? output.map((line) => `- ${String(line)}`).join('\n') : String(output),
  createParser(task) {
    const options = task.maxItems === undefined ? {} : { maxItems: task.maxItems };
    return (reply) => parseLinesReply(reply, options);
  },
  replyText: contentOf,
};
