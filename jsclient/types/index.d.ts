// Types of @signet-media/client. The implementation is in ../src.

/** A signed URL and the last instant it is valid. */
export interface SignedUrl {
	url: string;
	validUntil: Date;
}

/** Options of createClient. */
export interface ClientOptions {
	/** URL of POST /api/security/sign, such as "https://opencast.example.org/api/security/sign". */
	endpoint: string | URL;
	/**
	 * Whether fetch sends cookies: "include" for a session cookie on another
	 * origin, "same-origin" for one on this origin.
	 * @default "same-origin"
	 */
	credentials?: RequestCredentials;
	/** A bearer token, or a function that returns the current one. */
	token?: string | (() => string | Promise<string>);
	/** Headers to add to every sign request, or a function that returns them. */
	headers?: HeadersInit | (() => HeadersInit | Promise<HeadersInit>);
	/**
	 * Milliseconds of validity a cached URL must have left to be handed out,
	 * and how long before expiry keepFresh signs again.
	 * @default 30000
	 */
	margin?: number;
	/**
	 * Milliseconds of validity to request for each URL, sent as valid-until.
	 * Without it, the server's default lifetime applies (2 hours in signet
	 * and Opencast).
	 */
	lifetime?: number;
	/**
	 * Milliseconds before an unanswered sign request fails with NetworkError.
	 * @default 10000
	 */
	timeout?: number;
	/**
	 * Retries of network failures and 5xx responses: at most `limit` more
	 * attempts, waiting `delay` ms doubled per attempt up to `maxDelay` ms,
	 * each scaled by a random factor from 0.5 to 1.
	 * @default {limit: 2, delay: 300, maxDelay: 5000}
	 */
	retry?: Partial<RetryOptions>;
	/** The fetch to use. @default globalThis.fetch */
	fetch?: typeof fetch;
	/** The clock, in milliseconds since the epoch. @default Date.now */
	now?: () => number;
}

export interface RetryOptions {
	limit: number;
	delay: number;
	maxDelay: number;
}

/** Options of SignetClient.sign. */
export interface SignOptions {
	/** The last instant the URL is valid; sent with whole seconds, rounded up. */
	validUntil?: Date | string | number;
	/** Milliseconds of validity from now, unless validUntil is given. */
	lifetime?: number;
	/** A client IP address or CIDR prefix the URL is bound to. */
	validSource?: string;
	/** A prefix pattern ending in "*" that the signature covers, such as an HLS stream's directory. */
	resource?: string;
	/** Milliseconds of validity a cached URL must have left to be handed out. @default the client's margin */
	margin?: number;
	/** Ignore a cached URL and ask the server. */
	force?: boolean;
	signal?: AbortSignal;
}

/** Options of SignetClient.keepFresh. */
export interface KeepFreshOptions {
	/** Milliseconds of validity for each URL; must be longer than margin. */
	lifetime?: number;
	/** Milliseconds before expiry to sign again. @default the client's margin */
	margin?: number;
	validSource?: string;
	resource?: string;
	/** Called with every new signed URL, the first one included. */
	onUrl?: (signed: SignedUrl) => void;
	/** Called with every failed refresh. */
	onError?: (error: unknown) => void;
}

/** Options of attachSignedSource. */
export interface SignedSourceOptions extends KeepFreshOptions {
	/** The fetch that checks why a URL failed to load. @default globalThis.fetch */
	fetch?: typeof fetch;
}

export declare const DEFAULT_MARGIN: number;
export declare const DEFAULT_TIMEOUT: number;
export declare const DEFAULT_RETRY: Readonly<RetryOptions>;

export declare function createClient(options: ClientOptions): SignetClient;

/** A client of POST /api/security/sign with a cache of signed URLs. */
export declare class SignetClient {
	constructor(options: ClientOptions);
	readonly margin: number;
	readonly lifetime: number | undefined;
	sign(url: string | URL, options?: SignOptions): Promise<SignedUrl>;
	keepFresh(url: string | URL, options?: KeepFreshOptions): FreshUrl;
	clear(): void;
	isFresh(signed: SignedUrl, margin?: number): boolean;
	now(): number;
}

export interface FreshUrlEventMap {
	url: CustomEvent<SignedUrl>;
	error: CustomEvent<unknown>;
}

/** A signed URL that refreshes itself before it expires. */
export declare class FreshUrl extends EventTarget {
	readonly url: string;
	readonly current: SignedUrl | undefined;
	/** Resolves with the first signed URL. */
	readonly ready: Promise<SignedUrl>;
	refresh(force?: boolean): Promise<SignedUrl>;
	/** The policy, keyId and signature parameters of the current URL, without "?". */
	query(): string;
	/** Returns url with the current signing query when the resource pattern covers it. */
	signUrl(url: string): string;
	stop(): void;
	addEventListener<K extends keyof FreshUrlEventMap>(
		type: K,
		listener: (event: FreshUrlEventMap[K]) => void,
		options?: boolean | AddEventListenerOptions,
	): void;
	addEventListener(
		type: string,
		listener: EventListenerOrEventListenerObject | null,
		options?: boolean | AddEventListenerOptions,
	): void;
}

/**
 * The interface between attachSignedSource and a player. mediaElementAdapter
 * makes one for a media element. An adapter for hls.js or another player
 * implements the same methods and may use FreshUrl.signUrl for segment
 * requests.
 */
export interface MediaAdapter {
	/** Loads a signed URL; with resume, keeps the playback position and paused state. */
	load(url: string, options: {resume: boolean}): void;
	/** Calls listener with the URL when the player fails to load it; returns an unsubscribe function. */
	onFailure(listener: (url: string) => void): () => void;
	/** Calls listener when playback starts or resumes; returns an unsubscribe function. */
	onPlaying?(listener: () => void): () => void;
	/** Releases the player's event listeners. */
	destroy?(): void;
}

