'use strict';
// An independent gRPC client (@grpc/grpc-js + @grpc/proto-loader) for the regsosek.v1 API.
// It loads proto/regsosek/v1/*.proto from the repository, and google/api and google/rpc/*.proto from the
// folder named by $REGSOSEK_COMMON_PROTOS (the NuGet package Google.Api.CommonProtos' content/protos), and
// calls a running server. The interop test in tests/Regsosek.Api.Tests launches it.
//
// Usage: REGSOSEK_COMMON_PROTOS=<dir> node regsosek-client.js <host:port> <plan-json>
//
// The plan is {"calls": [call, ...]}; the calls run one after the other and the client prints one
// JSON array on stdout: one result per call, in order. Exit code 0 when the plan ran (whatever the
// calls' outcomes), 2 on a usage error, 1 on an unexpected client failure.
//
// A call:
//   service        "CatalogService" | "AggregateService" | "AdminService" | "ExtractService" (required)
//   method         e.g. "Aggregate", "ListRegions", "Check" (required)
//   request        the request message as a plain object (field names as in the .proto files)
//   token          sent as "authorization: Bearer <token>"
//   authorization  sent verbatim as the "authorization" header (wins over token)
//   deadlineMs     a deadline this many milliseconds after the call starts (default 60000)
//   cancelOnStdin  cancel the call when the line "cancel" arrives on stdin; the client prints
//                  "started <index>" on stderr once the call is under way
//   rawBase64      send these bytes as the request message instead of encoding `request`
//   saveTo         (server streaming) write the concatenated `data` bytes of the stream to this file
//
// Inside `request`, `token` and `authorization`:
//   {"$repeat": ["x", 5242880]}      becomes "x" repeated that many times (huge messages);
//   "${2.reply.grant.id}"            becomes a value of an earlier result (here: result 2).
//
// A result: {ok: true, reply} or {ok: false, error: {code, codeName, details, richStatus}} where
// richStatus is the google.rpc.Status decoded from grpc-status-details-bin, each detail decoded by
// its type (google.rpc.BadRequest, ErrorInfo, ResourceInfo, ...). Replies use the .proto field
// names; int64 values are strings, enums are names, absent proto3 optional fields are absent.
// A server-streaming call (ExtractService.Extract) has {ok, messages, error?} instead of
// reply: each message as received, except that a `data` bytes field is replaced by its length
// (dataLength); plus dataBytes and dataSha256 (hex) over all data bytes in order.

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const readline = require('readline');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

const repo = path.resolve(__dirname, '..', '..');
const protoDir = path.join(repo, 'proto');
const commonProtos = process.env.REGSOSEK_COMMON_PROTOS;
if (!commonProtos || !fs.existsSync(path.join(commonProtos, 'google', 'rpc', 'status.proto'))) {
  process.stderr.write('set REGSOSEK_COMMON_PROTOS to the content/protos folder of the NuGet package Google.Api.CommonProtos\n');
  process.exit(2);
}
const loaderOptions = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [protoDir, commonProtos] };

const definition = protoLoader.loadSync([
  'regsosek/v1/catalog.proto',
  'regsosek/v1/aggregate.proto',
  'regsosek/v1/admin.proto',
  'regsosek/v1/extract.proto',
], loaderOptions);
const loaded = grpc.loadPackageDefinition(definition);
const serviceConstructors = {
  CatalogService: loaded.regsosek.v1.CatalogService,
  AggregateService: loaded.regsosek.v1.AggregateService,
  AdminService: loaded.regsosek.v1.AdminService,
  ExtractService: loaded.regsosek.v1.ExtractService,
};
const servicePaths = {
  CatalogService: 'regsosek.v1.CatalogService',
  AggregateService: 'regsosek.v1.AggregateService',
  AdminService: 'regsosek.v1.AdminService',
  ExtractService: 'regsosek.v1.ExtractService',
};

// google.rpc.Status and its details, decoded with protobufjs from Google.Api.CommonProtos' .proto files.
const rpcRoot = new protobuf.Root();
rpcRoot.resolvePath = (origin, target) =>
  target.startsWith('google/protobuf/') || path.isAbsolute(target) ? target : path.join(commonProtos, target);
rpcRoot.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'], { keepCase: true });
const RpcStatus = rpcRoot.lookupType('google.rpc.Status');

const [address, rawPlan] = process.argv.slice(2);
if (!address || !rawPlan) {
  process.stderr.write('usage: node regsosek-client.js <host:port> <plan-json>\n');
  process.exit(2);
}
const plan = JSON.parse(rawPlan);
if (!Array.isArray(plan.calls)) {
  process.stderr.write('the plan must be {"calls": [...]}\n');
  process.exit(2);
}

const channelOptions = { 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1 };
const credentials = grpc.credentials.createInsecure();
const clients = {};
function clientFor(service) {
  if (!serviceConstructors[service]) throw new Error(`unknown service '${service}'; known: ${Object.keys(serviceConstructors).join(', ')}`);
  if (!clients[service]) clients[service] = new serviceConstructors[service](address, credentials, channelOptions);
  return clients[service];
}

