// Compiled by `tsc -p test/types`, never run: it checks that the
// declarations in types/index.d.ts describe the way the README uses them.
import Hls from 'hls.js';
import {attachSignedHls, hlsSigningHooks, streamResource} from '@signet-media/client';
import {
	BadRequestError,
	NotAuthorizedError,
	SignetError,
	attachSignedSource,
	basicAuthorization,
	createClient,
	type MediaAdapter,
	type SignedUrl,
} from '@signet-media/client';

const client = createClient({
	endpoint: 'https://opencast.example.org/api/security/sign',
	credentials: 'include',
	headers: () => ({Authorization: basicAuthorization('demo', 'secret')}),
	margin: 2000,
	retry: {limit: 1},
});

async function play(video: HTMLVideoElement): Promise<void> {
	const controller = new AbortController();
	const signed: SignedUrl = await client.sign('https://media.example.org/a.mp4', {
		lifetime: 60_000,
		signal: controller.signal,
	});
	const until: number = signed.validUntil.getTime();
	void until;

	const fresh = client.keepFresh('https://media.example.org/hls/', {
		lifetime: 600_000,
		resource: 'https://media.example.org/hls/*',
	});
	fresh.addEventListener('url', (event) => {
		const url: string = event.detail.url;
		void url;
	});
	const segment: string = fresh.signUrl('https://media.example.org/hls/segment1.ts');
	void segment;

	const source = attachSignedSource(client, video, 'https://media.example.org/a.mp4', {lifetime: 60_000});
	source.addEventListener('recovered', (event) => {
		const reason: string = event.detail.reason;
		void reason;
	});
	source.addEventListener('error', (event) => {
		if (event.detail instanceof NotAuthorizedError) {
			const status: number = event.detail.status;
			void status;
		}
	});
	await source.ready;
	source.stop();
}

const adapter: MediaAdapter = {
	load(url, {resume}) {
		void url;
		void resume;
	},
	onFailure() {
		return () => {};
	},
};
void adapter;

function describe(error: unknown): string {
	if (error instanceof BadRequestError) {
		return `${error.status} ${error.parameter}: ${error.serverMessage}`;
	}
	if (error instanceof SignetError) {
		return error.message;
	}
	return String(error);
}
void describe;
void play;

// hls.js itself satisfies HlsConstructor, so a player passes its class.

declare const hlsVideo: HTMLVideoElement;
const stream = attachSignedHls(client, Hls, hlsVideo, '/media/hls/master.m3u8', {
	lifetime: 60_000,
	margin: 20_000,
	hlsConfig: {maxBufferLength: 4},
});
const level: number = stream.hls.currentLevel;
stream.ready.then((signed) => signed.validUntil.getTime());
stream.destroy();
const hooks = hlsSigningHooks(stream.fresh);
new Hls({xhrSetup: hooks.xhrSetup, fetchSetup: hooks.fetchSetup});
const pattern: string = streamResource('/media/hls/master.m3u8');
void level;
void pattern;
