// Gives the main module wasm-split-cli writes its data back.
//
// wasm-split-cli 0.7.10 zeroes, in the main module, the bytes of every
// constant it judges only split-out pages use, and has each page's module
// write them back when it loads. Some of them are constants the shell itself
// reads, its templates among them: with them zeroed the shell rendered
// garbled and dioxus' interpreter failed ("Cannot read properties of null
// (reading 'replaceWith')") before any page's module had loaded, and the
// end-to-end tests fail the same way without this step. Dioxus PR #5668
// (not released) describes the bugs in its call graph that do this.
//
// Undoing the zeroing is safe: a page's module writes the same bytes again
// when it loads, into read-only data (the first segment, the only one it
// touches). It costs about 12 KB of the first load, gzipped.
//
// This checks that the two modules' data differ only where the main module
// holds zeros, then puts the whole data section of the module wasm-bindgen
// wrote (the one wasm-split-cli read) into the main module.
//
// Usage: node restore-data.mjs <bindgened.wasm> <main.wasm>   (main.wasm is rewritten)
import { readFileSync, writeFileSync } from "node:fs";

const DATA = 11;

function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}

/** The module's sections: id, and where the body starts and ends. */
function sections(bytes) {
  const found = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, start] = leb(bytes, at + 1);
    found.push({ id, header: at, start, end: start + size });
    at = start + size;
  }
  return found;
}

function dataSection(bytes, file) {
  const data = sections(bytes).filter((s) => s.id === DATA);
  if (data.length !== 1) throw new Error(`${file}: expected one data section, found ${data.length}`);
  return data[0];
}

const [bindgenedPath, mainPath] = process.argv.slice(2);
if (!mainPath) {
  console.error("usage: node restore-data.mjs <bindgened.wasm> <main.wasm>");
  process.exit(2);
}
const bindgened = readFileSync(bindgenedPath);
const main = readFileSync(mainPath);
const original = dataSection(bindgened, bindgenedPath);
const split = dataSection(main, mainPath);

const before = bindgened.subarray(original.start, original.end);
const after = main.subarray(split.start, split.end);
if (before.length !== after.length) {
  throw new Error(
    `data sections differ in size (${before.length} vs ${after.length} bytes): wasm-split-cli changed their layout, not only their bytes`,
  );
}
let restored = 0;
for (let i = 0; i < before.length; i++) {
  if (before[i] === after[i]) continue;
  if (after[i] !== 0) {
    throw new Error(`data differ at byte ${i} of the section, where the split module holds ${after[i]}, not 0`);
  }
  restored++;
}

const out = Buffer.concat([
  main.subarray(0, split.start),
  before,
  main.subarray(split.end),
]);
writeFileSync(mainPath, out);
console.log(`${mainPath}: ${restored} zeroed data bytes restored`);
