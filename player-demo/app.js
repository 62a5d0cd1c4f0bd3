// The player demo: signs a sample's URL with the JavaScript client, plays
// it, keeps it fresh, and shows the server's responses to bad URLs. The
// signet binary embeds the client's sources and serves them under vendor/.
import {
	NotAuthorizedError,
	SignetError,
	attachSignedHls,
	attachSignedSource,
	basicAuthorization,
	checkRejection,
	createClient,
	redactUrl,
} from './vendor/signet-client/index.js';

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const video = /** @type {HTMLVideoElement} */ ($('video'));

/** The state of the page. */
const state = {
	/** @type {import('./vendor/signet-client/index.js').SignetClient | undefined} */
	client: undefined,
	/** @type {import('./vendor/signet-client/index.js').SignedSource | undefined} */
	source: undefined,
	/** The number of signed URLs the current source has had. */
	urls: 0,
	/** The playback position before the last source change, in seconds. */
	position: 0,
	/** Milliseconds each signed URL is valid for, as requested. */
	lifetime: 0,
	/** The number of times playback stopped to wait for data after it started. */
	stalls: 0,
	/** Whether the current source has started playing. */
	started: false,
	/** Whether a refreshed URL replaced the source and it has not played since. */
	reloading: false,
};

/** The path of the HLS sample's master playlist, relative to /media/. */
const hlsSample = 'hls/master.m3u8';

/** Resolves with the hls.js class, or undefined when the server does not offer it. */
let hlsLoading;

/** Loads hls.js from vendor/hls.min.js once. */
function loadHls() {
	hlsLoading ??= new Promise((resolve) => {
		const script = document.createElement('script');
		script.src = 'vendor/hls.min.js';
		script.onload = () => resolve(/** @type {any} */ (window).Hls);
		script.onerror = () => resolve(undefined);
		document.head.append(script);
	});
	return hlsLoading;
}

/** Returns the path of the selected sample, signed as a path-only URL. */
function sampleUrl() {
	return `/media/${/** @type {HTMLSelectElement} */ ($('sample')).value}`;
}

/** Returns the lifetime and margin inputs in milliseconds. */
function timing() {
	const lifetime = Number(/** @type {HTMLInputElement} */ ($('lifetime')).value) * 1000;
	const margin = Number(/** @type {HTMLInputElement} */ ($('margin')).value) * 1000;
	return {lifetime, margin};
}

/**
 * Adds a line to the log. Signed URLs never reach it unredacted.
 *
 * @param {string} text
 * @param {'ok' | 'refused' | ''} [kind]
 */
function log(text, kind = '') {
	const item = document.createElement('li');
	const time = document.createElement('time');
	time.textContent = new Date().toLocaleTimeString();
	item.append(time, text);
	if (kind) {
		item.className = kind;
	}
	$('log').prepend(item);
}

/**
 * Shows a URL with its signature and policy hidden, keeping the key id so
 * that a reader sees which key signed it.
 *
 * @param {string} url
 */
function describeUrl(url) {
	const keyId = new URLSearchParams(url.split('?')[1] ?? '').get('keyId');
	const bare = redactUrl(url).replace(/\?REDACTED$/, '');
	return keyId ? `${bare}?policy=…&keyId=${keyId}&signature=…` : redactUrl(url);
}

/**
 * Shows the server's response in the rejections section.
 *
 * @param {string} text
 * @param {'ok' | 'refused'} kind
 */
function showAnswer(text, kind) {
	const answer = $('answer');
	answer.hidden = false;
	answer.className = `answer ${kind}`;
	answer.textContent = text;
}

/** @param {unknown} error */
function describeError(error) {
	if (error instanceof SignetError) {
		return error.message;
	}
	return error instanceof Error ? error.message : String(error);
}

async function signIn(/** @type {SubmitEvent} */ event) {
	event.preventDefault();
	const user = /** @type {HTMLInputElement} */ ($('user')).value;
	const password = /** @type {HTMLInputElement} */ ($('password')).value;
	const client = createClient({
		endpoint: new URL('/api/security/sign', location.href).href,
		headers: () => ({Authorization: basicAuthorization(user, password)}),
		// With credentials omitted, Chromium shows no login dialog of its own
		// when the server responds to a wrong password with a Basic challenge.
		credentials: 'omit',
		margin: timing().margin,
	});

	const status = $('sign-in-status');
	status.className = 'status';
	status.textContent = 'Signing in…';
	try {
		// A first signature checks the credentials; keepFresh reuses it.
		await client.sign(sampleUrl(), timing());
	} catch (error) {
		status.className = 'status refused';
		status.textContent = error instanceof NotAuthorizedError
			? `Sign-in failed: the server answered ${error.status}, ${error.serverMessage}.`
			: `Sign-in failed: ${describeError(error)}`;
		log(status.textContent, 'refused');
		return;
	}

	state.client = client;
	status.className = 'status ok';
	status.textContent = `Signed in as ${user}.`;
	log(`Signed in as ${user}.`, 'ok');
	$('player').classList.remove('disabled');
	$('refusals').classList.remove('disabled');
}

