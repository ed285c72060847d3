// Kind forms in JS with a small hand-written catalog entry (the real catalog's parity
// with Python's split/join is tested in tests/unit/frontend/test_interop.py).

import assert from "node:assert/strict";
import { test } from "node:test";

import { fromUtf8, utf8 } from "../src/bytes.js";
import * as F from "../src/forms.js";

const ASSESSMENT = {
  kind: "functional_assessment",
  categories: ["sick_leave", "functional_ability", "diagnosis"],
  fields: [
    { name: "functional_ability", category: "functional_ability", type: "text", required: true, constraints: { min_length: 1, max_length: 20 } },
    { name: "suggested_grade", category: "sick_leave", type: "integer", required: false, constraints: { min: 1, max: 100 } },
    { name: "diagnosis", category: "diagnosis", type: "text", required: false, constraints: { min_length: 1, max_length: 1000 } },
    { name: "answer_within_days", category: "sick_leave", type: "integer", required: false, default: 21 },
  ],
};
const NOTE = {
  kind: "note",
  categories: ["sick_leave", "diagnosis"],
  fields: [
    { name: "category", category: "sender_chosen", type: "choice", required: true, choices: ["sick_leave", "diagnosis"] },
    { name: "text", category: "sender_chosen", type: "text", required: true },
  ],
};
F.useCatalog([ASSESSMENT, NOTE]);

test("split groups fields by category into canonical JSON, in catalog order", () => {
  const sections = F.split("functional_assessment", { diagnosis: "  H81 Svimmelhet ", functional_ability: "Kan sitte", suggested_grade: 50 });
  assert.deepEqual(sections.map((s) => s.category), ["sick_leave", "functional_ability", "diagnosis"]);
  assert.deepEqual(sections.map((s) => fromUtf8(s.plaintext)), [
    '{"answer_within_days":21,"suggested_grade":50}', '{"functional_ability":"Kan sitte"}', '{"diagnosis":"H81 Svimmelhet"}',
  ]);
});

test("a note's section is the category its sender names", () => {
  const [section] = F.split("note", { category: "diagnosis", text: "Møtet er flyttet" });
  assert.equal(section.category, "diagnosis");
  assert.equal(fromUtf8(section.plaintext), '{"category":"diagnosis","text":"Møtet er flyttet"}');
});

test("text is NFC, CRLF → LF, trimmed; control characters and overlong text are rejected", () => {
  const form = F.validate("functional_assessment", { functional_ability: " pa\u030a\r\nny\t " });
  assert.equal(form.functional_ability, "p\u00e5\nny");
  assert.throws(() => F.split("functional_assessment", { functional_ability: "bell\x07" }), F.KindError);
  assert.throws(() => F.split("functional_assessment", { functional_ability: "x".repeat(21) }), /too long/);
  assert.equal(F.validate("functional_assessment", { functional_ability: "😀".repeat(20) }).functional_ability.length, 40);
});

test("empty answers are left out; unknown and missing fields are named", () => {
  const form = F.validate("functional_assessment", { functional_ability: "x", diagnosis: "   ", suggested_grade: null });
  assert.deepEqual(form, { functional_ability: "x", answer_within_days: 21 });
  assert.throws(() => F.split("functional_assessment", { functional_ability: "x", surprise: 1 }), (e) => e.field === "surprise");
  assert.throws(() => F.split("functional_assessment", {}), (e) => e.field === "functional_ability" && /required/.test(e.message));
  assert.throws(() => F.split("functional_assessment", { functional_ability: "x", suggested_grade: "50" }), F.KindError);
  assert.throws(() => F.split("functional_assessment", { functional_ability: "x", suggested_grade: 101 }), F.KindError);
  assert.throws(() => F.split("no_such_kind", {}), /unknown message kind/);
});

test("join rebuilds the form and names what was withheld", () => {
  const sections = F.split("functional_assessment", { functional_ability: "Kan sitte", diagnosis: "H81", suggested_grade: 50 });
  assert.deepEqual(F.join("functional_assessment", sections), {
    kind: "functional_assessment",
    form: { functional_ability: "Kan sitte", suggested_grade: 50, diagnosis: "H81", answer_within_days: 21 },
    withheld: [],
  });
  const seen = F.join("functional_assessment", sections.map((s) => (s.category === "diagnosis" ? { ...s, plaintext: null } : s)));
  assert.deepEqual(seen.form, { functional_ability: "Kan sitte", suggested_grade: 50, answer_within_days: 21 });
  assert.deepEqual(seen.withheld, ["diagnosis"]);
});

test("join rejects sections split() could not have made", () => {
  const bad = [
    { functional_ability: utf8('{"functional_ability": "x"}') }, // whitespace
    { functional_ability: utf8('{"diagnosis":"x"}') }, // wrong section
    { functional_ability: utf8("{}") },
    { functional_ability: new Uint8Array([0xff]) },
    { psychosocial: utf8('{"x":1}') }, // a category the kind does not use
  ];
  for (const sections of bad) assert.throws(() => F.join("functional_assessment", sections), F.KindError);
});

test("canonical JSON: sorted keys, no whitespace, no ASCII escaping, integers only", () => {
  assert.equal(F.canonicalJson({ b: 1, a: ["ø", true, null], "\u00e4": "\"\n" }), '{"a":["ø",true,null],"b":1,"ä":"\\"\\n"}');
  assert.throws(() => F.canonicalJson({ x: 1.5 }), TypeError);
  assert.throws(() => F.canonicalJson({ x: "\ud800" }), TypeError);
});

test("fromInputs turns HTML input strings into the catalog's types", () => {
  const raw = F.fromInputs("functional_assessment", { functional_ability: "x", suggested_grade: "50", diagnosis: "" });
  assert.deepEqual(raw, { functional_ability: "x", suggested_grade: 50, diagnosis: null });
  assert.equal(F.normaliseDateTime("2026-03-10T09:00+01:00"), "2026-03-10T09:00:00+01:00");
});
