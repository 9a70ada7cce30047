import { Gate } from '../../gate';
import { TokenRejectedError } from '../../verify';

/** The slice of a pg Pool this needs (the pg adaptor's `adaptorSettings.pool`). */
interface Pool {
  connect(): Promise<{ query(text: string, values?: unknown[]): Promise<unknown>; release(error?: boolean): void }>;
}

/** A role that worked is not checked again for this long; one the database refused, for less. */
const ALLOWED_FOR_MS = 60_000;
const REFUSED_FOR_MS = 5_000;
const MAX_ROLES = 1000;

/**
 * PostGraphile v5 applies the role when it runs the query, where a role the
 * database refuses becomes a GraphQL error carrying PostgreSQL's message.
 * The preset asks the database first, once per role for a while, so such a
 * token gets what it gets on v4: a 403 with reason `role`.
 */
export class RoleCheck {
  private readonly known = new Map<string, { refusal: TokenRejectedError | null; until: number }>();

  constructor(
    private readonly gate: Gate,
    private readonly now: () => number = Date.now,
  ) {}

  /** Null when `role` may be switched to through `pool`, else the refusal; rejects only when the database cannot be asked. */
  async check(pool: Pool, role: string): Promise<TokenRejectedError | null> {
    const cached = this.known.get(role);
    if (cached && cached.until > this.now()) return cached.refusal;
    const refusal = await this.ask(pool, role);
    // Oldest first out: a flood of new role names cannot grow this without bound.
    if (!this.known.has(role) && this.known.size >= MAX_ROLES) this.known.delete(this.known.keys().next().value!);
    this.known.set(role, { refusal, until: this.now() + (refusal ? REFUSED_FOR_MS : ALLOWED_FOR_MS) });
    return refusal;
  }

  private async ask(pool: Pool, role: string): Promise<TokenRejectedError | null> {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('begin');
      try {
        await client.query("select set_config('role', $1, true)", [role]);
        return null;
      } catch (error) {
        const refusal = this.gate.roleRefusal(role, error);
        if (!refusal) throw error;
        return refusal;
      } finally {
        await client.query('rollback');
      }
    } catch (error) {
      broken = true;
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