async function play(/** @type {SubmitEvent} */ event) {
	event.preventDefault();
	if (!state.client) {
		return;
	}
	stopSource();
	$('answer').hidden = true;

	const {lifetime, margin} = timing();
	if (!(lifetime > margin)) {
		log('The lifetime must be longer than the refresh margin.', 'refused');
		return;
	}
	state.urls = 0;
	state.lifetime = lifetime;
	state.stalls = 0;
	state.started = false;
	state.reloading = false;
	$('refresh-count').textContent = '0';
	$('stall-count').textContent = '0';
	if (sampleUrl().endsWith('.m3u8')) {
		await playHls(state.client, lifetime, margin);
		return;
	}

	const source = attachSignedSource(state.client, video, sampleUrl(), {lifetime, margin});
	state.source = source;
	source.addEventListener('url', (e) => onUrl(e.detail));
	source.addEventListener('recovered', (e) => {
		log(`The server rejected the URL with ${e.detail.status} ${e.detail.reason}; signed it again and resumed.`);
	});
	source.addEventListener('error', (e) => {
		log(`Playback stopped: ${describeError(e.detail)}`, 'refused');
	});
	try {
		await source.ready;
		await video.play();
	} catch (error) {
		log(`Could not play: ${describeError(error)}`, 'refused');
	}
}

/**
 * Plays the HLS sample with hls.js, signed once for its directory, or
 * natively where the browser plays HLS, relying on the server to sign the
 * URIs in the playlists.
 *
 * @param {import('./vendor/signet-client/index.js').SignetClient} client
 * @param {number} lifetime
 * @param {number} margin
 */
async function playHls(client, lifetime, margin) {
	const Hls = await loadHls();
	if (!Hls?.isSupported()) {
		if (!video.canPlayType('application/vnd.apple.mpegurl')) {
			log('This browser cannot play HLS without hls.js, and the server does not offer vendor/hls.min.js.', 'refused');
			return;
		}
		const source = attachSignedSource(client, video, sampleUrl(), {lifetime, margin, resource: '/media/hls/*'});
		state.source = source;
		source.addEventListener('url', (e) => onUrl(e.detail));
		await startPlaying(source.ready);
		return;
	}
	const stream = attachSignedHls(client, Hls, video, sampleUrl(), {
		lifetime,
		margin,
		// A short buffer spreads the segment requests over the playback, so
		// that they use each refreshed signature in turn.
		hlsConfig: {maxBufferLength: 4, maxMaxBufferLength: 6},
	});
	state.source = {
		get current() {
			return stream.fresh.current;
		},
		stop: () => stream.destroy(),
	};
	stream.fresh.addEventListener('url', (e) => onUrl(e.detail));
	stream.hls.on(Hls.Events.ERROR, (/** @type {string} */ _event, /** @type {any} */ data) => {
		const status = data.response?.code ? ` (HTTP ${data.response.code})` : '';
		log(`hls.js ${data.fatal ? 'fatal ' : ''}error: ${data.details}${status}`, data.fatal ? 'refused' : '');
	});
	await startPlaying(stream.ready);
}

/** @param {Promise<unknown>} ready */
async function startPlaying(ready) {
	try {
		await ready;
		await video.play();
	} catch (error) {
		log(`Could not play: ${describeError(error)}`, 'refused');
	}
}

/** @param {import('./vendor/signet-client/index.js').SignedUrl} signed */
function onUrl(signed) {
	$('signed-url').textContent = describeUrl(signed.url);
	$('valid-until').textContent = signed.validUntil.toLocaleTimeString();
	const seconds = Math.round((signed.validUntil.getTime() - Date.now()) / 1000);
	if (state.urls === 0) {
		log(`Signed ${sampleUrl()}, valid for ${seconds} s.`, 'ok');
	} else {
		log(`Refreshed at playback position ${state.position.toFixed(1)} s: a new URL, valid for ${seconds} s.`, 'ok');
	}
	state.urls++;
	$('refresh-count').textContent = String(state.urls - 1);
}

function stopSource() {
	state.source?.stop();
	state.source = undefined;
}

function stop() {
	stopSource();
	video.pause();
	log('Stopped: no more refreshes.');
}

/** Shows the remaining validity of the URL now playing. */
function tick() {
	const signed = state.source?.current;
	const meter = /** @type {HTMLMeterElement} */ ($('remaining-meter'));
	if (!signed) {
		$('remaining').textContent = '–';
		meter.value = 0;
		return;
	}
	const left = Math.max(0, signed.validUntil.getTime() - Date.now());
	$('remaining').textContent = `${(left / 1000).toFixed(1)} s`;
	meter.value = state.lifetime ? Math.min(1, left / state.lifetime) : 0;
}

