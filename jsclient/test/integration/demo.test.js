// Integration tests against the real `signet serve` in demo mode, which
// authenticates the demo user with HTTP Basic.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';

import {
	BadRequestError,
	CannotBeSignedError,
	NotAuthorizedError,
	basicAuthorization,
	checkRejection,
	createClient,
} from '@signet-media/client';
import {delay} from '../helpers/stub.js';
import {startDemo} from '../helpers/server.js';

/** @type {import('../helpers/server.js').RunningServer} */
let server;
/** @type {string} */
let endpoint;
/** @type {string} */
let sample;

before(async () => {
	server = await startDemo();
	endpoint = `${server.base}/api/security/sign`;
	sample = `${server.base}/media/sample.mp4`;
});

after(async () => {
	await server?.stop();
});

/** Returns a client that signs in as the demo user, counting its calls. */
function demoClient(options = {}) {
	let calls = 0;
	const client = createClient({
		endpoint,
		headers: () => ({Authorization: basicAuthorization('demo', server.password ?? '')}),
		fetch: (input, init) => {
			calls++;
			return fetch(input, init);
		},
		...options,
	});
	return {client, calls: () => calls};
}

describe('demo server', () => {
	it('signs a URL that the media server accepts', async () => {
		const {client} = demoClient();
		const signed = await client.sign(sample);
		assert.ok(signed.url.startsWith(`${sample}?policy=`));
		assert.ok(signed.validUntil.getTime() > Date.now() + 3_600_000);
		const response = await fetch(signed.url, {headers: {Range: 'bytes=0-99'}});
		assert.equal(response.status, 206);
		assert.equal((await response.arrayBuffer()).byteLength, 100);
	});

	it('rejects the unsigned URL with 401', async () => {
		const rejection = await checkRejection(sample);
		assert.equal(rejection?.status, 401);
		assert.equal(rejection?.reason, 'unsigned');
	});

	it('rejects a tampered signature with 403', async () => {
		const {client} = demoClient();
		const signed = await client.sign(sample);
		const rejection = await checkRejection(signed.url.replace('signature=', 'signature=0'));
		assert.equal(rejection?.status, 403);
		assert.equal(rejection?.reason, 'invalid-signature');
		assert.ok(!rejection?.message.includes('signature='), rejection?.message);
	});

	it('raises NotAuthorizedError for a wrong password', async () => {
		const client = createClient({endpoint, headers: {Authorization: basicAuthorization('demo', 'wrong')}});
		await assert.rejects(client.sign(sample), (error) => {
			assert.ok(error instanceof NotAuthorizedError);
			assert.equal(error.status, 401);
			assert.equal(error.serverMessage, 'invalid user name, password or token');
			return true;
		});
	});

	it('raises CannotBeSignedError outside the key', async () => {
		const {client} = demoClient();
		await assert.rejects(client.sign(`${server.base}/elsewhere/a.mp4`), (error) => {
			assert.ok(error instanceof CannotBeSignedError);
			assert.equal(error.status, 200);
			assert.equal(error.serverMessage, 'Given URL cannot be signed');
			return true;
		});
	});

	it('raises BadRequestError naming valid-source', async () => {
		const {client, calls} = demoClient();
		await assert.rejects(client.sign(sample, {validSource: 'not-an-ip'}), (error) => {
			assert.ok(error instanceof BadRequestError);
			assert.equal(error.status, 400);
			assert.equal(error.parameter, 'valid-source');
			return true;
		});
		assert.equal(calls(), 1);
	});

	it('raises BadRequestError naming valid-until', async () => {
		const {client} = demoClient();
		const tooLate = new Date(Date.now() + 400 * 24 * 3_600_000);
		await assert.rejects(client.sign(sample, {validUntil: tooLate}), (error) => {
			assert.ok(error instanceof BadRequestError);
			assert.equal(error.parameter, 'valid-until');
			assert.match(error.serverMessage, /maximum lifetime/);
			return true;
		});
	});

	it('shares one call among concurrent requests', async () => {
		const {client, calls} = demoClient();
		const results = await Promise.all(Array.from({length: 5}, () => client.sign(sample)));
		assert.equal(calls(), 1);
		assert.equal(new Set(results.map((r) => r.url)).size, 1);
	});

	it('serves a short-lived URL until it expires', async () => {
		const {client} = demoClient({margin: 500});
		const signed = await client.sign(sample, {lifetime: 2000});
		assert.ok(signed.validUntil.getTime() - Date.now() <= 3000);
		assert.equal((await fetch(signed.url, {headers: {Range: 'bytes=0-0'}})).status, 206);
		await delay(signed.validUntil.getTime() - Date.now() + 1100);
		const rejection = await checkRejection(signed.url);
		assert.equal(rejection?.status, 410);
		assert.equal(rejection?.reason, 'expired');
	});

	it('keeps a URL fresh past its expiry', async () => {
		const {client} = demoClient();
		const fresh = client.keepFresh(sample, {lifetime: 4000, margin: 2000});
		try {
			const first = await fresh.ready;
			const next = await new Promise((resolve) => fresh.addEventListener('url', (e) => resolve(e.detail), {once: true}));
			assert.notEqual(next.url, first.url);
			assert.ok(next.validUntil > first.validUntil);
			await delay(first.validUntil.getTime() - Date.now() + 1100);
			assert.equal((await checkRejection(first.url))?.status, 410);
			assert.equal(await checkRejection(fresh.current?.url ?? ''), undefined);
		} finally {
			fresh.stop();
		}
	});

	it('signs every URL under a resource pattern', async () => {
		const {client} = demoClient();
		const fresh = client.keepFresh(sample, {resource: `${server.base}/media/*`});
		try {
			await fresh.ready;
			const other = fresh.signUrl(`${server.base}/media/sample.webm`);
			assert.match(other, /sample\.webm\?policy=/);
			const response = await fetch(other, {headers: {Range: 'bytes=0-0'}});
			assert.equal(response.status, 206);
		} finally {
			fresh.stop();
		}
	});
});
