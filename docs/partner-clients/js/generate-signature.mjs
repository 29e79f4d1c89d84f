#!/usr/bin/env node
// Seed 001's "generate-signature" tool: prints the three headers of a signed request.
//   node generate-signature.mjs --app-id dev_app_local --secret "$APP_SECRET" --method POST \
//        --path /api/v1/intents --body '{"userId":"user_001","platform":"TAOBAO"}'
import { parseArgs } from 'node:util';
import { signedHeaders, stringToSign } from './signing.mjs';

const USAGE = `usage: generate-signature.mjs --secret SECRET --path PATH [--method GET] [--body JSON]
                               [--timestamp MS] [--app-id ID] [--show-string]
Prints X-App-Id, X-Timestamp, X-Signature (and Content-Type with a body), one per line.
  --path         the request target with its query, as you will send it (e.g. /api/v1/intents?page=1)
  --method       HTTP method (default GET)
  --body         the exact body string you will send (default empty)
  --timestamp    unix milliseconds (default now; valid for 300 s, each signature is accepted once)
  --app-id       your App ID (default the APP_ID environment variable)
  --secret       your app secret (default the APP_SECRET environment variable)
  --show-string  also print the string to sign, to compare with the server's data.signed`;

function fail(message) {
  process.stderr.write(`generate-signature: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      secret: { type: 'string' }, path: { type: 'string' }, method: { type: 'string', default: 'GET' },
      body: { type: 'string', default: '' }, timestamp: { type: 'string' }, 'app-id': { type: 'string' },
      'show-string': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (error) {
  fail(error.message);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const secret = values.secret ?? process.env.APP_SECRET;
const appId = values['app-id'] ?? process.env.APP_ID ?? '';
const timestamp = values.timestamp ?? Date.now().toString();
if (!secret) fail('--secret (or APP_SECRET) is required');
if (!values.path || !values.path.startsWith('/')) fail('--path must be a request target starting with /');
if (!/^\d{1,16}$/.test(timestamp)) fail('--timestamp must be unix milliseconds');
const method = values.method.toUpperCase();
if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) fail(`unknown method ${values.method}`);

const headers = signedHeaders(appId, secret, method, values.path, values.body, timestamp);
for (const [name, value] of Object.entries(headers)) process.stdout.write(`${name}: ${value}\n`);
if (values['show-string']) process.stdout.write(`string to sign: ${stringToSign(method, values.path, timestamp, values.body)}\n`);
