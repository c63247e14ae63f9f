import { formatCount, formatUsd } from '../format-number.js';
import { renderTable } from '../render-table.js';
import type { EvalReport } from './build-eval-report.js';

const MISMATCHES_SHOWN = 10;

/**
 * The plain-text view of an evaluation: the headline numbers, the per-label table, the confusion matrix (rows
 * expected, columns predicted), tokens, cost, latency, and the first few wrong items — as aligned tables.
 * @internal
 */
export function renderEvalText(report: EvalReport): string {
  const parts: string[] = [];
  parts.push(
    renderTable([
      ['task', `${report.task} (format ${report.format}${report.multi ? ', multi-label' : ''})`],
      ['data', `${report.data} (${formatCount(report.total)} items)`],
      [
        'accuracy',
        `${score(report.accuracy)} (${formatCount(report.correct)}/${formatCount(report.total)} exact match)`,
      ],
      ...(report.macroF1 === undefined ? [] : [['macro-F1', score(report.macroF1)]]),
      ...(report.failed === 0
        ? []
        : [['failed', `${formatCount(report.failed)} item${report.failed === 1 ? '' : 's'} (scored as wrong)`]]),
    ]),
  );
  if (report.labels !== undefined && report.labels.length > 0) {
    parts.push(
      renderTable(
        [
          ['label', 'precision', 'recall', 'f1', 'support'],
          ...report.labels.map((label) => [
            label.label,
            score(label.precision),
            score(label.recall),
            score(label.f1),
            formatCount(label.support),
          ]),
        ],
        ['left', 'right', 'right', 'right', 'right'],
      ),
    );
  }
  if (report.matrix !== undefined && report.matrix.rows.length > 0) {
    const { rows, columns, counts } = report.matrix;
    const title = report.multi
      ? 'label co-occurrence (rows: expected, columns: predicted)'
      : 'confusion matrix (rows: expected, columns: predicted)';
    parts.push(
      `${title}\n${renderTable(
        [['', ...columns], ...rows.map((row, index) => [row, ...(counts[index] ?? []).map(formatCount)])],
        ['left', ...columns.map(() => 'right' as const)],
      )}`,
    );
  }
  const { usage, latencyMs } = report;
  parts.push(
    renderTable([
      [
        'tokens',
        `${formatCount(usage.totalTokens)} (${formatCount(usage.promptTokens)} prompt, ${formatCount(usage.completionTokens)} completion, ${formatCount(usage.requests)} requests)`,
      ],
      ['cost', `${formatUsd(report.costUsd)} (estimated)`],
      [
        'latency',
        `p50 ${milliseconds(latencyMs.p50)}, p90 ${milliseconds(latencyMs.p90)}, p99 ${milliseconds(latencyMs.p99)}`,
      ],
    ]),
  );
  if (report.mismatches.length > 0) {
    const shown = report.mismatches.slice(0, MISMATCHES_SHOWN);
    const wrong = report.total - report.correct;
    parts.push(
      `wrong (first ${shown.length} of ${formatCount(wrong)})\n${renderTable([
        ['line', 'expected', 'predicted', 'text'],
        ...shown.map((item) => [
          String(item.line),
          compact(item.expected),
          item.error === undefined ? compact(item.predicted) : `${item.error.name}`,
          clip(item.text, 60),
        ]),
      ])}`,
    );
  }
  return parts.join('\n');
}

function score(value: number): string {
  return value.toFixed(3);
}

function milliseconds(value: number): string {
  return `${formatCount(Math.round(value))} ms`;
}

function compact(value: unknown): string {
  return clip(typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined'), 40);
}

function clip(text: string, length: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= length ? line : `${line.slice(0, length - 1)}…`;
}
