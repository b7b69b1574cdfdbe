import type { ChainProblem, VerifyAuditTrailResponse } from './model.types.js';
import { adminOperation } from './operation.js';

/**
 * Checks the whole audit trail's digest chain, for `keywarden audit verify`. The chain is one for
 * every account, so every caller's check covers all of it; but a record of another account is
 * named only by its place and what is wrong with it, never by its eventID (docs/audit.md).
 */
export const verifyAuditTrail = adminOperation('VerifyAuditTrail', async (_input, ctx, app) => {
  // Records the service has accepted but not yet written are part of the trail being checked.
  await app.audit.trail?.flush();
  const r = await app.audit.store.verify();
  const out: VerifyAuditTrailResponse = {
    Valid: r.valid,
    Checked: r.checked,
    Anchor: { Seq: r.anchor.seq, Digest: r.anchor.digest },
  };
  if (r.head) out.Head = { Seq: r.head.seq, Digest: r.head.digest };
  if (r.problem) {
    const p: ChainProblem = { Seq: r.problem.seq, Kind: r.problem.kind, Message: r.problem.message };
    if (r.problem.eventId && r.problem.accountId === ctx.accountId) p.EventId = r.problem.eventId;
    out.Problem = p;
  }
  return out;
});