export declare function mediaElementAdapter(media: HTMLMediaElement): MediaAdapter;

export interface SignedSourceEventMap {
	url: CustomEvent<SignedUrl>;
	recovered: CustomEvent<MediaRejectedError>;
	error: CustomEvent<unknown>;
}

/** A player source kept signed and fresh. */
export declare class SignedSource extends EventTarget {
	readonly fresh: FreshUrl;
	readonly current: SignedUrl | undefined;
	readonly ready: Promise<SignedUrl>;
	stop(): void;
	addEventListener<K extends keyof SignedSourceEventMap>(
		type: K,
		listener: (event: SignedSourceEventMap[K]) => void,
		options?: boolean | AddEventListenerOptions,
	): void;
	addEventListener(
		type: string,
		listener: EventListenerOrEventListenerObject | null,
		options?: boolean | AddEventListenerOptions,
	): void;
}

export declare function attachSignedSource(
	client: SignetClient,
	target: HTMLMediaElement | MediaAdapter,
	url: string | URL,
	options?: SignedSourceOptions,
): SignedSource;

/** The part of an hls.js instance that attachSignedHls uses. */
export interface HlsLike {
	loadSource(url: string): void;
	attachMedia(media: HTMLMediaElement): void;
	on(event: string, listener: (event: string, data: any) => void): void;
	off(event: string, listener: (event: string, data: any) => void): void;
	destroy(): void;
}

/** The hls.js class, or a class with the same constructor and events. */
export interface HlsConstructor<H extends HlsLike = HlsLike> {
	new (config?: Record<string, unknown>): H;
	readonly Events: {readonly ERROR: string};
}

/** The hls.js configuration hooks that sign the requests of a stream. */
export interface HlsSigningHooks {
	/** Opens xhr with the signed URL; returns a promise before the first signature. */
	xhrSetup(xhr: XMLHttpRequest, url: string): Promise<void> | void;
	/** Returns the Request with the signed URL, or a promise of it before the first signature. */
	fetchSetup(context: {url: string}, init: RequestInit): Request | Promise<Request>;
}

/** Options of attachSignedHls. */
export interface SignedHlsOptions extends KeepFreshOptions {
	/** The prefix pattern ending in `*` that one signature covers. @default the playlist's directory plus `*` */
	resource?: string;
	/** Configuration for the hls.js constructor; xhrSetup and fetchSetup are replaced. */
	hlsConfig?: Record<string, unknown>;
}

/** An HLS stream played with hls.js under a signature that keepFresh renews. */
export interface SignedHls<H extends HlsLike = HlsLike> {
	readonly hls: H;
	readonly fresh: FreshUrl;
	/** Resolves with the first signed URL, once hls.js loads it. */
	readonly ready: Promise<SignedUrl>;
	/** Stops refreshing and destroys the hls.js instance. */
	destroy(): void;
}

export declare function hlsSigningHooks(fresh: FreshUrl): HlsSigningHooks;
export declare function streamResource(url: string): string;
export declare function attachSignedHls<H extends HlsLike>(
	client: SignetClient,
	Hls: HlsConstructor<H>,
	media: HTMLMediaElement,
	url: string | URL,
	options?: SignedHlsOptions,
): SignedHls<H>;

export declare function checkRejection(url: string, fetch?: typeof globalThis.fetch): Promise<MediaRejectedError | undefined>;

export declare function basicAuthorization(username: string, password: string): string;
export declare function coveredBy(url: string, pattern: string, base?: string): boolean;
export declare const SIGNING_PARAMETERS: readonly string[];
export declare function signingQuery(signedUrl: string): string;
export declare function withSigningQuery(url: string, signedUrl: string): string;
export declare const REDACTED: string;
export declare function redactUrl(url: string | URL): string;
export declare function redactText(text: string): string;
export declare function formatValidUntil(date: Date): string;
export declare function isRetryable(error: unknown): boolean;

export interface ErrorDetails {
	status?: number;
	serverMessage?: string;
	url?: string;
	cause?: unknown;
}

/** The base class of the client's errors. Messages never contain a signed URL or a credential. */
export declare class SignetError extends Error {
	constructor(message: string, details?: ErrorDetails);
	/** The HTTP status, 0 without a response. */
	readonly status: number;
	/** The server's error text, with URL queries redacted. */
	readonly serverMessage: string;
	/** The URL to sign, with its query redacted. */
	readonly url: string;
}
/** 401 or 403 from the sign endpoint. */
export declare class NotAuthorizedError extends SignetError {}
/** 200 with {"error": "Given URL cannot be signed"}. */
export declare class CannotBeSignedError extends SignetError {}
/** 400 from the sign endpoint. */
export declare class BadRequestError extends SignetError {
	constructor(message: string, details?: ErrorDetails & {parameter?: string});
	/** The form parameter at fault, such as "valid-until", or "". */
	readonly parameter: string;
}
/** No response: unreachable, timed out or withheld by CORS. */
export declare class NetworkError extends SignetError {}
/** 5xx from the sign endpoint. */
export declare class ServerError extends SignetError {}
/** A status or body the sign API does not send. */
export declare class UnexpectedResponseError extends SignetError {}
/** A media request rejected by the media server. */
export declare class MediaRejectedError extends SignetError {
	constructor(message: string, details?: ErrorDetails & {reason?: string});
	/** The X-Signet-Reason code, such as "expired", or "". */
	readonly reason: string;
}
