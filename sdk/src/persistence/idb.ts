/** Promise wrappers around IndexedDB, the few this cache needs (no dependency). */

export const request = <T>(r: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });

/** Resolves when the transaction commits; rejects with its error (a quota error among them) when it aborts. */
export const committed = (tx: IDBTransaction): Promise<void> =>
  new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
  });

/** The stores of schema `SCHEMA`; a database of another (older) schema is emptied and rebuilt. */
export const SCHEMA = 1;
export const STORES = { conversations: "id", threads: "id", outbox: "clientMessageId", meta: null } as const;
export type StoreName = keyof typeof STORES;

/**
 * Opens (creating or upgrading) a database. Rejects when IndexedDB is missing, throws, or does not
 * answer (blocked by another tab, or some private modes) within `timeoutMs` (some private modes never do).
 */
export function openDatabase(name: string, timeoutMs: number): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    if (!idb) return reject(new Error("IndexedDB is not available"));
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new Error("IndexedDB did not open in time"));
    }, timeoutMs);
    const r = idb.open(name, SCHEMA);
    r.onupgradeneeded = () => {
      const db = r.result;
      // An older schema: the cache is only a cache, it is rebuilt from the server.
      for (const s of [...db.objectStoreNames]) db.deleteObjectStore(s);
      for (const [s, keyPath] of Object.entries(STORES)) db.createObjectStore(s, keyPath ? { keyPath } : {});
    };
    r.onsuccess = () => {
      clearTimeout(timer);
      const db = r.result;
      if (late) return db.close();
      // Another tab deletes it (sign-out) or upgrades it: let go at once.
      db.onversionchange = () => db.close();
      if (Object.keys(STORES).every((s) => db.objectStoreNames.contains(s))) resolve(db);
      else {
        db.close();
        reject(new Error("IndexedDB database has an unknown layout"));
      }
    };
    r.onerror = () => {
      clearTimeout(timer);
      reject(r.error);
    };
  });
}

/** Deletes a database (resolves even when another tab still holds it open: it is deleted once they let go). */
export function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve) => {
    try {
      const r = indexedDB.deleteDatabase(name);
      r.onsuccess = r.onerror = r.onblocked = () => resolve();
    } catch {
      resolve();
    }
  });
}

/** Names of the databases of this origin, where the browser can list them. */
export async function databaseNames(): Promise<string[]> {
  try {
    return (await indexedDB.databases()).flatMap((d) => (d.name ? [d.name] : []));
  } catch {
    return [];
  }
}
