// Integration tests against the real `signet serve` with a configuration
// file: a key for path-only URLs and bearer tokens.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';

import {
	CannotBeSignedError,
	NetworkError,
	NotAuthorizedError,
	UnexpectedResponseError,
	createClient,
} from '@signet-media/client';
import {freePort, startConfigured} from '../helpers/server.js';

/** @type {Awaited<ReturnType<typeof startConfigured>>} */
let server;
/** @type {string} */
let endpoint;

before(async () => {
	server = await startConfigured();
	endpoint = `${server.base}/api/security/sign`;
});

after(async () => {
	await server?.stop();
});

describe('configured server', () => {
	it('signs a path-only URL with a bearer token', async () => {
		const client = createClient({endpoint, token: server.token});
		const signed = await client.sign('/media/sample.webm');
		assert.match(signed.url, /^\/media\/sample\.webm\?policy=[^&]+&keyId=jsclient&signature=[0-9a-f]+$/);
		const response = await fetch(`${server.base}${signed.url}`, {headers: {Range: 'bytes=0-0'}});
		assert.equal(response.status, 206);
	});

	it('cannot sign an absolute URL with a path-only key', async () => {
		const client = createClient({endpoint, token: server.token});
		await assert.rejects(client.sign(`${server.base}/media/sample.webm`), CannotBeSignedError);
	});

	it('raises NotAuthorizedError 403 for a token without the role', async () => {
		const client = createClient({endpoint, token: server.viewerToken});
		await assert.rejects(client.sign('/media/sample.webm'), (error) => {
			assert.ok(error instanceof NotAuthorizedError);
			assert.equal(error.status, 403);
			assert.match(error.serverMessage, /may not sign URLs/);
			assert.ok(!error.message.includes(server.viewerToken));
			return true;
		});
	});

	it('raises NotAuthorizedError 401 for an unknown token', async () => {
		const client = createClient({endpoint, token: 'not-a-token'});
		await assert.rejects(client.sign('/media/sample.webm'), {name: 'NotAuthorizedError', status: 401});
	});

	it('raises UnexpectedResponseError for a wrong endpoint', async () => {
		const client = createClient({endpoint: `${server.base}/api/security/sig`, token: server.token});
		await assert.rejects(client.sign('/media/sample.webm'), (error) => {
			assert.ok(error instanceof UnexpectedResponseError);
			assert.equal(error.status, 404);
			return true;
		});
	});
});

describe('unreachable server', () => {
	it('raises NetworkError after the retries', async () => {
		const port = await freePort();
		let calls = 0;
		const client = createClient({
			endpoint: `http://127.0.0.1:${port}/api/security/sign`,
			retry: {limit: 2, delay: 10},
			fetch: (input, init) => {
				calls++;
				return fetch(input, init);
			},
		});
		await assert.rejects(client.sign('/media/sample.webm'), (error) => {
			assert.ok(error instanceof NetworkError);
			assert.equal(error.status, 0);
			return true;
		});
		assert.equal(calls, 3);
	});
});
