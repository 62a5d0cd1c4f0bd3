import {signingQuery} from './query.js';

/**
 * @typedef {import('../types/index.js').HlsLike} HlsLike
 * @typedef {import('../types/index.js').HlsConstructor} HlsConstructor
 * @typedef {import('../types/index.js').SignedHlsOptions} SignedHlsOptions
 * @typedef {import('../types/index.js').SignedUrl} SignedUrl
 * @typedef {import('./client.js').SignetClient} SignetClient
 * @typedef {import('./fresh.js').FreshUrl} FreshUrl
 */

/** Statuses of a media request after which a new signature may succeed. */
const renewableStatuses = new Set([403, 410]);

/**
 * Returns the hls.js configuration hooks `xhrSetup` and `fetchSetup`,
 * which send every request that fresh's resource pattern covers with the
 * current signing query, replacing a signature that the URL already
 * carries, such as one that the server wrote into a playlist. Each request
 * reads the query when it starts, so requests after a refresh carry the
 * new signature without reloading the stream. Before the first signed URL
 * the hooks wait for it.
 *
 * @param {FreshUrl} fresh
 */
export function hlsSigningHooks(fresh) {
	/** @param {string} url */
	const whenSigned = (url) => (fresh.current ? fresh.signUrl(url) : fresh.ready.then(() => fresh.signUrl(url)));
	return {
		/**
		 * @param {XMLHttpRequest} xhr
		 * @param {string} url
		 */
		xhrSetup(xhr, url) {
			const signed = whenSigned(url);
			if (typeof signed === 'string') {
				xhr.open('GET', signed, true);
				return undefined;
			}
			return signed.then((resolved) => xhr.open('GET', resolved, true));
		},
		/**
		 * @param {{url: string}} context
		 * @param {RequestInit} init
		 */
		fetchSetup(context, init) {
			const signed = whenSigned(context.url);
			if (typeof signed === 'string') {
				return new Request(signed, init);
			}
			return signed.then((resolved) => new Request(resolved, init));
		},
	};
}

/**
 * Returns the default resource pattern of a stream: the directory of its
 * playlist URL followed by `*`, such as `https://m.example.org/hls/*` for
 * `https://m.example.org/hls/master.m3u8`.
 *
 * @param {string} url
 */
export function streamResource(url) {
	const bare = url.split(/[?#]/, 1)[0];
	return `${bare.slice(0, bare.lastIndexOf('/') + 1)}*`;
}

/**
 * Plays the HLS stream at url in media with hls.js, signed with one
 * prefix-scoped signature that keepFresh renews. Every request inside the
 * resource pattern (default: the playlist's directory plus `*`) carries
 * the current signature, so the stream plays whether or not the server
 * rewrites its playlists. When a request inside the scope is rejected
 * with 403 or 410 while it carried the current signature, the URL is
 * signed again at once and hls.js retries with the new one.
 *
 * Hls is the hls.js class, passed in so that this package does not depend
 * on hls.js. `hlsConfig` goes to its constructor; its own `xhrSetup` and
 * `fetchSetup` are replaced.
 *
 * @param {SignetClient} client
 * @param {HlsConstructor} Hls
 * @param {HTMLMediaElement} media
 * @param {string | URL} url
 * @param {SignedHlsOptions} [options]
 */
export function attachSignedHls(client, Hls, media, url, options = {}) {
	const {hlsConfig, ...freshOptions} = options;
	const resource = options.resource ?? streamResource(String(url));
	const fresh = client.keepFresh(url, {...freshOptions, resource});
	const hls = new Hls({...hlsConfig, ...hlsSigningHooks(fresh)});
	let stopped = false;

	/** @param {string} _event @param {any} data */
	const onError = (_event, data) => {
		if (!renewableStatuses.has(data?.response?.code)) {
			return;
		}
		const failed = data.networkDetails?.responseURL || data.context?.url || data.url || '';
		if (!failed || signingQuery(failed) === fresh.query()) {
			fresh.refresh().catch(() => {});
		}
	};
	hls.on(Hls.Events.ERROR, onError);
	hls.attachMedia(media);
	const ready = fresh.ready.then((signed) => {
		if (!stopped) {
			hls.loadSource(signed.url);
		}
		return signed;
	});
	ready.catch(() => {});

	return {
		hls,
		fresh,
		ready,
		/** Stops refreshing and destroys the hls.js instance. */
		destroy() {
			stopped = true;
			fresh.stop();
			hls.off(Hls.Events.ERROR, onError);
			hls.destroy();
		},
	};
}
