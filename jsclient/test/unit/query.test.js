import assert from 'node:assert/strict';
import {describe, it} from 'node:test';

import {coveredBy, redactText, redactUrl, signingQuery, withSigningQuery} from '@signet-media/client';

const signed = 'https://m.example.org/hls/index.m3u8?policy=eyJ%3D&keyId=k1&signature=abc';

describe('redactUrl', () => {
	it('replaces the query', () => {
		assert.equal(redactUrl(signed), 'https://m.example.org/hls/index.m3u8?REDACTED');
	});

	it('keeps the fragment', () => {
		assert.equal(redactUrl('/a.mp4?signature=x#t=10'), '/a.mp4?REDACTED#t=10');
	});

	it('leaves a URL without query alone', () => {
		assert.equal(redactUrl('https://m.example.org/a.mp4'), 'https://m.example.org/a.mp4');
	});
});

describe('redactText', () => {
	it('redacts every URL in a text', () => {
		const text = `from ${signed} and "/media/b.mp4?signature=def", done`;
		assert.equal(
			redactText(text),
			'from https://m.example.org/hls/index.m3u8?REDACTED and "/media/b.mp4?REDACTED", done',
		);
	});

	it('leaves prose alone', () => {
		assert.equal(redactText('is it signed? no'), 'is it signed? no');
	});
});

describe('signingQuery', () => {
	it('returns the signing parameters as written', () => {
		assert.equal(signingQuery(`${signed}#x`), 'policy=eyJ%3D&keyId=k1&signature=abc');
	});

	it('leaves out other parameters', () => {
		assert.equal(signingQuery('/a?x=1&policy=p&keyId=k&signature=s&y=2'), 'policy=p&keyId=k&signature=s');
	});
});

describe('withSigningQuery', () => {
	it('appends the signing query', () => {
		assert.equal(
			withSigningQuery('https://m.example.org/hls/seg1.ts', signed),
			'https://m.example.org/hls/seg1.ts?policy=eyJ%3D&keyId=k1&signature=abc',
		);
	});

	it('replaces an old signature and keeps the rest', () => {
		assert.equal(
			withSigningQuery('/hls/seg1.ts?x=1&signature=old#f', signed),
			'/hls/seg1.ts?x=1&policy=eyJ%3D&keyId=k1&signature=abc#f',
		);
	});
});

describe('coveredBy', () => {
	it('matches an absolute prefix', () => {
		assert.equal(coveredBy('https://m.example.org/hls/seg1.ts', 'https://m.example.org/hls/*'), true);
		assert.equal(coveredBy('https://m.example.org/other/seg1.ts', 'https://m.example.org/hls/*'), false);
	});

	it('covers nothing with a path-only prefix and no base', () => {
		assert.equal(coveredBy('https://m.example.org/hls/seg1.ts?x=1', '/hls/*'), false);
		assert.equal(coveredBy('/hls/seg1.ts', '/hls/*'), false);
	});

	it('matches a path-only prefix only on the origin of the base', () => {
		const base = 'https://m.example.org/hls/master.m3u8';
		assert.equal(coveredBy('https://m.example.org/hls/seg1.ts', '/hls/*', base), true);
		assert.equal(coveredBy('https://M.EXAMPLE.ORG:443/hls/seg1.ts', '/hls/*', base), true);
		assert.equal(coveredBy('seg1.ts', '/hls/*', base), true);
		assert.equal(coveredBy('/hlsx/seg1.ts', '/hls/*', base), false);
		assert.equal(coveredBy('https://evil.example/hls/seg1.ts', '/hls/*', base), false);
		assert.equal(coveredBy('https://m.example.org:8443/hls/seg1.ts', '/hls/*', base), false);
		assert.equal(coveredBy('http://m.example.org/hls/seg1.ts', '/hls/*', base), false);
	});

	it('matches an absolute prefix only on its own origin', () => {
		const pattern = 'https://m.example.org*';
		assert.equal(coveredBy('https://m.example.org/x.ts', pattern), true);
		assert.equal(coveredBy('https://m.example.org.evil.example/x.ts', pattern), false);
		assert.equal(coveredBy('https://m.example.org@evil.example/x.ts', pattern), false);
		assert.equal(coveredBy('https://m.example.org:8443/x.ts', pattern), false);
		assert.equal(coveredBy('\\\\evil.example/hls/x.ts', 'https://m.example.org/hls/*', 'https://m.example.org/hls/a.m3u8'), false);
	});
});
