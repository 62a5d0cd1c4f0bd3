import {MediaRejectedError, SignetError} from './errors.js';
import {redactUrl} from './redact.js';

/**
 * @typedef {import('../types/index.js').MediaAdapter} MediaAdapter
 * @typedef {import('../types/index.js').SignedSourceOptions} SignedSourceOptions
 * @typedef {import('../types/index.js').SignedUrl} SignedUrl
 * @typedef {import('./fresh.js').FreshUrl} FreshUrl
 */

/** MediaError codes that a rejected request can cause. */
const MEDIA_ERR_NETWORK = 2;
const MEDIA_ERR_SRC_NOT_SUPPORTED = 4;

/** The statuses after which a player signs again and reloads once. */
const recoverableStatuses = new Set([403, 410]);

/**
 * Returns the MediaAdapter of an HTMLMediaElement (`<video>` or
 * `<audio>`). Its load sets `src`, and with resume it keeps playing a
 * playing element and restores the playback position once the new source
 * has its metadata. It reports an `error` event of the element, for a network
 * failure or a source that cannot be opened, as a failure of the URL.
 *
 * @param {HTMLMediaElement} media
 * @returns {MediaAdapter}
 */
export function mediaElementAdapter(media) {
	let generation = 0;
	let restoring = false;
	// The last position seen while the element played without error, and
	// whether playback was requested. An element that failed or got a new
	// source may have reset both.
	let saved = {time: 0, paused: true};
	const remember = (/** @type {Event} */ event) => {
		if (restoring) {
			return;
		}
		// A failed load pauses the element, but playback stays requested.
		if (event.type === 'play' || (event.type === 'pause' && !media.error)) {
			saved = {...saved, paused: event.type === 'pause'};
		}
		if (!media.error && media.readyState > 0) {
			saved = {time: media.currentTime, paused: media.paused};
		}
	};
	const events = ['timeupdate', 'play', 'pause', 'seeked'];
	for (const name of events) {
		media.addEventListener(name, remember);
	}

	return {
		load(url, {resume}) {
			remember(new Event('load'));
			const state = saved;
			const current = ++generation;
			media.src = url;
			if (!resume) {
				restoring = false;
				return;
			}
			restoring = true;
			restoreWhenReady(media, state, () => current === generation, () => {
				restoring = false;
			});
		},
		onFailure(listener) {
			const onError = () => {
				const code = media.error?.code;
				if (code === MEDIA_ERR_NETWORK || code === MEDIA_ERR_SRC_NOT_SUPPORTED) {
					// The attribute is the URL as load set it; src and
					// currentSrc hold it resolved against the page.
					listener(media.getAttribute('src') ?? media.src);
				}
			};
			media.addEventListener('error', onError);
			return () => media.removeEventListener('error', onError);
		},
		onPlaying(listener) {
			media.addEventListener('playing', listener);
			return () => media.removeEventListener('playing', listener);
		},
		destroy() {
			generation++;
			for (const name of events) {
				media.removeEventListener(name, remember);
			}
		},
	};
}

/**
 * Restores a playback position and paused state on a new source. Playback
 * resumes at once, because play() also starts loading an element with
 * preload "none". The position is set once the metadata has loaded, unless
 * isCurrent reports that yet another source was set since. Calls done once
 * the state is restored.
 *
 * @param {HTMLMediaElement} media
 * @param {{time: number, paused: boolean}} state
 * @param {() => boolean} isCurrent
 * @param {() => void} done
 */
function restoreWhenReady(media, state, isCurrent, done) {
	if (!state.paused) {
		media.play().catch(() => {});
	}
	media.addEventListener('loadedmetadata', () => {
		if (!isCurrent()) {
			return;
		}
		if (state.time > 0) {
			media.currentTime = state.time;
		}
		done();
	}, {once: true});
}

/**
 * Checks why a player could not load a signed URL: it fetches the first
 * byte and returns the status and the `X-Signet-Reason` and JSON `error`
 * of a rejection. Returns undefined when the URL loads or the check
 * itself fails.
 *
 * @param {string} url
 * @param {typeof fetch} fetchImpl
 * @returns {Promise<MediaRejectedError | undefined>}
 */
export async function checkRejection(url, fetchImpl = globalThis.fetch.bind(globalThis)) {
	let response;
	try {
		response = await fetchImpl(url, {headers: {Range: 'bytes=0-0'}, cache: 'no-store'});
	} catch {
		return undefined;
	}
	if (response.ok) {
		await response.body?.cancel();
		return undefined;
	}
	const reason = response.headers.get('X-Signet-Reason') ?? '';
	const body = await response.json().catch(() => undefined);
	const serverMessage = typeof body?.error === 'string' ? body.error : '';
	const detail = [reason, serverMessage].filter(Boolean).join(': ');
	return new MediaRejectedError(
		`The media server rejected ${redactUrl(url)} with ${response.status}${detail ? ` ${detail}` : ''}`,
		{status: response.status, serverMessage, url, reason},
	);
}

