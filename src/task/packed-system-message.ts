import {
  buildPackedUserMessage,
  buildSystemMessage,
  estimateTokens,
  packedItemCode,
  packedLabelInstruction,
} from '../prompt/index.js';
import { labelFormat } from './formats/label-format.js';
import type { Task } from './types.js';

/** The system message of a packed request, with its estimated tokens. @internal */
export interface PackedSystemMessage {
  system: string;
  systemTokens: number;
}

const systems = new WeakMap<Task<unknown>, PackedSystemMessage>();

/**
 * The system message of a packed label request for a task, built once per task: the task's instructions, the
 * packed label instruction (one `ID: label` line per text), and the task's examples shown as one small pack
 * (`Text: A …\nB …` / `Reply: A: …\nB: …`), so the model sees the exact shape it must write. It never depends
 * on the items or their number, so it is the same for every pack (and cacheable by the provider), and it differs
 * from the task's one-item system message. @internal
 */
export function packedSystemMessage(task: Task<unknown>): PackedSystemMessage {
  const cached = systems.get(task);
  if (cached) return cached;
  const examples = task.examples;
  const system = buildSystemMessage({
    ...(task.instructions === undefined ? {} : { instructions: task.instructions }),
    format: packedLabelInstruction({
      labels: task.labels ?? [],
      multi: task.multi,
      ...(task.labelDescriptions ? { descriptions: task.labelDescriptions } : {}),
    }),
    examples:
      examples.length === 0
        ? []
        : [
            {
              input: buildPackedUserMessage(examples.map((example) => example.input)),
              output: examples
                .map((example, index) => `${packedItemCode(index)}: ${labelFormat.renderExample(example.output, task)}`)
                .join('\n'),
            },
          ],
  });
  const result = { system, systemTokens: estimateTokens(system) };
  systems.set(task, result);
  return result;
}