/**
 * Loads a URL that the server rejects into the player and shows the
 * server's response.
 *
 * @param {string} label
 * @param {() => Promise<string>} makeUrl
 */
async function tryRejected(label, makeUrl) {
	stopSource();
	showAnswer(`${label}: preparing…`, 'refused');
	let url;
	try {
		url = await makeUrl();
	} catch (error) {
		showAnswer(`${label}: ${describeError(error)}`, 'refused');
		return;
	}
	const failed = new Promise((resolve) => video.addEventListener('error', resolve, {once: true}));
	video.src = url;
	video.play().catch(() => {});
	await Promise.race([failed, new Promise((resolve) => setTimeout(resolve, 3000))]);
	const rejection = await checkRejection(url);
	if (!rejection) {
		showAnswer(`${label}: the server accepted ${describeUrl(url)}.`, 'ok');
		return;
	}
	const text = `${label}: rejected with ${rejection.status} ${rejection.reason} (“${rejection.serverMessage}”)`;
	showAnswer(text, 'refused');
	log(text, 'refused');
}

/** Returns a URL signed for the selected sample, valid for the default lifetime. */
async function signedSample() {
	if (!state.client) {
		throw new Error('sign in first');
	}
	const signed = await state.client.sign(sampleUrl(), timing());
	return signed.url;
}

/** Changes the last hex digit of the signature. */
function tamper(/** @type {string} */ url) {
	return url.replace(/(signature=[0-9a-f]*)([0-9a-f])/, (_, head, last) => head + (last === '0' ? '1' : '0'));
}

/** Returns a URL signed for one second, once it has expired. */
async function expiredSample() {
	if (!state.client) {
		throw new Error('sign in first');
	}
	const signed = await state.client.sign(sampleUrl(), {validUntil: new Date(Date.now() + 1000), force: true});
	const wait = signed.validUntil.getTime() - Date.now() + 1000;
	showAnswer(`Expired URL: signed for ${Math.ceil(wait / 1000)} s, waiting for it to expire…`, 'refused');
	await new Promise((resolve) => setTimeout(resolve, wait));
	return signed.url;
}

/** Returns the selected sample's signature on another sample's path. */
async function otherFile() {
	const url = await signedSample();
	if (url.includes(hlsSample)) {
		return url.replace(hlsSample, 'sample.mp4');
	}
	return url.includes('sample.webm') ? url.replace('sample.webm', 'sample.mp4') : url.replace('sample.mp4', 'sample.webm');
}

/** Chooses the sample that this browser can play, preferring WebM. */
function chooseSample() {
	const select = /** @type {HTMLSelectElement} */ ($('sample'));
	if (!video.canPlayType('video/webm; codecs="vp9, opus"') && video.canPlayType('video/mp4; codecs="avc1.42E01E, mp4a.40.2"')) {
		select.value = 'sample.mp4';
	}
}

$('sign-in').addEventListener('submit', signIn);
$('play-form').addEventListener('submit', play);
$('stop').addEventListener('click', stop);
$('try-unsigned').addEventListener('click', () => tryRejected('Unsigned URL', async () => sampleUrl()));
$('try-tampered').addEventListener('click', () => tryRejected('Tampered signature', async () => tamper(await signedSample())));
$('try-other').addEventListener('click', () => tryRejected('Signature of another file', otherFile));
$('try-expired').addEventListener('click', () => tryRejected('Expired URL', expiredSample));
video.addEventListener('playing', () => {
	state.started = true;
	state.reloading = false;
});
video.addEventListener('emptied', () => {
	// A refreshed URL of a file replaces the source, and the element
	// loads it again from the saved position until it plays. 'emptied' is
	// queued when the source changes, before the 'waiting' of the play
	// call that follows; 'loadstart' comes after it.
	state.reloading = state.started;
});
video.addEventListener('waiting', () => {
	// Waiting before the first frame is loading, after a refresh
	// reloading, and during a seek or a loop, seeking; any other wait is
	// a stall.
	if (!state.started || !state.source || state.reloading || video.seeking) {
		return;
	}
	state.stalls++;
	$('stall-count').textContent = String(state.stalls);
	log(`Playback stalled at ${video.currentTime.toFixed(1)} s, waiting for data.`, 'refused');
});
video.addEventListener('timeupdate', () => {
	// A new source resets the position to 0 before the client restores it.
	if (video.readyState > 0) {
		state.position = video.currentTime;
	}
});
chooseSample();
setInterval(tick, 200);
document.body.dataset.ready = 'true';
