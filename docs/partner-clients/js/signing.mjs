// Partner request signing (seed 001): signature = hex(HMAC-SHA256(appSecret, METHOD + PATH + TIMESTAMP + BODY)).
// Node's standard library only; copy this file into your project. Checked against ../vectors.json in CI.
import { createHmac } from 'node:crypto';

/** METHOD + PATH + TIMESTAMP + BODY, exactly what is signed (METHOD upper-cased, the rest verbatim). */
export function stringToSign(method, target, timestamp, body = '') {
  return `${String(method).toUpperCase()}${target}${timestamp}${body ?? ''}`;
}

/**
 * The lower-case hex HMAC-SHA256 of the string to sign. `target` is the path with its query as you
 * wrote it (`/api/v1/intents?filter[status]=SUBMITTED`) or as it goes on the wire: both verify.
 * `body` is the exact JSON string you send (empty for GET and DELETE).
 */
export function computeSignature(secret, method, target, timestamp, body = '') {
  return createHmac('sha256', secret).update(stringToSign(method, target, timestamp, body), 'utf8').digest('hex');
}

/** The headers of a signed request; `timestamp` defaults to now (milliseconds). */
export function signedHeaders(appId, secret, method, target, body = '', timestamp = Date.now().toString()) {
  const headers = {
    'X-App-Id': appId,
    'X-Timestamp': String(timestamp),
    'X-Signature': computeSignature(secret, method, target, String(timestamp), body),
  };
  if (body) headers['Content-Type'] = 'application/json';
  return headers;
}
