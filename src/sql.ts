/** A name as SQL: bare when PostgreSQL would keep it as written, else double-quoted. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** A string as an SQL literal (standard_conforming_strings, the default since PostgreSQL 9.1). */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
