// The JavaScript side of a sample: the zygote's confined child execs Node with this file
// as its script (``node -e SOURCE``). It speaks the same channel protocol as the Python
// child (see _zygote.py): reads ["program", SOURCE, ENTRY, PREDICTED] and ["call", SEQ,
// ARGS, KWARGS] frames on fd 3, answers "ready"/"not_ready"/"return"/"raise"/
// "unencodable" frames, and encodes values in the tagged form of _codec.py.
//
// The candidate runs in this same process, so it could tamper with anything here; that
// gains it nothing, since it could as well write any frame to fd 3 itself. The verdict
// is made on the trusted side from strictly decoded plain data. What this file does
// guard against is *accidental* coercion: built-ins are captured before the candidate
// loads, and only genuine primitives, arrays and plain objects are encoded, so an
// object with a custom valueOf, toJSON or getter is "unencodable", never a number.
// Everything is inside one function: ``node -e`` runs this file as a global script,
// and the candidate's own top-level declarations (const fs = ...) must not collide.
(function runner() {
"use strict";

const fs = require("fs");
const vm = require("vm");
const { types } = require("util");

const CHANNEL = 3;
const MAX_DEPTH = 100;
// Values in one answer, counted as _codec.py counts them (MAX_OBJECTS): a scalar or a
// collection is one, charged by its container; a dict entry is three. An answer the
// trusted side would refuse is told "too large" here, before any of it is built.
const MAX_OBJECTS = 500000;
const INT_LIMIT = 1n << 63n;
const apply = Reflect.apply;
const ownKeys = Reflect.ownKeys;
const { getPrototypeOf, getOwnPropertyDescriptor, defineProperty } = Object;
const ObjectPrototype = Object.prototype;
const ArrayPrototype = Array.prototype;
const isArray = Array.isArray;
const isProxy = types.isProxy;
const stringify = JSON.stringify;
const parse = JSON.parse;
const isSafeInteger = Number.isSafeInteger;
const isInteger = Number.isInteger;
const isFinite_ = Number.isFinite;
const toExponential = Number.prototype.toExponential;
const bigToString = BigInt.prototype.toString;
const StringOf = String;
const BigIntOf = BigInt;
const BufferFrom = Buffer.from;
const bufferConcat = Buffer.concat;
const exit = process.exit;
const readSync = fs.readSync;
const writeSync = fs.writeSync;
const ErrorClass = Error;
const sleep = new Int32Array(new SharedArrayBuffer(4));

class Unencodable extends Error {}

// ---------------------------------------------------------------- channel

let pending = Buffer.alloc(0);

function readExactly(size) {
  while (pending.length < size) {
    const chunk = Buffer.allocUnsafe(1 << 16);
    let got;
    try {
      got = readSync(CHANNEL, chunk, 0, chunk.length, null);
    } catch (error) {
      if (error.code === "EAGAIN") {
        Atomics.wait(sleep, 0, 0, 1);
        continue;
      }
      return null;
    }
    if (got === 0) return null;
    pending = bufferConcat([pending, chunk.subarray(0, got)]);
  }
  const head = pending.subarray(0, size);
  pending = pending.subarray(size);
  return head;
}

function readFrame() {
  const header = readExactly(4);
  if (header === null) return null;
  const body = readExactly(header.readUInt32BE(0));
  return body === null ? null : parse(body.toString("utf8"));
}

function sendText(text) {
  const body = BufferFrom(text, "utf8");
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length, 0);
  const data = bufferConcat([header, body]);
  let sent = 0;
  while (sent < data.length) {
    try {
      sent += writeSync(CHANNEL, data, sent, data.length - sent);
    } catch (error) {
      if (error.code === "EAGAIN") {
        Atomics.wait(sleep, 0, 0, 1);
        continue;
      }
      exit(1);
    }
  }
}

// ---------------------------------------------------------------- codec

function encodeInt(big) {
  if (-INT_LIMIT < big && big < INT_LIMIT) return apply(bigToString, big, []);
  const hex = big < 0n ? "-0x" + apply(bigToString, -big, [16]) : "0x" + apply(bigToString, big, [16]);
  return stringify({ i: hex });
}

function encodeNumber(value) {
  if (value !== value) return '{"f":"nan"}';
  if (value === Infinity) return '{"f":"inf"}';
  if (value === -Infinity) return '{"f":"-inf"}';
  if (isSafeInteger(value)) return stringify(value === 0 ? 0 : value);
  // An integral float beyond 2**53 must stay a float: written with an exponent (the
  // shortest form that reads back exactly), JSON gives Python a float, not an int.
  if (isInteger(value)) return apply(toExponential, value, []);
  return stringify(value);
}

// Charges *count* values to *budget*; throws Unencodable beyond MAX_OBJECTS.
function take(budget, count) {
  budget.left -= count;
  if (budget.left < 0) throw new Unencodable(`value too large: more than ${MAX_OBJECTS} objects`);
}

// JSON text of *value* in the codec's form; throws Unencodable for anything else.
// *budget* holds the values it may still hold ({left}); the value itself is charged by
// its container (or by the caller, for the answer itself).
function encode(value, depth, seen, budget) {
  if (depth > MAX_DEPTH) throw new Unencodable(`value nested deeper than ${MAX_DEPTH} levels`);
  switch (typeof value) {
    case "undefined":
      return "null";
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return stringify(value);
    case "number":
      return encodeNumber(value);
    case "bigint":
      return encodeInt(value);
    case "object":
      if (value === null) return "null";
      break;
    default:
      throw new Unencodable(`a ${typeof value} is not plain data`);
  }
  if (isProxy(value)) throw new Unencodable("a Proxy is not plain data");
  if (seen.has(value)) throw new Unencodable("a cyclic value is not plain data");
  const proto = getPrototypeOf(value);
  seen.add(value);
  let text;
  if (isArray(value) && proto === ArrayPrototype) {
    text = encodeArray(value, depth, seen, budget);
  } else if (proto === ObjectPrototype || proto === null) {
    text = encodeObject(value, depth, seen, budget);
  } else {
    throw new Unencodable("an object that is not a plain object or array is not plain data");
  }
  seen.delete(value);
  return text;
}

function dataOf(object, key) {
  const descriptor = getOwnPropertyDescriptor(object, key);
  if (descriptor === undefined || !("value" in descriptor)) {
    throw new Unencodable(`property ${StringOf(key)} is a getter, not plain data`);
  }
  return descriptor.value;
}

function encodeArray(array, depth, seen, budget) {
  const length = dataOf(array, "length");
  take(budget, length); // before the loop: a sparse array of 10**9 holes is refused at once
  const parts = [];
  for (let index = 0; index < length; index++) {
    const descriptor = getOwnPropertyDescriptor(array, index);
    if (descriptor === undefined) {
      parts[index] = "null"; // a hole reads as undefined
    } else if (!("value" in descriptor)) {
      throw new Unencodable(`element ${index} is a getter, not plain data`);
    } else {
      parts[index] = encode(descriptor.value, depth + 1, seen, budget);
    }
  }
  for (const key of ownKeys(array)) {
    if (typeof key === "symbol") throw new Unencodable("a symbol key is not plain data");
  }
  return "[" + parts.join(",") + "]";
}

function encodeObject(object, depth, seen, budget) {
  const pairs = [];
  for (const key of ownKeys(object)) {
    if (typeof key === "symbol") throw new Unencodable("a symbol key is not plain data");
    const descriptor = getOwnPropertyDescriptor(object, key);
    if (!descriptor.enumerable) continue;
    take(budget, 3);
    pairs.push("[" + stringify(key) + "," + encode(dataOf(object, key), depth + 1, seen, budget) + "]");
  }
  return '{"d":[' + pairs.join(",") + "]}";
}

function decode(raw, depth) {
  if (raw === null || typeof raw !== "object") return raw;
  if (depth > MAX_DEPTH) throw new TypeError("argument nested too deeply");
  if (isArray(raw)) return raw.map((item) => decode(item, depth + 1));
  const [tag] = Object.keys(raw);
  const body = raw[tag];
  switch (tag) {
    case "t":
      return body.map((item) => decode(item, depth + 1));
    case "s":
    case "fs":
      return new Set(body.map((item) => decode(item, depth + 1)));
    case "d": {
      const object = {};
      for (const [key, value] of body) {
        // defineProperty, so that a "__proto__" key is a key, not a prototype change.
        defineProperty(object, StringOf(decode(key, depth + 1)), {
          value: decode(value, depth + 1), enumerable: true, writable: true, configurable: true,
        });
      }
      return object;
    }
    case "i":
      return body[0] === "-" ? -BigIntOf(body.slice(1)) : BigIntOf(body);
    case "f":
      return body === "nan" ? NaN : body === "inf" ? Infinity : -Infinity;
    case "b":
      return new Uint8Array(Buffer.from(body, "base64"));
    default:
      throw new TypeError(`values tagged ${tag} cannot be passed to JavaScript`);
  }
}

// ---------------------------------------------------------------- the sample

function describe(error) {
  try {
    if (error instanceof ErrorClass) {
      const message = StringOf(error.message).slice(0, 1000);
      // Node's failed allocations (a buffer beyond the data limit) are memory errors.
      if (error instanceof RangeError && /allocation failed/i.test(message)) {
        return ["MemoryError", message];
      }
      return [StringOf(error.name).slice(0, 100), message];
    }
    return ["Error", ("thrown: " + StringOf(error)).slice(0, 1000)];
  } catch (_) {
    return ["Error", "an exception that cannot be described"];
  }
}

function load(source, entry) {
  let script;
  try {
    script = new vm.Script(source, { filename: "candidate.js" });
  } catch (error) {
    sendText(stringify(["not_ready", "invalid", ...describe(error)]));
    return null;
  }
  const module = { exports: {} };
  globalThis.module = module;
  globalThis.exports = module.exports;
  globalThis.require = require;
  try {
    script.runInThisContext();
  } catch (error) {
    const described = describe(error);
    const status = described[0] === "MemoryError" ? "memory" : "error";
    sendText(stringify(["not_ready", status, ...described]));
    return null;
  }
  let found;
  try {
    // A top-level declaration (function, const, let, class) is found by name; a
    // CommonJS export as module.exports.name or module.exports itself.
    found = vm.runInThisContext(`typeof ${entry} === "undefined" ? undefined : ${entry}`);
    const exported = module.exports;
    if (typeof found !== "function" && exported !== null && typeof exported === "object") {
      found = exported[entry];
    }
    if (typeof found !== "function" && typeof exported === "function") found = exported;
  } catch (_) {
    found = undefined;
  }
  if (typeof found !== "function") {
    sendText(stringify(["not_ready", "invalid", "ReferenceError",
      `the program does not define a function named '${entry}'`]));
    return null;
  }
  sendText('["ready"]');
  return found;
}

function answer(fn, seq, args, kwargs) {
  let result;
  try {
    const decoded = decode(args, 0);
    if (Object.keys(decode(kwargs, 0)).length > 0) {
      throw new TypeError("JavaScript functions take no keyword arguments");
    }
    result = apply(fn, undefined, decoded);
  } catch (error) {
    sendText(stringify(["raise", seq, ...describe(error)]));
    return;
  }
  let encoded;
  try {
    const budget = { left: MAX_OBJECTS };
    take(budget, 1);
    encoded = encode(result, 0, new Set(), budget);
  } catch (error) {
    const message = error instanceof Unencodable ? error.message
      : `a value that cannot be read as plain data (${describe(error).join(": ")})`;
    sendText(stringify(["unencodable", seq, message]));
    return;
  }
  sendText("[\"return\"," + stringify(seq) + "," + encoded + "]");
}

function main() {
  const first = readFrame();
  if (first === null || first[0] !== "program") return;
  const [, source, entry, predicted] = first;
  if (!/^[A-Za-z_$][\w$]*$/.test(entry)) {
    sendText(stringify(["not_ready", "invalid", "SyntaxError", `bad entry point '${entry}'`]));
    return;
  }
  const fn = load(source, entry);
  if (fn === null) return;
  let seq = 0;
  for (const [args, kwargs] of predicted) answer(fn, ++seq, args, kwargs);
  for (;;) {
    const frame = readFrame();
    if (frame === null) return;
    answer(fn, frame[1], frame[2], frame[3]);
  }
}

main();
exit(0);
})();
