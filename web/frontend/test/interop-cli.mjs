#!/usr/bin/env node
// The JS side of the cross-language tests (tests/unit/frontend/test_interop.py,
// tests/unit/messaging/test_backup.py):
//
//   node web/frontend/test/interop-cli.mjs COMMAND < request.json > response.json
//
// Binary values are unpadded base64url.  A request may also be a list of requests with
// COMMAND "batch": [{"cmd": ..., "args": {...}}, ...] → a list of responses.  An
// expected failure (an envelope, form or backup error) is a response {"error": ClassName,
// "message": ...}; anything else exits non-zero with the stack on stderr.

import { b64url, fromB64url, fromUtf8, utf8 } from "../src/bytes.js";
import * as attachments from "../src/attachments.js";
import * as backup from "../src/backup.js";
import * as E from "../src/envelope.js";
import * as forms from "../src/forms.js";
import * as keys from "../src/keys.js";

const EXPECTED = [E.EnvelopeError, forms.KindError, backup.WrongPassphrase, backup.MalformedBackup, attachments.AttachmentError];

function headerOut(h) {
  return { ...h, createdAt: h.createdAt.getTime() };
}

const COMMANDS = {
  // Attachments (messaging/attachments.py): seal a file's chunks, or open sealed chunks.
  async attach_seal({ id, data, chunk_size: chunkSize, filename }) {
    const file = new File([fromB64url(data)], filename);
    const mediaType = await attachments.checkFile(file);
    const chunks = [];
    const ref = await attachments.sealFile(file, id, mediaType, async (i, c) => { chunks[i] = b64url(c); }, { chunkSize });
    return { reference: ref, chunks };
  },

  async attach_open({ reference, chunks }) {
    const stream = new ReadableStream({
      start(controller) {
        for (const c of chunks) controller.enqueue(fromB64url(c));
        controller.close();
      },
    });
    const blob = await attachments.openStream(reference, stream);
    return { data: b64url(new Uint8Array(await blob.arrayBuffer())), type: blob.type };
  },

  async seal({ header: h, sections, recipients, signing_key: signingKey }) {
    const data = await E.seal({
      header: h,
      sections: sections.map((s) => ({ category: s.category, plaintext: fromB64url(s.plaintext) })),
      recipients: recipients.map((r) => ({
        recipientId: r.recipient_id, keyId: r.key_id, kemId: r.kem_id, publicKey: fromB64url(r.public_key), sectionIds: r.section_ids,
      })),
      signingKey: fromB64url(signingKey),
    });
    return { envelope: b64url(data) };
  },

  async open({ view, encryption_private: secret, kem_id: kemId, sender_public_key: sender, recipient_id: recipientId, key_id: keyId }) {
    const opened = await E.openView(fromB64url(view), {
      encryptionPrivate: secret === undefined ? undefined : fromB64url(secret),
      kemId,
      senderPublicKey: fromB64url(sender),
      recipientId,
      keyId,
    });
    return {
      header: headerOut(opened.header),
      recipient_id: opened.recipientId,
      key_id: opened.keyId,
      kem_id: opened.kemId,
      sections: opened.sections.map((s) => ({
        section_id: s.sectionId, category: s.category, plaintext: s.plaintext === null ? null : b64url(s.plaintext),
      })),
    };
  },

  async verify({ envelope, sender_public_key: sender }) {
    const env = E.verify(fromB64url(envelope), fromB64url(sender));
    return {
      header: headerOut(env.header),
      sections: env.sections.map((s) => s.category),
      recipients: env.recipients.map((r) => ({ recipient_id: r.recipientId, key_id: r.keyId, kem_id: r.kemId, section_ids: r.wraps.map((w) => w.sectionId) })),
      reserialized: b64url(E.serialize(E.parse(fromB64url(envelope)))),
    };
  },

  async view_for({ envelope, recipient_id: recipientId, key_id: keyId, withhold = [] }) {
    return { view: b64url(E.viewFor(fromB64url(envelope), recipientId, keyId, { withhold })) };
  },

  async public_keys({ identity }) {
    const id = keys.identityFromJson(identity);
    const pub = await keys.publicKeys(id);
    const out = {};
    for (const [k, v] of Object.entries(pub)) out[k] = typeof v === "string" ? v : b64url(v);
    return out;
  },

  async keygen({ x25519 = false } = {}) {
    return { identity: keys.identityToJson(await keys.generateIdentity({ x25519 })) };
  },

  async split({ catalog, kind, form }) {
    forms.useCatalog(catalog);
    return { sections: forms.split(kind, form).map((s) => ({ category: s.category, plaintext: b64url(s.plaintext) })) };
  },

  async validate({ catalog, kind, form }) {
    forms.useCatalog(catalog);
    return { form: forms.validate(kind, form) };
  },

  async join({ catalog, kind, sections }) {
    forms.useCatalog(catalog);
    const given = sections.map((s) => ({ category: s.category, plaintext: s.plaintext === null ? null : fromB64url(s.plaintext) }));
    return forms.join(kind, given);
  },

  async rules() {
    return Object.fromEntries(Object.entries(forms.RULES).map(([kind, rules]) => [kind, Object.keys(rules).sort()]));
  },

  async normalise({ type, value }) {
    const fn = { date: forms.normaliseDate, datetime: forms.normaliseDateTime, url: forms.normaliseUrl, text: forms.cleanText }[type];
    try {
      return { value: fn(value) };
    } catch (e) {
      return { error: "invalid", message: e.message };
    }
  },

  async canonical({ value }) {
    return { text: forms.canonicalJson(value) };
  },

  async backup_wrap({ identity, passphrase, kdf, params }) {
    return { backup: await backup.wrap(keys.identityFromJson(identity), passphrase, { kdf, params }) };
  },

  async backup_unwrap({ backup: data, passphrase }) {
    return { identity: keys.identityToJson(await backup.unwrap(data, passphrase)) };
  },

  async utf8({ text }) {
    return { text: fromUtf8(utf8(text)) };
  },
};

async function run(cmd, args) {
  const fn = COMMANDS[cmd];
  if (!fn) throw new Error(`unknown command ${cmd}; commands: ${Object.keys(COMMANDS).join(", ")}`);
  try {
    return await fn(args ?? {});
  } catch (e) {
    if (EXPECTED.some((cls) => e instanceof cls)) return { error: e.name, message: e.message };
    if (e instanceof RangeError || e instanceof TypeError) return { error: e.name, message: e.message };
    throw e;
  }
}

async function main() {
  const cmd = process.argv[2];
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString("utf8");
  const request = text.trim() ? JSON.parse(text) : {};
  let result;
  if (cmd === "batch") {
    result = [];
    for (const r of request) result.push(await run(r.cmd, r.args));
  } else {
    result = await run(cmd, request);
  }
  process.stdout.write(JSON.stringify(result));
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
