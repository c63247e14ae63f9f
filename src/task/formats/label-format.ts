import { parseLabelReply, parseLabelsReply } from '../../output/index.js';
import { labelInstruction } from '../../prompt/index.js';
import { contentOf, type FormatStrategy } from './format-strategy.js';

/** `label` format: one label (or several with `multi`) out of a fixed set. @internal */
export const labelFormat: FormatStrategy = {
  instruction: (task) =>
    labelInstruction({
      labels: task.labels ?? [],
      multi: task.multi,
      ...(task.labelDescriptions ? { descriptions: task.labelDescriptions } : {}),
    }),
  request: () => ({}),
  renderExample: (output, task) => (task.multi ? JSON.stringify(output) : String(output)),
  createParser(task) {
    const labels = task.labels ?? [];
    return task.multi ? (reply) => parseLabelsReply(reply, labels) : (reply) => parseLabelReply(reply, labels);
  },
  replyText: contentOf,
};
