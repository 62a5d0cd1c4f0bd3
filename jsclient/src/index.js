export {SignetClient, createClient, basicAuthorization, DEFAULT_MARGIN, DEFAULT_RETRY, DEFAULT_TIMEOUT} from './client.js';
export {FreshUrl, coveredBy} from './fresh.js';
export {attachSignedHls, hlsSigningHooks, streamResource} from './hls.js';
export {SignedSource, attachSignedSource, mediaElementAdapter, checkRejection} from './media.js';
export {SIGNING_PARAMETERS, signingQuery, withSigningQuery} from './query.js';
export {REDACTED, redactText, redactUrl} from './redact.js';
export {formatValidUntil} from './request.js';
export {
	BadRequestError,
	CannotBeSignedError,
	MediaRejectedError,
	NetworkError,
	NotAuthorizedError,
	ServerError,
	SignetError,
	UnexpectedResponseError,
	isRetryable,
} from './errors.js';