/**
 * A media element or adapter that plays a URL kept fresh by a FreshUrl.
 * It dispatches `url` (detail: the SignedUrl now playing), `recovered`
 * (detail: the MediaRejectedError that a new signature fixed) and `error`
 * (detail: the error that ended playback, or a failed refresh).
 */
export class SignedSource extends EventTarget {
	/**
	 * @param {MediaAdapter} adapter
	 * @param {FreshUrl} fresh
	 * @param {SignedSourceOptions} options
	 */
	constructor(adapter, fresh, options) {
		super();
		this.adapter = adapter;
		this.fresh = fresh;
		this.options = options;
		this.fetch = options.fetch ?? globalThis.fetch?.bind(globalThis);
		/** The URL whose rejection led to the last re-signing, if any. */
		this.recoveredFrom = '';
		this.loaded = 0;
		this.onUrl = (/** @type {Event} */ event) => this.load(/** @type {CustomEvent} */ (event).detail);
		this.onError = (/** @type {Event} */ event) => this.report(/** @type {CustomEvent} */ (event).detail);
		fresh.addEventListener('url', this.onUrl);
		fresh.addEventListener('error', this.onError);
		const unsubscribeFailure = adapter.onFailure((url) => this.handleFailure(url));
		const unsubscribePlaying = adapter.onPlaying?.(() => this.confirmPlaying());
		this.unsubscribe = () => {
			unsubscribeFailure();
			unsubscribePlaying?.();
		};
		/** @type {Promise<SignedUrl>} */
		this.ready = fresh.ready;
	}

	/** The SignedUrl that the player was given last. */
	get current() {
		return this.fresh.current;
	}

	/** @param {SignedUrl} signed */
	load(signed) {
		this.adapter.load(signed.url, {resume: this.loaded > 0});
		this.loaded++;
		this.options.onUrl?.(signed);
		this.dispatchEvent(new CustomEvent('url', {detail: signed}));
	}

	/**
	 * Finds out why url failed and, for a 403 or 410, signs again once. A
	 * second rejection in a row ends playback with an `error` event.
	 *
	 * @param {string} url
	 */
	async handleFailure(url) {
		if (url !== this.fresh.current?.url) {
			return;
		}
		const rejection = this.fetch ? await checkRejection(url, this.fetch) : undefined;
		if (!rejection) {
			this.report(new SignetError(`The player failed to load ${redactUrl(url)}, and the media server accepts the URL`, {url}));
			return;
		}
		if (!recoverableStatuses.has(rejection.status) || this.recoveredFrom !== '') {
			this.report(rejection);
			return;
		}
		this.recoveredFrom = url;
		this.dispatchEvent(new CustomEvent('recovered', {detail: rejection}));
		await this.fresh.refresh().catch(() => {});
	}

	/**
	 * Marks the current URL as playing, which allows another recovery after
	 * a later rejection.
	 */
	confirmPlaying() {
		if (this.fresh.current?.url !== this.recoveredFrom) {
			this.recoveredFrom = '';
		}
	}

	/** @param {unknown} error */
	report(error) {
		this.options.onError?.(error);
		this.dispatchEvent(new CustomEvent('error', {detail: error}));
	}

	/**
	 * Stops refreshing and detaches from the player, which keeps its current
	 * source.
	 */
	stop() {
		this.fresh.stop();
		this.fresh.removeEventListener('url', this.onUrl);
		this.fresh.removeEventListener('error', this.onError);
		this.unsubscribe();
		this.adapter.destroy?.();
	}
}

/**
 * Signs url, sets it as the source of a media element or adapter and keeps
 * it fresh: each refresh loads the new URL, keeping the playback position
 * and the paused state. When the media server rejects the URL with 403 or
 * 410 during playback, it signs again and reloads, once until playback
 * resumes. Pass an HTMLMediaElement, or a MediaAdapter for other players
 * such as hls.js.
 *
 * @param {import('./client.js').SignetClient} client
 * @param {HTMLMediaElement | MediaAdapter} target
 * @param {string | URL} url
 * @param {SignedSourceOptions} [options]
 * @returns {SignedSource}
 */
export function attachSignedSource(client, target, url, options = {}) {
	const adapter = isAdapter(target) ? target : mediaElementAdapter(target);
	const fresh = client.keepFresh(url, options);
	return new SignedSource(adapter, fresh, options);
}

/**
 * @param {HTMLMediaElement | MediaAdapter} target
 * @returns {target is MediaAdapter}
 */
function isAdapter(target) {
	return typeof (/** @type {MediaAdapter} */ (target).onFailure) === 'function';
}
