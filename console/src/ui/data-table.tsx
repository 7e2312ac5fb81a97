import type { ComponentChildren } from 'preact';

/**
 * A table of things with a caption, column headers (a `false` column is left out) and a last,
 * unlabelled column for each row's buttons; rows give their name as a row header (`<th scope="row">`).
 */
export function DataTable({
  caption,
  columns,
  children,
}: {
  caption: string;
  columns: readonly (string | false)[];
  children: ComponentChildren;
}) {
  return (
    <div class="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map(
              (column) =>
                column !== false && (
                  <th key={column} scope="col">
                    {column}
                  </th>
                ),
            )}
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** A row's button, named for what it does to what (“Delete ci reader”), as a screen reader lists it. */
export function RowAction({
  verb,
  subject,
  onClick,
  danger = false,
  link = false,
}: {
  verb: string;
  subject: string;
  onClick: () => void;
  danger?: boolean;
  link?: boolean;
}) {
  return (
    <button
      type="button"
      class={danger ? 'danger' : link ? 'link' : undefined}
      onClick={onClick}
      aria-label={`${verb} ${subject}`}
    >
      {verb}
    </button>
  );
}
