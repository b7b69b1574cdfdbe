import Database from 'better-sqlite3';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

// What a test server keeps, read and changed behind its back, whichever store it uses: the SQLite
// file in its data directory (read while it is stopped, when a test changes it), or its PostgreSQL
// database (--store). Statements are written once, with `?` placeholders, in SQL both understand.

export interface StoredData {
  all<T>(sql: string, ...params: unknown[]): Promise<T[]>;
  run(sql: string, ...params: unknown[]): Promise<number>;
  close(): Promise<void>;
}

export async function storedData(server: { dataDir: string; store?: string }): Promise<StoredData> {
  if (server.store) {
    // Sequence numbers and times as numbers, as SQLite gives them.
    const types = { getTypeParser: ((oid: number, format?: string) => (oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format as 'text'))) as pg.CustomTypesConfig['getTypeParser'] };
    const client = new pg.Client({ connectionString: server.store, types });
    await client.connect();
    const numbered = (sql: string) => {
      let n = 0;
      return sql.replace(/\?/g, () => `$${++n}`);
    };
    return {
      all: async <T>(sql: string, ...params: unknown[]) => (await client.query(numbered(sql), params)).rows as T[],
      run: async (sql, ...params) => (await client.query(numbered(sql), params)).rowCount ?? 0,
      close: () => client.end(),
    };
  }
  const db = new Database(join(server.dataDir, 'keywarden.db'));
  return {
    all: async <T>(sql: string, ...params: unknown[]) => db.prepare(sql).all(...params) as T[],
    run: async (sql, ...params) => db.prepare(sql).run(...params).changes,
    close: async () => void db.close(),
  };
}

/**
 * Everything the server keeps, as text: every file of its data directory (the database, its
 * journals and the audit log), and with PostgreSQL every row of every table of its database.
 */
export async function storedText(server: { dataDir: string; store?: string }): Promise<string> {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(readFileSync(path).toString('latin1'));
    }
  };
  walk(server.dataDir);
  if (server.store) {
    const data = await storedData(server);
    try {
      const tables = await data.all<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()");
      for (const { name } of tables) out.push(...(await data.all<{ row: string }>(`SELECT t::text AS row FROM "${name}" t`)).map((r) => r.row));
    } finally {
      await data.close();
    }
  }
  return out.join('\n');
}
