import assert from 'node:assert/strict';
import {describe, it} from 'node:test';

import {
	BadRequestError,
	CannotBeSignedError,
	NetworkError,
	NotAuthorizedError,
	ServerError,
	SignetError,
	UnexpectedResponseError,
	createClient,
} from '@signet-media/client';
import {json, signedAnswer, stubFetch} from '../helpers/stub.js';

const endpoint = 'https://signet.example.org/api/security/sign';
const media = 'https://signet.example.org/media/lecture.mp4?user=alice';
const fastRetry = {limit: 2, delay: 1, maxDelay: 2};

/**
 * Signs media with a client whose fetch returns answer() for every call,
 * and returns the error and the number of calls.
 */
async function failure(answer, options = {}) {
	const fetch = stubFetch(answer);
	const client = createClient({endpoint, fetch, retry: fastRetry, ...options});
	const error = await client.sign(media).then(
		() => assert.fail('sign succeeded'),
		(e) => e,
	);
	return {error, calls: fetch.calls.length};
}

describe('sign errors', () => {
	const cases = [
		{
			name: '401',
			answer: () => json(401, {error: 'invalid user name, password or token'}),
			type: NotAuthorizedError,
			status: 401,
			serverMessage: 'invalid user name, password or token',
		},
		{
			name: '403',
			answer: () => json(403, {error: 'user alice may not sign URLs'}),
			type: NotAuthorizedError,
			status: 403,
			serverMessage: 'user alice may not sign URLs',
		},
		{
			name: 'cannot be signed',
			answer: () => json(200, {error: 'Given URL cannot be signed'}),
			type: CannotBeSignedError,
			status: 200,
			serverMessage: 'Given URL cannot be signed',
		},
		{
			name: '400',
			answer: () => json(400, {error: 'invalid valid-source: not an IP address', parameter: 'valid-source'}),
			type: BadRequestError,
			status: 400,
			serverMessage: 'invalid valid-source: not an IP address',
		},
		{
			name: '404',
			answer: () => json(404, {error: 'not found'}),
			type: UnexpectedResponseError,
			status: 404,
			serverMessage: 'not found',
		},
		{
			name: 'HTML page',
			answer: () => new Response('<html>login</html>', {status: 200}),
			type: UnexpectedResponseError,
			status: 200,
			serverMessage: '',
		},
	];
	for (const c of cases) {
		it(`raises ${c.type.name} on ${c.name} without retry`, async () => {
			const {error, calls} = await failure(c.answer);
			assert.ok(error instanceof c.type, `got ${error}`);
			assert.ok(error instanceof SignetError);
			assert.equal(error.name, c.type.name);
			assert.equal(error.status, c.status);
			assert.equal(error.serverMessage, c.serverMessage);
			assert.equal(calls, 1);
			if (c.serverMessage) {
				assert.ok(error.message.includes(c.serverMessage), error.message);
			}
		});
	}

	it('names the parameter of a 400', async () => {
		const {error} = await failure(() => json(400, {error: 'invalid', parameter: 'valid-until'}));
		assert.equal(error.parameter, 'valid-until');
	});

	it('retries a 5xx a bounded number of times', async () => {
		const {error, calls} = await failure(() => json(503, {error: 'overloaded'}));
		assert.ok(error instanceof ServerError);
		assert.equal(error.status, 503);
		assert.equal(error.serverMessage, 'overloaded');
		assert.equal(calls, 3);
	});

	it('retries a network failure', async () => {
		const {error, calls} = await failure(() => {
			throw new TypeError('fetch failed');
		});
		assert.ok(error instanceof NetworkError);
		assert.equal(error.status, 0);
		assert.ok(error.cause instanceof TypeError);
		assert.equal(calls, 3);
	});

	it('succeeds after a retried 500', async () => {
		let n = 0;
		const fetch = stubFetch((call) => (++n === 1 ? json(500, {error: 'internal server error'}) : signedAnswer(call, n)));
		const client = createClient({endpoint, fetch, retry: fastRetry});
		const signed = await client.sign(media);
		assert.match(signed.url, /signature=/);
		assert.equal(fetch.calls.length, 2);
	});

	it('backs off between retries', async () => {
		const fetch = stubFetch(() => json(502, {}));
		const client = createClient({endpoint, fetch, retry: {limit: 2, delay: 40, maxDelay: 1000}});
		const start = Date.now();
		await assert.rejects(client.sign(media), ServerError);
		// Waits of 40 and 80 ms, each scaled by at least 0.5.
		assert.ok(Date.now() - start >= 60, `took ${Date.now() - start} ms`);
	});

	it('aborts the wait between retries', async () => {
		const fetch = stubFetch(() => json(500, {}));
		const client = createClient({endpoint, fetch, retry: {limit: 5, delay: 10_000}});
		const controller = new AbortController();
		const pending = client.sign(media, {signal: controller.signal});
		setTimeout(() => controller.abort(), 20);
		await assert.rejects(pending, {name: 'AbortError'});
		assert.equal(fetch.calls.length, 1);
	});

	it('times out a hanging request', async () => {
		const fetch = stubFetch((call) => new Promise((_, reject) => {
			call.init.signal?.addEventListener('abort', () => reject(call.init.signal?.reason));
		}));
		const client = createClient({endpoint, fetch, timeout: 20, retry: {limit: 0}});
		await assert.rejects(client.sign(media), (error) => {
			assert.ok(error instanceof NetworkError);
			assert.match(error.message, /timed out after 20 ms/);
			return true;
		});
	});
});

describe('error redaction', () => {
	const signed = 'https://signet.example.org/media/a.mp4?policy=eyJQ&keyId=k1&signature=0123abcd';

	it('redacts URLs in the server message', async () => {
		const {error} = await failure(() => json(400, {error: `invalid url: ${signed} is odd`, parameter: 'url'}));
		for (const text of [error.message, error.serverMessage, String(error), error.stack]) {
			assert.ok(!text.includes('0123abcd'), text);
			assert.ok(!text.includes('policy='), text);
		}
		assert.ok(error.serverMessage.includes('https://signet.example.org/media/a.mp4?REDACTED'));
	});

	it('redacts the query of the URL to sign', async () => {
		const {error} = await failure(() => json(401, {error: 'no'}));
		assert.equal(error.url, 'https://signet.example.org/media/lecture.mp4?REDACTED');
		assert.ok(!error.message.includes('alice'), error.message);
	});

	it('leaves out the token and password', async () => {
		const token = 'secret-token-42';
		const password = 'secret-password-42';
		const {error} = await failure(() => json(401, {error: 'invalid user name, password or token'}), {
			token,
			headers: {'X-Password': password},
		});
		const text = JSON.stringify({...error, message: error.message, stack: error.stack});
		assert.ok(!text.includes(token));
		assert.ok(!text.includes(password));
	});
});
