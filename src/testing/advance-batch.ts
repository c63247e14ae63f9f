import { answerBatchLine, type BatchInputLine } from './answer-batch-line.js';
import type { BatchObject, StoredBatch } from './batch-store.js';
import { isRecord } from './is-record.js';
import type { MockState } from './mock-state.js';

/**
 * @internal Moves a batch one step on, as one poll of the real service might see it:
 * `validating → in_progress` (or `failed` when a line is not a request), `in_progress → finalizing` (every line is
 * answered), `finalizing → completed` (output and error files appear), `cancelling → cancelled`.
 */
export async function advanceBatch(state: MockState, stored: StoredBatch): Promise<void> {
  const batch = stored.batch;
  const time = Math.floor(state.now() / 1000);
  switch (batch.status) {
    case 'validating':
      return validate(state, batch, time);
    case 'in_progress': {
      const results = { output: [] as string[], errors: [] as string[] };
      const lines = readInput(state, batch).lines;
      for (const [lineNumber, line] of lines.entries()) {
        const result = await answerBatchLine(state, line, lineNumber);
        (result.failed ? results.errors : results.output).push(result.line);
      }
      stored.results = results;
      batch.request_counts = { total: lines.length, completed: results.output.length, failed: results.errors.length };
      batch.status = 'finalizing';
      batch.finalizing_at = time;
      return;
    }
    case 'finalizing': {
      const { output, errors } = stored.results ?? { output: [], errors: [] };
      if (output.length > 0) batch.output_file_id = publish(state, batch, 'output', output, time);
      if (errors.length > 0) batch.error_file_id = publish(state, batch, 'error', errors, time);
      delete stored.results;
      batch.status = 'completed';
      batch.completed_at = time;
      return;
    }
    case 'cancelling':
      batch.status = 'cancelled';
      batch.cancelled_at = time;
      return;
    default:
      return;
  }
}

function validate(state: MockState, batch: BatchObject, time: number): void {
  const { lines, problems } = readInput(state, batch);
  if (problems.length > 0) {
    batch.status = 'failed';
    batch.failed_at = time;
    batch.errors = { object: 'list', data: problems };
    return;
  }
  batch.status = 'in_progress';
  batch.in_progress_at = time;
  batch.request_counts = { total: lines.length, completed: 0, failed: 0 };
}

function readInput(state: MockState, batch: BatchObject) {
  const content = state.batches.files.get(batch.input_file_id)?.content ?? '';
  const lines: BatchInputLine[] = [];
  const problems: { code: string; message: string; line: number }[] = [];
  const seen = new Set<string>();
  for (const [position, text] of content.split(/\r?\n/).entries()) {
    if (text.trim() === '') continue;
    const line = parseLine(text);
    if (line === undefined) {
      problems.push({
        code: 'invalid_json_line',
        message: 'The line is not a JSON object with custom_id and body.',
        line: position + 1,
      });
    } else if (seen.has(line.custom_id)) {
      problems.push({
        code: 'duplicate_custom_id',
        message: `custom_id '${line.custom_id}' is used twice.`,
        line: position + 1,
      });
    } else {
      seen.add(line.custom_id);
      lines.push(line);
    }
  }
  if (lines.length === 0 && problems.length === 0) {
    problems.push({ code: 'empty_file', message: 'The input file has no requests.', line: 0 });
  }
  return { lines, problems };
}

function parseLine(text: string): BatchInputLine | undefined {
  try {
    const line: unknown = JSON.parse(text);
    if (!isRecord(line) || typeof line.custom_id !== 'string' || !isRecord(line.body)) return undefined;
    return { custom_id: line.custom_id, url: line.url, body: line.body };
  } catch {
    return undefined;
  }
}

function publish(
  state: MockState,
  batch: BatchObject,
  kind: 'output' | 'error',
  lines: string[],
  time: number,
): string {
  const content = `${lines.join('\n')}\n`;
  return state.batches.addFile(`${batch.id}_${kind}.jsonl`, `batch_${kind}`, content, time, `file-batch_${kind}`).id;
}
