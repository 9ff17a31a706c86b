'use strict';
// An independent gRPC client (@grpc/grpc-js) that proves the wire of src/Regsosek.Grpc.
// Usage: node grpc-client.js <host:port> <scenario> [json-arguments]
// Prints one JSON object on stdout: what the client saw. Exits 0 when the scenario ran
// (whatever the call's outcome), 2 on a usage error, 1 on an unexpected client failure.
// The xunit tests in tests/Regsosek.Grpc.Tests launch it and assert on the JSON.

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

const repo = path.resolve(__dirname, '..', '..');
const includeDirs = [path.join(repo, 'proto'), path.join(repo, 'tests', 'Regsosek.Grpc.Tests', 'Protos')];
const loaderOptions = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs };

const definition = protoLoader.loadSync(['echo.proto', 'grpc/health/v1/health.proto'], loaderOptions);
const loaded = grpc.loadPackageDefinition(definition);
const EchoService = loaded.regsosek.testing.v1.EchoService;
const MissingService = loaded.regsosek.testing.v1.MissingService;
const Health = loaded.grpc.health.v1.Health;

// google.rpc.Status and its details, decoded with protobufjs from our own .proto files.
const rpcRoot = new protobuf.Root();
// Well-known types (google/protobuf/*) are built into protobufjs; ours resolve from proto/.
rpcRoot.resolvePath = (origin, target) =>
  target.startsWith('google/protobuf/') || path.isAbsolute(target) ? target : path.join(repo, 'proto', target);
rpcRoot.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'], { keepCase: true });
const RpcStatus = rpcRoot.lookupType('google.rpc.Status');

const [address, scenario, rawArgs] = process.argv.slice(2);
if (!address || !scenario) {
  process.stderr.write('usage: node grpc-client.js <host:port> <scenario> [json-arguments]\n');
  process.exit(2);
}
const args = rawArgs ? JSON.parse(rawArgs) : {};
// TLS when the arguments name a CA certificate (PEM) to trust, else cleartext HTTP/2.
const credentials = args.caPem ? grpc.credentials.createSsl(fs.readFileSync(args.caPem)) : grpc.credentials.createInsecure();
const channelOptions = { 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1 };
const echo = new EchoService(address, credentials, channelOptions);
const health = new Health(address, credentials);

function errorInfo(err) {
  const out = { code: err.code, codeName: grpc.status[err.code], details: err.details };
  const bin = err.metadata && err.metadata.get('grpc-status-details-bin');
  if (bin && bin.length > 0) {
    const status = RpcStatus.decode(bin[0]);
    out.richStatus = {
      code: status.code,
      message: status.message,
      details: status.details.map((any) => {
        const typeName = any.type_url.substring(any.type_url.lastIndexOf('/') + 1);
        const type = rpcRoot.lookupType(typeName);
        return { typeUrl: any.type_url, value: type.toObject(type.decode(any.value), { defaults: true }) };
      }),
    };
  }
  return out;
}

function deadlineIn(ms) {
  return new Date(Date.now() + ms);
}

function unary(client, method, request, options = {}, metadata = new grpc.Metadata()) {
  return new Promise((resolve) => {
    client[method](request, metadata, options, (err, reply) => {
      if (err) resolve({ ok: false, error: errorInfo(err) });
      else resolve({ ok: true, reply });
    });
  });
}

function collectStream(call, { cancelAfter } = {}) {
  return new Promise((resolve) => {
    const values = [];
    let payloadBytes = 0;
    call.on('data', (m) => {
      values.push(m.value !== undefined ? m.value : m.status);
      if (m.payload) payloadBytes += m.payload.length;
      if (cancelAfter !== undefined && values.length === cancelAfter) call.cancel();
    });
    call.on('error', (err) => resolve({ values, payloadBytes, error: errorInfo(err) }));
    call.on('end', () => resolve({ values, payloadBytes, error: null }));
  });
}

const scenarios = {
  // Unary Echo with a header and metadata; args: text, payloadSize, authorization, caPem.
  async unary() {
    const md = new grpc.Metadata();
    if (args.authorization) md.set('authorization', args.authorization);
    md.set('x-test', 'interop');
    const payload = Buffer.alloc(args.payloadSize || 0, 7);
    const result = await unary(echo, 'Echo', { text: args.text || '', payload }, { deadline: deadlineIn(30000) }, md);
    if (result.ok) {
      const r = result.reply;
      result.reply = { text: r.text, payloadSize: r.payload.length, payloadIntact: r.payload.equals(payload), authorization: r.authorization, testHeader: r.test_header };
    }
    return result;
  },
  // Server streaming; args: n, delayMs, payloadSize, callId, failAfter.
  async stream() {
    const call = echo.Count({ n: args.n, delay_ms: args.delayMs || 0, call_id: args.callId || '', payload_size: args.payloadSize || 0, fail_after: args.failAfter || 0 });
    return collectStream(call);
  },
  // A unary call that waits for cancellation, with a client deadline; args: callId, deadlineMs.
  async deadline() {
    return unary(echo, 'WaitForCancel', { call_id: args.callId }, { deadline: deadlineIn(args.deadlineMs) });
  },
  // Server streaming cancelled by the client after some messages; args: callId, cancelAfter.
  async cancel() {
    const call = echo.Count({ n: 100000, delay_ms: 10, call_id: args.callId });
    return collectStream(call, { cancelAfter: args.cancelAfter });
  },
  // An error with google.rpc.Status details; args: text.
  async details() {
    return unary(echo, 'FailWithDetails', { text: args.text });
  },
  // A plain exception in the handler; args: text.
  async crash() {
    return unary(echo, 'Crash', { text: args.text });
  },
  // A method the server does not register, and a service it does not serve.
  async unimplemented() {
    const method = await unary(echo, 'NotImplementedOnServer', { text: 'x' });
    const missing = new MissingService(address, credentials);
    const service = await unary(missing, 'Anything', { text: 'x' });
    missing.close();
    return { method, service };
  },
  // Health Check of several services; args: services (array).
  async healthCheck() {
    const results = {};
    for (const service of args.services) results[service] = await unary(health, 'Check', { service });
    return results;
  },
  // Health Watch: receive the current status, have the server flip it, receive the change, cancel.
  async healthWatch() {
    const call = health.Watch({ service: args.service });
    const seen = [];
    const done = new Promise((resolve) => {
      call.on('data', async (m) => {
        seen.push(m.status);
        if (seen.length === 1) {
          const set = await unary(echo, 'SetHealth', { service: args.service, serving: false });
          if (!set.ok) { call.cancel(); resolve({ seen, setError: set.error }); }
        } else if (seen.length === 2) {
          call.cancel();
        }
      });
      call.on('error', (err) => resolve({ seen, error: errorInfo(err) }));
      call.on('end', () => resolve({ seen, error: null }));
    });
    return done;
  },
};

const run = scenarios[scenario];
if (!run) {
  process.stderr.write(`unknown scenario '${scenario}'; known: ${Object.keys(scenarios).join(', ')}\n`);
  process.exit(2);
}
run()
  .then((result) => {
    process.stdout.write(JSON.stringify(result) + '\n');
    echo.close();
    health.close();
    process.exit(0);
  })
  .catch((err) => {
    process.stderr.write(`scenario '${scenario}' failed: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  });
