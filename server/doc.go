// Package server is signet's HTTP server: an Opencast-compatible signing
// API and a file server for protected media that verifies every request.
//
// # Routes
//
//   - POST /api/security/sign signs a URL, as Opencast's External API
//     does, for callers authenticated with HTTP Basic or a bearer token
//     that hold ROLE_ADMIN or ROLE_API_SECURITY_EDIT.
//   - GET and HEAD under config.Config.MediaPath serve files from MediaDir
//     or MediaFS, after the request URL has been verified. A rejected
//     request gets the verifier's status, its reason code in the
//     X-Signet-Reason header and a JSON body.
//   - GET /healthz returns {"status":"ok"}.
//   - Any method on config.Config.ForwardAuthPath (default /auth) verifies
//     the original URL that a trusted proxy names in X-Original-URI or
//     X-Forwarded-Uri, for nginx auth_request, Caddy forward_auth and
//     Traefik ForwardAuth; with ?nginx=1, 400 and 410 become 403. The real
//     status and reason are in X-Signet-Status and X-Signet-Reason.
//   - GET /metrics returns Prometheus metrics, unless DisableMetrics is set.
//   - GET and HEAD under /player/ serve PlayerDir without verification,
//     when it is set; / then redirects there.
//
// Every error response has a JSON body and Cache-Control: no-store. Bad
// input gets a 4xx status, never a 500.
//
// # Design notes
//
// The media route maps a URL to a file only after the verifier has
// accepted it, and only through the decoded and cleaned path. It rejects
// targets with an encoded slash, a backslash or a NUL, and those that clean
// to a path outside the media prefix. MediaDir is opened with os.OpenRoot,
// so neither ".." nor a symbolic link can reach a file outside it.
//
// A Reloader lets the Server of a new configuration share the os.Root of
// MediaDir and PlayerDir with the Server it replaces, when the path is the
// same and still names the same directory (os.SameFile), so a reload
// opens no descriptor. The roots are reference-counted. Each request holds
// a reference to its Server, and each Server holds one to each of its
// roots, so a root that a reload dropped is closed when the last request
// on the replaced Server ends. A close after a fixed delay would need a
// guess at the longest request, and media responses have no write
// timeout. A request that reaches a replaced Server after its last one
// ended is passed to the Server that replaced it. A reload that fails
// releases what it opened and leaves the serving roots as they are.
//
// Cross-origin requests from origins that are not configured get no CORS
// headers, so browsers withhold the response, but the request is otherwise
// served as usual. This differs from gin-contrib/cors (v1.7.6), which
// rejects such requests with an empty 403.
//
// bcrypt is slow by design, so successful Basic verifications are cached
// for config.Config.CredentialCache under a salted SHA-256 of user name and
// password. Failed attempts are never cached, and unknown users cost one
// bcrypt comparison against a dummy hash, as known users do.
//
// A request target longer than config.Config.MaxURLBytes never reaches the
// router: it is routed as "/" and rejected with 414 by the first middleware
// after CORS, so that the 414 carries CORS headers too.
//
// The request log replaces the values of the policy and signature query
// parameters with REDACTED. To trace one URL across requests, it logs the
// first 8 hex digits of the SHA-256 of the signature.
package server
