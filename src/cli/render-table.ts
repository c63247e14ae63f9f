/** How a column of {@link renderTable} is aligned. @internal */
export type ColumnAlignment = 'left' | 'right';

/**
 * Lays rows of cells out as an aligned plain-text table: columns padded to their widest cell and separated by two
 * spaces; the first row is the header. Columns are left-aligned unless `alignments` says otherwise.
 * @internal
 */
export function renderTable(rows: readonly (readonly string[])[], alignments: readonly ColumnAlignment[] = []): string {
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
