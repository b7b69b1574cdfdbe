import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, describe, it } from 'node:test';
import { LoadClient, runLoad } from './load.js';
import { Signer } from './sigv4.js';

describe('the closed-loop load', { timeout: 30_000 }, () => {
  const servers: Server[] = [];
  const clients: LoadClient[] = [];
  after(() => {
    for (const c of clients) c.close();
    for (const s of servers) s.close();
  });

  /** A loopback server answering {} to everything, counting what it got. */
  const counting = async () => {
    const counter = { requests: 0, url: '' };
    const server = createServer((req, res) => {
      counter.requests++;
      req.resume();
      req.on('end', () => res.end('{}'));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    counter.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    return counter;
  };
  const client = (url: string) => {
    const c = new LoadClient(new URL(url), new Signer({ accessKeyId: 'test', secretAccessKey: 'test', region: 'us-east-1', service: 'kms' }), 5_000, 4);
    clients.push(c);
    return c;
  };

  it('given one client per node, sends the requests to each in turn', async () => {
    const a = await counting();
    const b = await counting();
    const r = await runLoad([client(a.url), client(b.url)], 'TrentService.Encrypt', Buffer.from('{}'), { concurrency: 4, maxRequests: 200, durationMs: 20_000 });
    assert.equal(r.stoppedBy, 'request cap');
    assert.equal(r.ok, 200);
    assert.equal(a.requests, 100);
    assert.equal(b.requests, 100);
  });

  it('paced, starts no request before its time', async () => {
    const arrivals: number[] = [];
    const server = createServer((req, res) => {
      arrivals.push(performance.now());
      req.resume();
      req.on('end', () => res.end('{}'));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const rate = 100;
    const began = performance.now();
    const r = await runLoad(client(url), 'TrentService.Encrypt', Buffer.from('{}'), { concurrency: 4, maxRequests: 12, durationMs: 20_000, ratePerSecond: rate });
    assert.equal(r.ok, 12);
    assert.equal(r.stoppedBy, 'request cap');
    // A late start is the machine's doing; an early one would be the pacing's.
    arrivals.forEach((at, i) => assert.ok(at - began >= (i * 1000) / rate - 1, `request ${i} arrived ${(at - began).toFixed(1)} ms in, due at ${(i * 1000) / rate} ms`));
  });
});