// Lines arriving on stdin ("cancel"), for calls that wait for a signal from the test.
const stdinWaiters = [];
let stdinReader = null;
function nextStdinLine() {
  if (!stdinReader) {
    stdinReader = readline.createInterface({ input: process.stdin });
    stdinReader.on('line', (line) => { const w = stdinWaiters.shift(); if (w) w(line.trim()); });
  }
  return new Promise((resolve) => stdinWaiters.push(resolve));
}

function lookup(results, reference) {
  const parts = reference.split('.');
  let value = results[Number(parts[0])];
  for (const p of parts.slice(1)) {
    if (value === undefined || value === null) break;
    value = value[p];
  }
  if (value === undefined) throw new Error(`reference \${${reference}} does not resolve in the earlier results`);
  return value;
}

// Replaces {"$repeat": [s, n]} and "${i.path}" placeholders, recursively.
function expand(value, results) {
  if (typeof value === 'string') {
    const m = /^\$\{([0-9]+(?:\.[A-Za-z0-9_]+)*)\}$/.exec(value);
    return m ? lookup(results, m[1]) : value;
  }
  if (Array.isArray(value)) return value.map((v) => expand(v, results));
  if (value && typeof value === 'object') {
    if (Array.isArray(value.$repeat)) return String(value.$repeat[0]).repeat(value.$repeat[1]);
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = expand(v, results);
    return out;
  }
  return value;
}

function decodeDetail(any) {
  const typeName = any.type_url.substring(any.type_url.lastIndexOf('/') + 1);
  let value = null;
  try {
    const type = rpcRoot.lookupType(typeName);
    value = type.toObject(type.decode(any.value), { defaults: true, longs: String, enums: String });
  } catch (e) {
    value = { undecodable: String(e) };
  }
  return { typeUrl: any.type_url, type: typeName, value };
}

function errorInfo(err) {
  const out = { code: err.code, codeName: grpc.status[err.code], details: err.details };
  const bin = err.metadata && err.metadata.get('grpc-status-details-bin');
  if (bin && bin.length > 0) {
    const status = RpcStatus.decode(bin[0]);
    out.richStatus = { code: status.code, message: status.message, details: status.details.map(decodeDetail) };
  }
  return out;
}

function collectStream(stream, call, resolve) {
  const messages = [];
  const hash = crypto.createHash('sha256');
  const file = call.saveTo ? fs.openSync(call.saveTo, 'w') : null;
  let dataBytes = 0;
  let finished = false;
  const finish = (error) => {
    if (finished) return; // grpc-js may emit 'end' after 'error'
    finished = true;
    if (file !== null) fs.closeSync(file);
    const out = { ok: !error, messages, dataBytes, dataSha256: hash.digest('hex') };
    if (error) out.error = errorInfo(error);
    resolve(out);
  };
  stream.on('data', (m) => {
    if (m.data && m.data.length !== undefined && Buffer.isBuffer(m.data)) {
      hash.update(m.data);
      dataBytes += m.data.length;
      if (file !== null) fs.writeSync(file, m.data);
      const copy = Object.assign({}, m, { dataLength: m.data.length });
      delete copy.data;
      messages.push(copy);
    } else {
      messages.push(m);
    }
  });
  stream.on('error', (err) => finish(err));
  stream.on('end', () => finish(null));
}

function runCall(call, index, results) {
  const service = call.service;
  const client = clientFor(service);
  const metadata = new grpc.Metadata();
  const token = call.token !== undefined ? expand(call.token, results) : undefined;
  const authorization = call.authorization !== undefined ? expand(call.authorization, results) : undefined;
  if (authorization !== undefined) metadata.set('authorization', authorization);
  else if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
  const options = { deadline: new Date(Date.now() + (call.deadlineMs || 60000)) };

  return new Promise((resolve) => {
    const done = (err, reply) => {
      if (err) resolve({ ok: false, error: errorInfo(err) });
      else resolve({ ok: true, reply });
    };
    let pending;
    if (call.rawBase64 === undefined && client[call.method] && client[call.method].responseStream) {
      pending = client[call.method](expand(call.request || {}, results), metadata, options);
      collectStream(pending, call, resolve);
    } else if (call.rawBase64 !== undefined) {
      const bytes = Buffer.from(call.rawBase64, 'base64');
      pending = client.makeUnaryRequest(`/${servicePaths[service]}/${call.method}`, (b) => b, (b) => ({ rawLength: b.length }),
        bytes, metadata, options, done);
    } else {
      if (typeof client[call.method] !== 'function') throw new Error(`service ${service} has no method '${call.method}'`);
      pending = client[call.method](expand(call.request || {}, results), metadata, options, done);
    }
    if (call.cancelOnStdin) {
      process.stderr.write(`started ${index}\n`);
      nextStdinLine().then((line) => { if (line === 'cancel') pending.cancel(); });
    }
  });
}

async function main() {
  const results = [];
  for (let i = 0; i < plan.calls.length; i++) results.push(await runCall(plan.calls[i], i, results));
  return results;
}

main()
  .then((results) => {
    for (const c of Object.values(clients)) c.close();
    // Exit only once the whole output is written: a pipe may take it in several writes.
    process.stdout.write(JSON.stringify(results) + '\n', () => process.exit(0));
  })
  .catch((err) => {
    process.stderr.write(`regsosek-client failed: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  });
