/** Rows of `doctor --token --sql` shown at most; the rest are counted. Its own file: help text reads it without loading PostgreSQL's client. */
export const MAX_ROWS = 100;
