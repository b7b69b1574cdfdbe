import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { type Args, stringOption, UsageError } from './args.js';
import { call, clientConfig, print, type ClientConfig } from './client.js';

interface ExportPage {
  Records: string[];
  NextToken?: string;
}

interface VerifyResult {
  Valid: boolean;
  Checked: number;
  Anchor: { Seq: number; Digest: string };
  Head?: { Seq: number; Digest: string };
  Problem?: { Seq: number; Kind: string; EventId?: string; Message: string };
}

/** `keywarden audit export …` and `keywarden audit verify`, against a running service. */
export async function audit(args: Args): Promise<number> {
  const [sub] = args.positional;
  const cfg = await clientConfig(args);
  if (sub === 'export') return exportTrail(args, cfg);
  if (sub === 'verify') return verify(args, cfg);
  throw new UsageError("audit takes 'export' or 'verify'.");
}

/**
 * Streams the records page by page, oldest first, exactly as stored: JSON lines, or CloudTrail's
 * delivery file layout, `{"Records": [...]}`, which log pipelines that read CloudTrail's S3
 * files accept.
 */
async function exportTrail(args: Args, cfg: ClientConfig): Promise<number> {
  const format = stringOption(args, 'format') ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'cloudtrail') throw new UsageError(`--format takes 'jsonl' or 'cloudtrail', not '${format}'.`);
  const file = stringOption(args, 'output');
  const input: Record<string, string> = {};
  const since = stringOption(args, 'since');
  const until = stringOption(args, 'until');
  if (since !== undefined) input.Since = since;
  if (until !== undefined) input.Until = until;

  // The first page is fetched before the file is created, so a bad option leaves no empty file behind.
  let page: ExportPage = await call(cfg, 'KeywardenAdmin.ExportAuditEvents', 'keywarden', input);
  const out: Writable = file ? createWriteStream(file) : process.stdout;
  const write = async (chunk: string) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  let count = 0;
  if (format === 'cloudtrail') await write('{"Records":[');
  for (;;) {
    for (const record of page.Records) {
      await write(format === 'jsonl' ? record + '\n' : (count === 0 ? '' : ',') + record);
      count++;
    }
    if (page.NextToken === undefined) break;
    page = await call(cfg, 'KeywardenAdmin.ExportAuditEvents', 'keywarden', { ...input, NextToken: page.NextToken });
  }
  if (format === 'cloudtrail') await write(']}\n');
  if (file) {
    out.end();
    await once(out, 'finish');
    print(args, { Records: count, Format: format, Output: file }, () => `wrote ${count} audit record${count === 1 ? '' : 's'} to ${file}`);
  }
  return 0;
}

/** Exit status 1 when the chain is broken, with the first record that is not what was written. */
async function verify(args: Args, cfg: ClientConfig): Promise<number> {
  const r: VerifyResult = await call(cfg, 'KeywardenAdmin.VerifyAuditTrail', 'keywarden', {});
  print(args, r, () => {
    if (r.Valid) {
      const from = r.Anchor.Seq > 0 ? ` (records before ${r.Anchor.Seq + 1} were purged by retention)` : '';
      return `audit trail intact: ${r.Checked} record${r.Checked === 1 ? '' : 's'} checked${from}`;
    }
    const p = r.Problem!;
    return `audit trail BROKEN at record ${p.Seq}${p.EventId ? ` (eventID ${p.EventId})` : ''}: ${p.Message}. ${r.Checked} records before it are intact.`;
  });
  return r.Valid ? 0 : 1;
}
