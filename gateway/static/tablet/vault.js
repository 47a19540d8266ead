// The tablet's store of personal data (docs/decisions/0017-tablet-device-storage.md): records in
// IndexedDB, each encrypted with AES-GCM (a fresh 96-bit IV per write) under one key that
// WebCrypto made non-extractable: the page can use it but never read it out, so a copy of the
// browser profile's files (a lost tablet, a backup) holds only ciphertext plus a key handle
// that works only inside this browser profile. Wiping deletes the key and the records together.
//
// Records are named ("route", "outbox", "citizen:<id>", "file:<id>"); values are anything
// JSON can hold, or an ArrayBuffer (a photo) kept as raw bytes.

const DB = "sb-tablet";
const VERSION = 1;
const KEY_ID = "device-key";

let opening = null;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, VERSION);
      req.onupgradeneeded = () => {
        req.result.createObjectStore("keys");
        req.result.createObjectStore("records");
      };
      req.onsuccess = () => {
        const db = req.result;
        db.onversionchange = () => { db.close(); opening = null; }; // a wipe elsewhere
        resolve(db);
      };
      req.onerror = () => { opening = null; reject(req.error); };
    });
  }
  return opening;
}

async function tx(store, mode, work) {
  const db = await open();
  const t = db.transaction(store, mode);
  const result = await work(t.objectStore(store));
  await new Promise((resolve, reject) => {
    t.oncomplete = resolve;
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
  });
  return result;
}

let keyPromise = null;
async function deviceKey() {
  if (!keyPromise) {
    keyPromise = (async () => {
      const found = await tx("keys", "readonly", (s) => request(s.get(KEY_ID)));
      if (found) return found;
      const key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false,
                                                  ["encrypt", "decrypt"]);
      await tx("keys", "readwrite", (s) => request(s.put(key, KEY_ID)));
      return key;
    })().catch((error) => { keyPromise = null; throw error; });
  }
  return keyPromise;
}

/** Encrypt and keep a value under `name`. */
export async function put(name, value) {
  const key = await deviceKey();
  const binary = value instanceof ArrayBuffer;
  const plain = binary ? value : new TextEncoder().encode(JSON.stringify(value));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  // The record's name is authenticated with it: a record moved to another name fails to open.
  const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: new TextEncoder().encode(name) },
                                           key, plain);
  await tx("records", "readwrite", (s) => request(s.put({ iv, data, binary }, name)));
}

/** The value kept under `name`, or `fallback`. */
export async function get(name, fallback = null) {
  const record = await tx("records", "readonly", (s) => request(s.get(name)));
  if (!record) return fallback;
  const key = await deviceKey();
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: record.iv, additionalData: new TextEncoder().encode(name) }, key, record.data);
  return record.binary ? plain : JSON.parse(new TextDecoder().decode(plain));
}

export async function remove(name) {
  await tx("records", "readwrite", (s) => request(s.delete(name)));
}

/** The names of the records kept (not their contents). */
export async function names() {
  return tx("records", "readonly", (s) => request(s.getAllKeys()));
}

/** Remove every record except those `keep` says yes to (unsent work). */
export async function removeAllBut(keep) {
  for (const name of await names()) if (!keep(name)) await remove(name);
}

/** Delete the whole database: records and the key. */
export async function wipe() {
  const db = opening ? await opening.catch(() => null) : null;
  if (db) db.close();
  opening = null;
  keyPromise = null;
  await new Promise((resolve) => {
    const req = indexedDB.deleteDatabase(DB);
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  });
}
