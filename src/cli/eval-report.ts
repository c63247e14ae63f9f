/**
 * The two views of an evaluation report: aligned plain-text tables for the terminal, and a self-contained HTML page
 * with the confusion matrix as a heat map. See docs/cli.md.
 * @module
 */
import type { EvalReport } from './eval-score.js';
import { formatCount, formatUsd } from './io.js';

const MISMATCHES_SHOWN = 10;

/**
 * The plain-text view of an evaluation: the headline numbers, the per-label table, the confusion matrix (rows
 * expected, columns predicted), tokens, cost, latency, and the first few wrong items — as aligned tables.
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

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;margin:2rem auto;max-width:72rem;padding:0 1rem}
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:2rem 0 .5rem}
.muted{color:#59636e}.headline{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.stat{border:1px solid #d1d9e0;border-radius:6px;padding:.5rem .9rem;min-width:8rem}
.stat b{display:block;font-size:1.3rem}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #d1d9e0;padding:.3rem .6rem;text-align:right}
th{background:#f6f8fa}td.text,th.text{text-align:left}
table.matrix td{min-width:3.5rem;text-align:center}table.matrix td.hit{font-weight:700;outline:2px solid #1f2328;outline-offset:-2px}
td.wrap{text-align:left;max-width:32rem;white-space:pre-wrap;word-break:break-word}
`;

/**
 * A self-contained HTML page for an evaluation (inline CSS, no scripts): headline numbers, per-label table, the
 * confusion matrix as a row-normalised heat map, and the first wrong items; every value from the data is escaped.
 */
export function renderReport(report: EvalReport, generatedAt: Date = new Date()): string {
  const sections = [headline(report), labelTable(report), matrixTable(report), mismatchTable(report)].filter(Boolean);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`Evaluation of ${report.task}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Evaluation of ${escapeHtml(report.task)}</h1>
<p class="muted">${escapeHtml(report.data)} · ${formatCount(report.total)} items · format ${escapeHtml(report.format)}${report.multi ? ', multi-label' : ''} · ${escapeHtml(generatedAt.toISOString())}</p>
${sections.join('\n')}
</body>
</html>
`;
}

function headline(report: EvalReport): string {
  const stats: [string, string][] = [
    ['accuracy', `${percent(report.accuracy)}`],
    ...(report.macroF1 === undefined ? [] : ([['macro-F1', report.macroF1.toFixed(3)]] as [string, string][])),
    ['correct', `${formatCount(report.correct)} / ${formatCount(report.total)}`],
    ['failed', formatCount(report.failed)],
    ['tokens', formatCount(report.usage.totalTokens)],
    ['cost', formatUsd(report.costUsd)],
    [
      'latency p50 / p90 / p99',
      [report.latencyMs.p50, report.latencyMs.p90, report.latencyMs.p99].map(milliseconds).join(' / '),
    ],
  ];
  const cells = stats.map(
    ([name, value]) =>
      `<div class="stat"><span class="muted">${escapeHtml(name)}</span><b>${escapeHtml(value)}</b></div>`,
  );
  return `<div class="headline">${cells.join('')}</div>`;
}

function labelTable(report: EvalReport): string {
  if (report.labels === undefined || report.labels.length === 0) return '';
  const rows = report.labels.map(
    (label) =>
      `<tr><td class="text">${escapeHtml(label.label)}</td><td>${label.precision.toFixed(3)}</td><td>${label.recall.toFixed(3)}</td><td>${label.f1.toFixed(3)}</td><td>${formatCount(label.support)}</td></tr>`,
  );
  return `<h2>Per label</h2>
<table class="labels"><thead><tr><th class="text">label</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>`;
}

function matrixTable(report: EvalReport): string {
  const matrix = report.matrix;
  if (matrix === undefined || matrix.rows.length === 0) return '';
  const header = matrix.columns.map((column) => `<th>${escapeHtml(column)}</th>`).join('');
  const rows = matrix.rows.map((row, rowIndex) => {
    const counts = matrix.counts[rowIndex] ?? [];
    const total = counts.reduce((sum, count) => sum + count, 0);
    const cells = counts.map((count, columnIndex) => {
      const share = total === 0 ? 0 : count / total;
      const title = `expected ${row}, predicted ${matrix.columns[columnIndex] ?? ''}: ${count} (${percent(share)} of the row)`;
      const hit = matrix.columns[columnIndex] === row ? ' class="hit"' : '';
      return `<td${hit} style="${heat(share)}" title="${escapeHtml(title)}">${count}</td>`;
    });
    return `<tr><th class="text">${escapeHtml(row)}</th>${cells.join('')}</tr>`;
  });
  const title = report.multi ? 'Label co-occurrence' : 'Confusion matrix';
  return `<h2>${title}</h2>
<p class="muted">Rows: expected label; columns: predicted label. Colour: share of the row; outlined: correct.</p>
<table class="matrix"><thead><tr><th class="text">expected \\ predicted</th>${header}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>`;
}

function mismatchTable(report: EvalReport): string {
  if (report.mismatches.length === 0) return '';
  const rows = report.mismatches.map((item) => {
    const predicted = item.error === undefined ? show(item.predicted) : `${item.error.name}: ${item.error.message}`;
    return `<tr><td>${item.line}</td><td class="wrap">${escapeHtml(show(item.expected))}</td><td class="wrap">${escapeHtml(predicted)}</td><td class="wrap">${escapeHtml(item.text)}</td></tr>`;
  });
  return `<h2>Wrong items (first ${report.mismatches.length})</h2>
<table class="mismatches"><thead><tr><th>line</th><th class="text">expected</th><th class="text">predicted</th><th class="text">text</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>`;
}

/** Background by share (0–1): white to deep blue; white text once the cell is dark. */
function heat(share: number): string {
  const alpha = Math.round(share * 100) / 100;
  return `background:rgba(9,105,218,${alpha});color:${alpha > 0.55 ? '#fff' : '#1f2328'}`;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value, null, 1) ?? 'undefined');
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ENTITIES[character] ?? character);
}

/** How a column of {@link renderTable} is aligned. */
type ColumnAlignment = 'left' | 'right';

/**
 * Lays rows of cells out as an aligned plain-text table: columns padded to their widest cell and separated by two
 * spaces; the first row is the header. Columns are left-aligned unless `alignments` says otherwise.
 */
function renderTable(rows: readonly (readonly string[])[], alignments: readonly ColumnAlignment[] = []): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, [...cell].length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, column) => {
          const padding = ' '.repeat((widths[column] ?? 0) - [...cell].length);
          return alignments[column] === 'right' ? padding + cell : cell + padding;
        })
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}
